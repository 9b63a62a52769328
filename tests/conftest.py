"""Helpers for the kit's own tests: grade through the real CLI, in a subprocess.

Grading in a child process keeps each test's grader separate (a broken grader
harms only its own test) and bounds it with a timeout.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

KIT = Path(__file__).resolve().parents[1]
# The kit's trained-model cache (autograder/grading/cache.py): in a temporary folder, shared by the
# test workers, never the user's own ~/.cache.
os.environ.setdefault("AUTOGRADER_CACHE", str(Path(tempfile.gettempdir()) / f"rnn-autograder-test-cache-{os.getuid()}"))
SOLUTIONS = KIT / "solutions"
# The tests' own environment first on PATH, as `source .venv/bin/activate` puts it: the commands a test runs
# (nbgrader, which starts alembic; jupyter) are this environment's, whether or not it was activated.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
# No warm grader (commands/warm.py) outlives the tests: the ones that test it turn it on for themselves.
os.environ.setdefault("AUTOGRADER_NO_WARM", "1")
STRICT_SECCOMP = {"AUTOGRADER_SECCOMP_STRICT": "1"}   # staging.worker_env: an unlisted call kills the worker


# What one test worker may hold at once: a full submission's grading tree peaked at 1.9 GB
# (scripts/bench.py), and the worker's own pytest beside it.
WORKER_MEMORY = 3 << 30


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject's addopts): one worker per CPU this process may run on (its affinity, not
    the machine's count: a container or ``taskset`` gets what it was given), no more than memory holds.
    The suite is CPU-bound (the zoo trains), so more cores are what makes it faster."""
    import psutil

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, psutil.virtual_memory().total // WORKER_MEMORY))


# -- the tiers: `make test` (everything, what CI runs), `make test-quick` (pytest -m "not slow": every module,
# no training run, under 5 minutes on 2 cores) and `make test-exercise EX=<id>` (pytest --exercise <id>).
# Slow: whole files that train, build a whole nbgrader course, start a cluster or a browser, or grade a
# class; single tests measured over 20 s (pytest --durations=0 on the kit's 2-core machine); the attacks'
# second runs with the sandbox off ("portable": the quick tier runs each attack in the sandbox); zoo
# entries graded on a check whose budget is above the course's default (the training checks), and all
# but a sample of each zoo.
SLOW_FILES = {"test_nbgrader.py", "test_slurm.py", "test_notebook_run.py", "test_lessons.py", "test_calibration.py",
              "test_hostile_class.py", "test_batch.py", "test_first_hour.py", "test_bundled.py", "test_pages.py",
              "test_machines.py", "test_similarity.py", "test_changed_course.py", "test_gradescope.py"}
QUICK_IN_SLOW_FILES = {"test_source_notebooks_follow_nbgraders_schema_and_course_yaml",
                       "test_feedback_keeps_nothing_active_from_the_students_markdown",
                       "test_feedback_code_colours_reach_4_5_to_1"}
SLOW_TESTS = {   # measured over 20 s in otherwise quick files (pytest --durations=0, 2 cores)
    "test_grading_the_solutions_needs_no_call_off_the_list", "test_stubs_import_cleanly",
    "test_checks_after_the_first_are_answered_warm_with_the_same_verdicts",
    "test_a_student_going_step_by_step_passes_each_steps_checks_as_they_go",
    "test_submitit_jobs_grade_a_class_and_a_killed_job_is_regraded",
    "test_code_that_sleeps_gets_its_verdict_within_the_exercises_real_time_bound",
    "test_parallel_and_serial_verdicts_are_identical", "test_processes_that_start_together_build_an_entry_once",
    "test_attack_is_held[stops_the_worker_reading_requests-portable]",
    "test_attack_is_held[stops_the_worker_reading_requests-sandbox]",
    "test_a_float32_default_h0_is_told_by_the_public_checks_and_charged_by_initial_state_alone",
    "test_off_builds_every_time", "test_memory_in_no_resident_set_is_stopped_as_memory[tmpfs_inodes]",
}
# Files whose subject is the sandbox (the attacks, the system-call allow-list, the guards on torch's kernels):
# each puts its attack into ex1's solution and grades it on a copy of the course with short budgets. A change of
# points or exercises changes nothing they assert, so the changed-course test (test_changed_course.py) leaves
# them out of its second run of the quick tier (-m "not slow and not sandbox"); every other run has them.
SANDBOX_FILES = {"test_hostile.py", "test_hostile_round3.py", "test_syscalls.py", "test_forgery.py",
                 "test_rnn_kernels.py"}
# The quick tier grades a sample of each zoo (its first correct and wrong entries); the full suite, all of them.
QUICK_ZOO = {"correct": 2, "wrong": 4}
# What `--exercise ID` runs: these files' tests about that exercise, and their course-wide ones.
EXERCISE_FILES = {"test_zoo.py", "test_notebooks.py", "test_notebook_run.py", "test_lessons.py", "test_release.py",
                  "test_gradescope.py", "test_nbgrader.py", "test_course.py", "test_authoring.py"}


