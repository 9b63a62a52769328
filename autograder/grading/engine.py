"""Grade one submission: ``grade(path)`` runs the exercises' grader suites and returns one result per check.

The way through, for one submission:

1. ``course.load_course`` reads course.yaml: the exercises, their checks (points,
   visibility, CPU budgets) and where each exercise's parts live;
2. ``submission.Submission`` finds the student's files (a folder, flat files or
   notebooks, read once by ``notebooks``);
3. pytest runs the suites (``autograder/suites/<id>/test_*.py``) in this process with
   ``plugin.GradingPlugin``, which selects the checks, budgets them and records each
   outcome; a suite's ``student`` fixture calls the probes (``suites/<id>/probes.py``)
   inside the exercise's sandboxed worker process (``autograder.sandbox``), and the
   check compares what came back, in this process, with ``checking``'s helpers;
4. the plugin's ``result()`` is a ``results.SubmissionResult``, which the command line
   renders as a table, the contract's JSON or Gradescope's results.json.
"""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from autograder.grading.course import KIT_ROOT, PACKAGE_DIR, Course, load_course
from autograder.grading.plugin import GradingPlugin
from autograder.grading.results import SubmissionResult
from autograder.grading.submission import Submission
from autograder.sandbox import isolation
from autograder.sandbox.hiding import paths_to_hide, protect

# pytest's settings for the suites, whatever pytest configuration sits around them.
SUITE_INI = Path(__file__).with_name("suites.ini")


def grade(submission_path: Path, course: Course | None = None, exercise_ids: list[str] | None = None,
          visibility: str | None = None, check_names: list[str] | None = None,
          fail_fast: bool = True, spares: dict | None = None) -> SubmissionResult:
    """Grade one submission folder (or notebook folder) and return its result.

    ``fail_fast=False`` runs every check of a module that cannot load through pytest all the same
    (the slow way, which the tests compare the fast one with). ``spares``: started workers to use, by
    exercise id (``commands/warm.py``); the ones used are taken out of it."""
    course = course or load_course()
    exercises = course.select(exercise_ids)
    submission = Submission(Path(submission_path), course)
    hide = hidden_from_students(course, submission)
    for exercise in exercises:  # read notebooks now, outside pytest's session
        submission.problem(exercise)
    plugin = GradingPlugin(course, exercises, submission, visibility, check_names, hide, spares)
    # An exercise whose module cannot load (no file, a link, a syntax error, a notebook that cannot
    # be read) fails every check with the same words, whatever the check: decided here, without
    # importing its suite (and torch with it) or starting a sandbox. Where every exercise asked for
    # is such, pytest is not started at all: a syntax error is answered in about a second.
    refused = {e.id: why for e in exercises if (why := _refusal(submission, e)) is not None} if fail_fast else {}
    plugin.refuse(refused)
    # Only exercises with checks of the code to run start pytest and a sandbox (the questions are read by the plugin).
    suite_dirs = [str(e.suite_dir) for e in exercises
                  if e.suite_dir.is_dir() and e.id not in refused and plugin.code_selected(e)]
    for exercise in exercises:  # each worker loads torch while pytest imports the suites (and torch)
        if exercise.id not in refused and plugin.code_selected(exercise) and exercise.suite_dir.is_dir():
            plugin.process_for(exercise).prestart()
    rootdir = os.path.commonpath([str(Path(d).parent) for d in suite_dirs]) if suite_dirs else str(KIT_ROOT)
    args = [*suite_dirs, "-c", str(SUITE_INI), "--rootdir", rootdir,
            "-p", "no:cacheprovider", "-p", "no:terminal", "--assert=plain",
            # the grader's own objects only: their gc.collect() at the end of every run costs ~0.5 s
            "-p", "no:unraisableexception", "-p", "no:threadexception",
            # suites need no __init__.py, and two suites' test_public.py never collide
            "--import-mode=importlib"]
    try:
        if suite_dirs:
            # pytest's own progress output is of no use here: the table replaces it.
            with contextlib.redirect_stdout(io.StringIO()), _pytest_of_the_kit():
                pytest.main(args, plugins=[plugin])
    finally:
        submission.cleanup()
    return plugin.result()


# Only the kit's plugin and options: pytest plugins installed on this machine (xdist, randomly, benchmark, ...)
# must not reorder, rerun or comment on the checks, and the user's own PYTEST_ADDOPTS (-v, --durations,
# --junitxml: options the grader's pytest, without its terminal plugin, does not even know) must not make
# every check a grader error. A verdict is the same on every machine and in every shell.
_PYTEST_ENVIRONMENT = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": None, "PYTEST_PLUGINS": None}


@contextlib.contextmanager
def _pytest_of_the_kit():
    saved = {name: os.environ.get(name) for name in _PYTEST_ENVIRONMENT}
    try:
        _set_environment(_PYTEST_ENVIRONMENT)
        yield
    finally:
        _set_environment(saved)


def _set_environment(values: dict[str, str | None]) -> None:
    """Each variable set to its value, or unset where the value is None."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def hidden_from_students(course: Course, submission: Submission) -> list[str]:
    """What student code must not see: the kit itself whatever course file is in use, the course's folder,
    wherever course.yaml puts the solutions and the suites (hidden checks), and the folder the submission
    sits in (other students' work, in a batch). Where no mount can cover them, closed to other uids."""
    elsewhere = {p for e in course.exercises.values() for p in (e.solution_dir.parent, e.suite_dir.parent)}
    hide = paths_to_hide(KIT_ROOT, [PACKAGE_DIR, course.root, *sorted(elsewhere), submission.path.resolve().parent])
    if isolation.mode() == "user":
        protect(hide, isolation.scratch_root())
    return hide


def _refusal(submission: Submission, exercise):
    """Why this exercise's code cannot load at all (a StudentFailure), or None."""
    from autograder.sandbox.failures import MissingSubmission
    from autograder.sandbox.staging import load_refusal

    problem = submission.problem(exercise)
    if problem:
        return MissingSubmission(problem)
    try:
        return load_refusal(exercise.module, submission.files_for(exercise))
    except OSError:  # a scratch folder the grader cannot use: the sandbox's own path reports it as the grader's
        return None

