"""What a notebook's cells call: ``check_public(exercise)`` and ``check(exercise, name)``; and the
``%%step`` cell magic (``%load_ext autograder.jupyter``) of notebooks written step by step.

Neither asserts anything about the student's code in the notebook's kernel,
where the student's own code could fake it. Both hand the student's code to
the kit's grader, in a separate process (``python -I -m autograder grade``)
that runs it in its sandbox, and report its verdicts: the same checks, the
same messages as a ``.py`` submission. The code graded is:

- in the student's Jupyter: the code the kernel ran, that is the files the notebook's
  ``%%writefile`` or ``%%step`` cells wrote when they were last run (no save step, no stale
  result); where a cell has not been run yet, the notebook as last saved (the one
  reading of ``notebooks.extract``). When the saved notebook holds other code than
  the cells last wrote, the check says so: the notebook is what is handed in;
- under ``nbgrader autograde``: the files the kit's hooks staged from the
  submitted notebook, read the same way (``nbgrader_hooks``), or the reason the
  notebook holds none (``PROBLEM_FILE``), which then fails every check.

The first call grades the whole exercise once and keeps the result for as long
as the code is unchanged, so a notebook with 17 graded cells costs one grading.
In the student's Jupyter the warm grader (``commands/warm.py``), started by the
first check, answers the next ones in about a second; never under autograde.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading.course import KIT_ROOT, load_course
from autograder.grading.results import failed_result

_cache: dict[tuple[str, str], dict] = {}
COURSE_FILE = KIT_ROOT / "course.yaml"   # the course the check cells' grader reads (its default)
PROBLEM_FILE = ".rnn-kit-problem.txt"   # written by nbgrader_hooks.StageStudentFiles
NOTES_FILE = ".rnn-kit-notes.txt"       # likewise: what the grader ignored


_RAN: dict[tuple[str, str], dict[int, str]] = {}   # (folder, file) -> step -> the code this kernel last ran


def step(line: str, cell: str) -> None:
    """``%%step myrnn.py 2``: this cell is step 2 of myrnn.py. Writes the whole file next to the notebook:
    the steps this kernel has run, as last run, and the others as the notebook was last saved (the same
    joining as the grader's reading of a notebook, ``notebooks.join_parts``). Runs nothing."""
    from autograder.grading.notebooks import NotebookProblem, find_step_cells, join_parts, parse, step_of

    named = step_of(f"%%step {line.strip()}")
    if named is None:
        print("usage: %%step <file> <step number>, e.g. %%step myrnn.py 2 (the cell's first line, as released)")
        return
    name, number = named
    folder = Path.cwd()
    parts: dict[int, str] = {}
    course = load_course()
    owners = [e for e in course.exercises.values() if name in e.files]
    notebook = next((folder / e.notebook for e in owners if (folder / e.notebook).is_file()), None)
    if notebook is not None:
        try:
            saved = find_step_cells(parse(notebook.read_bytes(), notebook.name)["cells"], name)
            parts.update({k: c.code for k, c in saved.items()})
        except (NotebookProblem, OSError):
            pass
    ran = _RAN.setdefault((str(folder), name), {})
    ran[number] = cell
    parts.update(ran)
    (folder / name).write_text(join_parts(parts.get(k, "") for k in range(1, max(parts) + 1)), encoding="utf-8")
    steps = owners[0].steps if owners else ()
    title = steps[number - 1].title if number <= len(steps) else f"step {number}"
    others = sorted(set(parts) - set(ran))
    print(f"{name}: wrote {title}" + (f" (steps {', '.join(map(str, others))} as the notebook was last saved)"
                                      if others else ""))


def load_ipython_extension(ipython) -> None:
    """``%load_ext autograder.jupyter``: registers ``%%step``, and (in the student's own Jupyter) starts the
    warm grader in the background, so that it is ready by the time the first step is written: every
    step's check then answers in about a second."""
    ipython.register_magic_function(step, magic_kind="cell", magic_name="step")
    if not _autograding():
        from autograder.commands import warm

        warm.start(COURSE_FILE)


def _autograding() -> bool:
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


class CheckNotPassed(AssertionError):
    """The grader's verdict on one check was not "passed"; the message says why."""


class GraderUnavailable(RuntimeError):
    """The course's grader gave no verdict (it could not run, it is another course's kit, it does not know the
    exercise or the check, or a check failed on the grader's side): never the student's doing. Under nbgrader's
    autograde, ``nbgrader_hooks.NoGraderFailures`` stops that student's grading there, loudly, and records
    no score for it (never a 0); run autograde again once the grader is fixed."""


KIT_ENV = "RNN_KIT_ROOT"   # set by nbgrader_hooks.configure: the kit the course folder was built for


def _exercise(exercise_id: str):
    if _autograding() and os.environ.get(KIT_ENV) and os.environ[KIT_ENV] != str(KIT_ROOT):
        raise GraderUnavailable(f"the check cells imported the kit at {KIT_ROOT}, but this course folder is "
                                f"graded with the kit at {os.environ[KIT_ENV]}: the notebook's kernel runs another "
                                "Python than nbgrader. Run nbgrader with the kit's own environment.")
    course = load_course()
    if exercise_id not in course.exercises:
        raise GraderUnavailable(f"the course's grader (the kit at {KIT_ROOT}) does not know the exercise "
                                f"{exercise_id!r}; it has {', '.join(course.exercises)}. Tell your instructor.")
    return course.exercises[exercise_id]


def _sources(exercise, folder: Path) -> list[str]:
    """The files that hold the student's code: under autograde the staged files; in Jupyter what the kernel
    ran (the files the %%writefile cells wrote), or the notebook where a cell has not been run."""
    if _autograding():   # and the answers the hooks read from the notebook's answer cells (StageStudentFiles)
        return list(exercise.files) + ([exercise.answers_file] if exercise.answers_file else [])
    ran = all((folder / name).is_file() for name in exercise.files)
    return list(exercise.files) if ran or not (folder / exercise.notebook).is_file() else [exercise.notebook]


def _unsaved(exercise, folder: Path) -> str | None:
    """Words for a notebook whose saved code is not what its cells last wrote (what the checks judged)."""
    from autograder.grading.notebooks import NotebookProblem, extract

    notebook = folder / exercise.notebook
    if _autograding() or not notebook.is_file():
        return None
    try:
        saved = extract(notebook, tuple(exercise.files))
    except (NotebookProblem, OSError, ValueError):
        return None
    differ = [n for n in exercise.files if (folder / n).is_file() and saved.get(n, "").strip() !=
              (folder / n).read_text(encoding="utf-8", errors="replace").strip()]
    if not differ:
        return None
    return (f"(checked the code your cell last ran; {notebook.name} as saved holds other code for "
            f"{', '.join(differ)}: save the notebook, since the notebook is what you hand in)")


def _stage(exercise, folder: Path, sources: list[str], tmp: Path) -> Path:
    """A submission folder in ``tmp`` holding only ``sources``: nothing else beside the notebook counts."""
    submission = tmp / "submission"
    (submission / exercise.folder).mkdir(parents=True)
    for name in sources:
        if (folder / name).is_file():
            shutil.copy(folder / name, submission / exercise.folder / name)
    return submission


def _grader_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def _kit_command(*args: str) -> list[str]:
    """``python -m autograder ARGS`` run with *this* kit, the one the notebook's cells imported (so a check
    cell never grades with another kit installed in the same Python). -I: the notebook's folder is not on
    the grader's import path, so nothing there (a file called torch.py, say) can stand in for its modules."""
    code = ("import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'autograder'; "
            "runpy.run_module('autograder', run_name='__main__', alter_sys=True)")
    return [sys.executable, "-I", "-c", code, str(KIT_ROOT), *args]   # KIT_ROOT holds the autograder package


def _grade(exercise_id: str, folder: Path) -> dict:
    """Grade the exercise's code (see the module's docstring for which); cached by its contents."""
    exercise = _exercise(exercise_id)
    notebook = folder / exercise.notebook
    if _autograding() and (folder / PROBLEM_FILE).is_file():
        problem = (folder / PROBLEM_FILE).read_text(encoding="utf-8", errors="replace")
        return failed_result([exercise], "", problem, "failed").to_json()["exercises"][0]  # no code to grade
    sources = _sources(exercise, folder)
    use_notebook = sources == [exercise.notebook]
    digest = hashlib.sha256()
    for name in sources:
        path = folder / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<missing>") + b"\0")
    key = (exercise_id, digest.hexdigest())
    if key not in _cache:
        if use_notebook:
            saved = time.strftime("%H:%M:%S", time.localtime(notebook.stat().st_mtime))
            print(f"(grading {notebook.name} as last saved, at {saved}: the cell with your code has not been "
                  "run yet)")
        with tempfile.TemporaryDirectory(prefix="autograder-notebook-") as tmp:
            submission = _stage(exercise, folder, sources, Path(tmp))
            if not _autograding():  # the student's own check: the warm grader answers in about a second
                from autograder.commands import warm

                answer = warm.ask(COURSE_FILE, {"submission": str(submission), "exercises": [exercise_id]},
                                  timeout=3600) if warm.usable() else None
                if answer is not None:
                    _cache[key] = answer["result"]["exercises"][0]
                    return _cache[key]
            out = Path(tmp) / "result.json"
            env = _grader_env()
            proc = subprocess.run(_kit_command("grade", str(submission), "--exercise", exercise_id,
                                               "--json", str(out)), capture_output=True, text=True, env=env, cwd=tmp)
            if proc.returncode not in (0, 3) or not out.is_file():  # 3: a check failed on the grader's side
                raise GraderUnavailable(f"the course's grader could not run (exit {proc.returncode}):\n"
                                        f"{proc.stderr.strip()[-2000:]}\nTell your instructor.")
            _cache[key] = json.loads(out.read_text())["exercises"][0]
        if not _autograding():
            from autograder.commands import warm

            warm.start(COURSE_FILE)   # the next check, after an edit, answers in about a second
    return _cache[key]


def check(exercise_id: str, name: str, folder: str | os.PathLike = ".") -> None:
    """One check's verdict: prints it when passed, raises CheckNotPassed with the reason otherwise."""
    result = _grade(exercise_id, Path(folder))
    unsaved = _unsaved(_exercise(exercise_id), Path(folder))
    if unsaved:
        print(unsaved)
    test = next((t for t in result["tests"] if t["name"] == name), None)
    if test is None:   # the notebook names a check this kit does not run: another course's kit, not the student
        raise GraderUnavailable(f"{name} is not one of the checks the course's grader (the kit at {KIT_ROOT}) "
                                "runs: the notebook and the kit are from different versions of the course. "
                                "Tell your instructor.")
    if test["status"] == "grader_error":
        raise GraderUnavailable(f"{name}: the grader failed on its side, not because of your code: "
                                f"{test['output']}")
    if test["status"] != "passed":
        raise CheckNotPassed(f"{name} ({test['status']}): {test['output']}")
    print(f"{name}: passed ({test['score']:g}/{test['max_score']:g})")


def check_public(exercise_id: str, folder: str | os.PathLike = ".") -> None:
    """Print the table of the public checks for the exercise's files (run its code cell first)."""
    from autograder.grading.results import ExerciseResult, CheckResult, SubmissionResult, render_table

    result = _grade(exercise_id, Path(folder))
    unsaved = _unsaved(_exercise(exercise_id), Path(folder))
    if unsaved:
        print(unsaved)
    notes = Path(folder) / NOTES_FILE
    if _autograding() and notes.is_file():
        for line in notes.read_text(encoding="utf-8", errors="replace").splitlines():
            print(f"note: {line}")
    tests = [CheckResult(**t) for t in result["tests"] if t["visibility"] == "public"]
    # Named by the notebook, never by the folder's path: under nbgrader that is the server's
    # (autograded/<student>/<assignment>), which the student's feedback should not show.
    table = SubmissionResult(f"{exercise_id}.ipynb", [ExerciseResult(result["id"], result["title"], tests)])
    print(render_table(table, width=110))


def lesson(exercise_id: str, folder: str | os.PathLike = ".") -> None:
    """The lesson's picture (ex2's learning curves, ex5's PCA), drawn by the course's grader from the code the
    notebook's cells last wrote (the notebook as saved where they have not run), shown here with what it says
    in numbers (grading/lessons.py). Nothing is trained while your instructor grades: under nbgrader's
    autograde this does nothing."""
    if _autograding():
        print("(the lesson's picture is drawn in your own notebook, not while grading)")
        return
    exercise, folder = _exercise(exercise_id), Path(folder)
    with tempfile.TemporaryDirectory(prefix="autograder-lesson-") as tmp:
        submission = _stage(exercise, folder, _sources(exercise, folder), Path(tmp))
        proc = subprocess.run(_kit_command("check", exercise_id, "--dir", str(submission),
                                           "--lesson-dir", str(folder.resolve())),
                              capture_output=True, text=True, env=_grader_env(), cwd=tmp)
    print(proc.stdout.split("Total:", 1)[-1].split("\n", 1)[-1].strip() or proc.stdout.strip())
    if proc.returncode not in (0, 3):
        raise GraderUnavailable(f"the course's grader could not run (exit {proc.returncode}):\n"
                                f"{proc.stderr.strip()[-2000:]}\nTell your instructor.")
    sidecar = folder / f".lesson-{exercise_id}.json"
    if sidecar.is_file():
        drawn = json.loads(sidecar.read_text())
        picture = folder / drawn["png"]
        if picture.is_file() and proc.returncode == 0 and drawn["png"] in proc.stdout:
            from IPython.display import Image, display

            display(Image(filename=str(picture)))