def pytest_addoption(parser):
    parser.addoption("--exercise", metavar="ID", default=None,
                     help="only the tests of one exercise (its zoo, notebooks, lesson) and the course-wide tests "
                          "of its release, Gradescope and nbgrader files: make test-exercise EX=ID")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: not in the quick tier (make test-quick runs -m 'not slow')")
    config.addinivalue_line("markers", "sandbox: about the sandbox, not the course (SANDBOX_FILES)")


def _zoo_trains(item) -> bool:
    """A zoo entry graded on a check whose CPU budget is above the course's default: it trains a model."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    exercise, entry = params.get("exercise"), params.get("entry")
    if exercise is None or entry is None:
        return False
    default = min(c.timeout for e in [exercise] for c in e.checks.values())
    return any(exercise.checks[name].timeout > default for name in entry.graded_on(exercise.checks))


def _zoo_beyond_the_sample(item, seen: dict) -> bool:
    """A zoo entry past its exercise's first QUICK_ZOO correct and wrong entries (in zoo.yaml's order)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    exercise, entry = params.get("exercise"), params.get("entry")
    if exercise is None or entry is None:
        return False
    key = (exercise.id, entry.verdict)
    seen[key] = seen.get(key, 0) + 1
    return seen[key] > QUICK_ZOO.get(entry.verdict, 0)


def pytest_collection_modifyitems(config, items):
    from autograder.grading.course import load_course

    seen: dict = {}
    for item in items:
        name = item.originalname if hasattr(item, "originalname") else item.name
        if item.path.name in SANDBOX_FILES:
            item.add_marker(pytest.mark.sandbox)
        if (item.path.name in SLOW_FILES and name not in QUICK_IN_SLOW_FILES) or name in SLOW_TESTS \
                or item.name in SLOW_TESTS or "portable" in item.name or (item.path.name == "test_zoo.py" and (
                    _zoo_trains(item) or _zoo_beyond_the_sample(item, seen))):
            item.add_marker(pytest.mark.slow)
    wanted = config.getoption("--exercise")
    if wanted:
        ids = list(load_course().exercises)
        if wanted not in ids:
            raise pytest.UsageError(f"--exercise {wanted}: the course's exercises are {', '.join(ids)}")
        keep = [item for item in items if item.path.name in EXERCISE_FILES and
                (wanted in item.nodeid or not any(other in item.nodeid for other in ids))]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def needs(*exercise_ids: str):
    """For a test about these exercises' own content (their data, their checks' figures): skipped, saying why,
    in a course without them (an instructor dropped one: tests/test_changed_course.py)."""
    from autograder.grading.course import load_course

    missing = [i for i in exercise_ids if i not in load_course().exercises]
    return pytest.mark.skipif(bool(missing), reason=f"this course has no {', '.join(missing)}: the test is about "
                                                    "its own content")


def run_cli(*args, timeout: float = 300, cwd: Path = KIT, kit: Path | None = None,
            env_extra: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` in ``cwd``; ``kit``: the copy of the kit to import (as if pip-installed);
    ``env_extra``: variables to add to the environment."""
    env = None if kit is None and not env_extra else {
        **os.environ, **({} if kit is None else {"PYTHONPATH": str(kit)}), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def grade(submission: Path, *, exercise: str | None = None, checks=(), course: Path | None = None,
          public: bool = False, timeout: float = 300, extra=(), env_extra: dict | None = None,
          kit: Path | None = None) -> dict:
    """Grade ``submission`` with ``python -m autograder grade`` and return its JSON (written to a temporary file);
    ``kit``: a copy of the kit to grade with (as ``run_cli``'s)."""
    out = Path(tempfile.mkdtemp(prefix="kit-test-result-")) / f"{submission.name}-result.json"
    args = ["grade", submission, "--json", out]
    if course:
        args = ["--course", course, *args]
    if exercise:
        args += ["--exercise", exercise]
    for c in checks:
        args += ["--check", c]
    if public:
        args.append("--public")
    args += list(extra)
    proc = run_cli(*args, timeout=timeout, env_extra=env_extra, **({"cwd": kit, "kit": kit} if kit else {}))
    assert proc.returncode == 0, f"grader exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text())
    result["_stdout"] = proc.stdout
    result["_stderr"] = proc.stderr
    out.unlink()
    out.parent.rmdir()
    return result


def copy_kit(dest: Path) -> Path:
    """A copy of the kit that grades ex1 (run with cwd and PYTHONPATH pointing at it); a test may break it."""
    import shutil

    shutil.copytree(KIT / "autograder", dest / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(KIT / "exercises" / "ex1_myrnn", dest / "exercises" / "ex1_myrnn")
    shutil.copy(KIT / "course.yaml", dest / "course.yaml")
    return dest


def checks_by_name(result: dict, exercise: str) -> dict[str, dict]:
    ex = next(e for e in result["exercises"] if e["id"] == exercise)
    return {t["name"]: t for t in ex["tests"]}


def write_submission(root: Path, exercise: str, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / exercise / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="session")
def solutions_result():
    """solutions/ graded in full, once per worker: the tests that read it are in xdist_group "bundled"
    (test_bundled.py, test_pages.py, test_syscalls.py), so the class trains its references once. Graded with
    the seccomp filter strict (a call off its allow-list kills the worker, which flags the exercise): a call
    the solutions need and the list lacks fails the kit's tests, never a student (sandbox/syscalls.py)."""
    return grade(KIT / "solutions", env_extra=STRICT_SECCOMP)


def _short_course(folder: Path, check_timeout: float) -> Path:
    """The real course.yaml with every check given ``check_timeout`` CPU s, a 60 s exercise and a real-time
    backstop of 2 x the budget + 5 s, written into ``folder``."""
    data = yaml.safe_load((KIT / "course.yaml").read_text())
    data["defaults"].update(wall_factor=2, wall_slack=5)
    for ex in data["exercises"].values():
        ex["time_limit"] = 60
        for check in ex["checks"].values():
            check["timeout"] = check_timeout
    path = folder / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def fast_course(tmp_path_factory) -> Path:
    """The real course.yaml with short time limits, for tests that must wait out a timeout.

    5 CPU s a check: ex1's checks take at most 0.3, and a loop costs 5 CPU s, not the course's 30. Code
    that sleeps is stopped after 2 x 5 + 5 = 15 s of real time: a check keeps its CPU verdict while it
    gets a third of a core, as under the course's own 4 x 30 + 30."""
    return _short_course(tmp_path_factory.mktemp("course"), 5)


@pytest.fixture(scope="session")
def memory_course(tmp_path_factory) -> Path:
    """fast_course with the course's own 30 CPU s a check, for code that must be stopped for memory:
    touching gigabytes costs CPU (the kernel zeroes every page; 5 s were seen spent before the limit
    on a loaded machine), and a time limit must never win that race. Nothing waits the 30 s out."""
    defaults = yaml.safe_load((KIT / "course.yaml").read_text())["defaults"]
    return _short_course(tmp_path_factory.mktemp("memory-course"), defaults["check_timeout"])


def solution_region_bodies():
    """(where, code) of every solution region of every reference solution: what no release may contain."""
    from autograder.publish.authoring import find_regions

    for path in sorted(SOLUTIONS.glob("*/*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for region in find_regions(text):
            yield f"{path.parent.name}/{path.name}:{region.qualname}", "\n".join(lines[region.begin + 1:region.end]).strip()


def python_functions(text: str):
    """(name, body fingerprint) of every function in ``text``: its body's AST without the docstring.

    Names, docstrings, comments and layout aside, two functions with the same
    fingerprint are the same code.
    """
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            yield node.name, ast.dump(ast.Module(body=body, type_ignores=[]))


def student_written_functions():
    """Fingerprints of the solution functions that hold a student's part (a solution region)."""
    from autograder.publish.authoring import find_regions

    for path in sorted(SOLUTIONS.glob("*/*.py")):
        text = path.read_text()
        wanted = {r.qualname.rsplit(".", 1)[-1] for r in find_regions(text)}
        for name, fingerprint in python_functions(text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")):
            if name in wanted and len(fingerprint) > 300:  # a one-liner may well coincide with anything
                yield f"{path.parent.name}/{path.name}:{name}", fingerprint


def instructor_only_functions():
    """Name and fingerprint of every function in a suite's reference.py: held-out generators, the grader's PCA."""
    from autograder.grading.course import load_course

    for exercise in load_course().exercises.values():
        path = exercise.suite_dir / "reference.py"
        for name, fingerprint in python_functions(path.read_text()) if path.is_file() else ():
            yield f"{exercise.id}/reference.py:{name}", name, fingerprint


def answer_key_texts(exercise):
    """(what, text) of every part of the exercise's questions no student may get: a choice's explanation (it names
    the answer), a written question's rubric and model answer (questions.yaml)."""
    from autograder.grading.questions import load_questions

    for q in load_questions(exercise).values():
        for what, text in (("explanation", q.explanation), ("rubric", q.rubric), ("model answer", q.model_answer)):
            if text:
                yield f"{exercise.id}/{q.name} {what}", text


def assert_no_answer_key(exercise, shipped: str) -> None:
    """No explanation, rubric or model answer of the exercise's questions, nor a line of one, is in ``shipped``."""
    for where, text in answer_key_texts(exercise):
        lines = [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 30]
        assert text not in shipped and not [ln for ln in lines if ln in shipped], f"{where} is shipped"
