"""``python -m autograder course scaffold|drop|check``: changing the course without breaking the kit.

- ``scaffold ID``: a new exercise that already works end to end (a leaky accumulator,
  h_t = decay h_(t-1) + x_t, to be replaced by yours): its course.yaml section, the
  solution with its ``### BEGIN/END SOLUTION`` region and README, the suite (``__init__.py``,
  ``probes.py``, ``oracle.py``, a public and a hidden check) and a zoo with the minimum the
  kit's tests ask for (two correct implementations written as students write them, three
  wrong ones); then the stub, derived. Every kit test that reads course.yaml covers it at once.
- ``drop ID``: the exercise's course.yaml section and every folder and file named after it
  (solution, stub, suite, calibration data). Release, Gradescope and nbgrader refuse to build
  while a folder course.yaml does not list is left (``refuse_unlisted``).
- ``check``: what is out of step with course.yaml (``problems``): stale stubs, folders and
  calibration data of no exercise, zoos below the minimum, and an installed kit that is not
  this folder's. ``doctor`` prints the same lines.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.grading.course import KIT_ROOT, Course, CourseError, load_course

ZOO_MINIMUM = {"correct": 2, "wrong": 3}   # written as students write them (a file, or an edit of one: base)


def _folders(course: Course) -> dict[str, Path]:
    """Where exercises' folders live: course.yaml's ``paths`` (solutions/, exercises/, the suites)."""
    return {"solutions": course.paths["solutions"], "exercises": course.paths["exercises"],
            "suites": course.paths["suites"]}


def unlisted(course: Course) -> list[Path]:
    """Exercise folders that course.yaml does not list (a dropped exercise left behind, one never added)."""
    out = []
    for root in _folders(course).values():
        if root.is_dir():
            out += [p for p in sorted(root.iterdir())
                    if p.is_dir() and p.name not in course.exercises and not p.name.startswith((".", "_"))]
    return out


def _shown(path: Path, course: Course) -> str:
    return str(path.relative_to(course.root)) if path.is_relative_to(course.root) else str(path)


def refuse_unlisted(course: Course, what: str) -> None:
    """CourseError naming the folders course.yaml does not list: ``what`` would ship them, or miss them."""
    left = unlisted(course)
    if left:
        names = ", ".join(_shown(p, course) for p in left)
        raise CourseError(f"{what}: {names} {'is' if len(left) == 1 else 'are'} not an exercise of course.yaml. "
                          f"Remove a dropped exercise with `python -m autograder course drop <id>`, or list it "
                          "in course.yaml; nothing was written.")


def _zoo_shortfall(exercise) -> str | None:
    from autograder.publish.authoring import AuthoringError, read_zoo

    if not exercise.zoo.is_file():
        return f"{exercise.id} has no zoo ({exercise.zoo}): `python -m autograder course scaffold` writes one to start from"
    try:
        entries = read_zoo(exercise.zoo, exercise.checks)
    except (AuthoringError, OSError, ValueError) as exc:
        return f"{exercise.id}'s zoo does not read: {exc}"
    styled = [e for e in entries if (exercise.zoo.parent / e.name).is_file() or "base" in e.spec]
    short = {v: n for v, n in ZOO_MINIMUM.items() if sum(e.verdict == v for e in styled) < n}
    if short:
        return (f"{exercise.id}'s zoo has fewer than " + " and ".join(f"{n} {v}" for v, n in short.items())
                + " implementations written as students write them (a file in zoo/, or `base:` one)")
    return None


def installed_kit() -> Path | None:
    """The kit ``python -m autograder`` imports in this Python from elsewhere (an installed one), or None."""
    with tempfile.TemporaryDirectory() as cwd:   # from an empty folder: what this Python and its PYTHONPATH import
        proc = subprocess.run([sys.executable, "-c", "import autograder, os; print(os.path.dirname("
                               "os.path.dirname(os.path.abspath(autograder.__file__))))"],
                              capture_output=True, text=True, cwd=cwd)
    return Path(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip() else None


def problems(course: Course, exercise_ids: list[str] | None = None) -> list[str]:
    """What is out of step with course.yaml (of ``exercise_ids``' exercises, and the course's folders), one
    sentence each, with what to run."""
    from autograder.publish.stubs import build

    out = []
    chosen = course.select(exercise_ids)
    with_solutions = [e for e in chosen if e.solution_dir.is_dir()]
    if with_solutions and not course.student_bundle:
        stale = build(course, with_solutions, write=False)
        if stale:
            out.append(f"stale stubs ({', '.join(_shown(p, course) for p in stale)}): run "
                       "`python -m autograder stubs`, then rebuild what you hand out (release, nbgrader, "
                       "Gradescope)")
    for path in unlisted(course):
        out.append(f"{_shown(path, course)} is not an exercise of course.yaml: `python -m autograder course "
                   f"drop {path.name}` removes it")
    calibration = course.root / "calibration"
    if calibration.is_dir():
        for path in sorted(calibration.glob("*.json")):
            if path.stem not in course.exercises:
                out.append(f"{_shown(path, course)} calibrates no exercise of course.yaml: remove it "
                           f"(`python -m autograder course drop {path.stem}`)")
    # The zoo is authoring material: a grading deployment (the Gradescope zip) carries none by design, so
    # where no exercise has one there is nothing to check; in the kit's own tree, each needs its minimum.
    if not course.student_bundle and any(e.zoo.is_file() for e in course.exercises.values()):
        for exercise in chosen:
            if exercise.suite_dir.is_dir():
                short = _zoo_shortfall(exercise)
                if short:
                    out.append(short)
    kit = installed_kit()
    if kit is not None and kit.resolve() != KIT_ROOT.resolve():
        out.append(f"this Python imports the kit at {kit}, not this folder's ({KIT_ROOT}): nbgrader's check "
                   "cells and `python -m autograder` run from elsewhere would grade with that one. Use this "
                   "folder's environment (make install: .venv)")
    return out


# -- drop

def drop(course: Course, exercise_id: str) -> list[str]:
    """Remove the exercise from course.yaml and its folders and files; what was removed."""
    if exercise_id not in course.exercises and not any(p.name == exercise_id for p in unlisted(course)):
        raise CourseError(f"course drop: {exercise_id!r} is not an exercise of course.yaml, and no folder is "
                          f"named after it; the exercises are {', '.join(course.exercises)}")
    removed = []
    yaml_path = course.root / "course.yaml"
    if exercise_id in course.exercises:
        yaml_path.write_text(_without_section(yaml_path.read_text(), exercise_id))
        removed.append(f"course.yaml: exercises.{exercise_id}")
    for root in _folders(course).values():
        if (root / exercise_id).is_dir():
            shutil.rmtree(root / exercise_id)
            removed.append(_shown(root / exercise_id, course))
    for path in (course.root / "calibration" / f"{exercise_id}.json",):
        if path.is_file():
            path.unlink()
            removed.append(_shown(path, course))
    load_course(yaml_path)   # still a valid course
    return removed


def _without_section(text: str, exercise_id: str) -> str:
    """course.yaml's text without ``exercises.<id>`` (its comments and blank lines before the next one kept)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if ln.rstrip() == f"  {exercise_id}:"), None)
    if start is None:
        raise CourseError(f"course drop: course.yaml has no line `  {exercise_id}:` under exercises (edit it by hand)")
    end = start + 1
    while end < len(lines) and not re.match(r"^ {0,2}\S", lines[end]):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():   # the blank lines before the next one stay
        end -= 1
    while start > 0 and lines[start - 1].strip().startswith("#") and lines[start - 1].startswith("  #"):
        start -= 1   # the exercise's own comment lines above it go with it
    return "".join(lines[:start] + lines[end:]).replace("\n\n\n\n", "\n\n")


# -- scaffold

def scaffold(course: Course, exercise_id: str, title: str | None = None, file_name: str | None = None) -> list[str]:
    """Write a new, working exercise (see the module's docstring); the files written."""
    from autograder.publish.stubs import build

    if not re.fullmatch(r"[a-z][a-z0-9_]*", exercise_id):
        raise CourseError(f"course scaffold: {exercise_id!r} is not a valid exercise id (lower-case letters, "
                          "digits and _, starting with a letter: ex6_lstm)")
    if exercise_id in course.exercises:
        raise CourseError(f"course scaffold: course.yaml already has {exercise_id}")
    taken = [root / exercise_id for root in _folders(course).values() if (root / exercise_id).exists()]
    if taken:
        raise CourseError(f"course scaffold: {', '.join(_shown(p, course) for p in taken)} already exists; "
                          f"remove it (`python -m autograder course drop {exercise_id}`) or pick another id")
    file_name = file_name or re.sub(r"^ex\d+_", "", exercise_id) + ".py"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*\.py", file_name):
        raise CourseError(f"course scaffold: --file {file_name!r} must be a module name ending in .py (lstm.py)")
    module = file_name[:-3]
    title = title or exercise_id
    folders = _folders(course)
    solution, suite = folders["solutions"] / exercise_id, folders["suites"] / exercise_id
    fill = {"id": exercise_id, "title": title, "file": file_name, "module": module}
    files = {
        solution / file_name: SOLUTION,
        solution / "README.md": README,
        suite / "__init__.py": "",
        suite / "probes.py": PROBES,
        suite / "oracle.py": ORACLE,
        suite / "test_public.py": PUBLIC,
        suite / "test_hidden.py": HIDDEN,
        suite / "zoo" / "zoo.yaml": ZOO,
        suite / "zoo" / "numpy_loop.py": ZOO_NUMPY,
        suite / "zoo" / "cumulative_formula.py": ZOO_FORMULA,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**fill) if text else "")
    yaml_path = course.root / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().rstrip("\n") + "\n" + SECTION.format(**fill))
    updated = load_course(yaml_path)
    stubs = build(updated, [updated.exercises[exercise_id]], write=True)
    return [_shown(p, course) for p in [yaml_path, *files, *stubs]]


SECTION = '''
  {id}:
    # Written by `python -m autograder course scaffold`: a working example to replace with yours
    # (docs/architecture.md, "Recipes": add an exercise).
    title: "{title}"
    files: [{file}]
    time_limit: 30
    checks:
      states:
        points: 1
        visibility: public
        summary: "h_t = decay h_(t-1) + x_t on a short sequence, from h_0 = 0"
      carries_state:
        points: 2
        visibility: hidden
        summary: "with decay 1 the states are the running sum"
'''

SOLUTION = '''"""{title}: (the scaffold's example, a leaky accumulator; replace it with your exercise).

Check your work with the public checks:  python -m autograder check {id}
"""
import torch


def leaky_states(x, decay):
    """The states h_1 .. h_T of h_t = decay * h_(t-1) + x_t, from h_0 = 0, for x of shape (T,)."""
    ### BEGIN SOLUTION
    h, states = torch.zeros((), dtype=x.dtype), []
    for x_t in x:
        h = decay * h + x_t
        states.append(h)
    return torch.stack(states)
    ### END SOLUTION
'''

README = '''# {title}

Write `leaky_states(x, decay)` in `{file}`: the states h_1 .. h_T of h_t = decay * h_(t-1) + x_t, from
h_0 = 0. (The scaffold's example: replace this text with your exercise's.)
'''

PROBES = '''"""{id} probes: run inside the student's sandboxed process; they call the student's code and return
plain values (numbers, lists, arrays). The checks (test_*.py) judge them, outside it."""
import numpy as np
import torch

from probekit import to_numpy


def probe_states(student, x, decay):
    """leaky_states on float64 input; its result as an array."""
    return to_numpy(student.leaky_states(torch.tensor(np.asarray(x), dtype=torch.float64), decay),
                    "leaky_states' result")
'''

ORACLE = '''"""{id}: the expected values, computed without the student's code (public checks may import this file;
held-out data and the grader's own implementations go in reference.py, which is never released)."""
import numpy as np


def leaky_states(x, decay):
    out, h = [], 0.0
    for x_t in np.asarray(x, dtype=np.float64):
        h = decay * h + x_t
        out.append(h)
    return np.asarray(out)
'''

PUBLIC = '''"""{id}, public checks (points and visibility: course.yaml). One mistake, one check: each check judges
one thing, and says what was expected and what came back."""
from autograder.grading.checking import expect_close

from .oracle import leaky_states


def test_states(student):
    x, decay = [1.0, 2.0, 3.0], 0.5
    got = student.call("states", x=x, decay=decay)
    expect_close(got, leaky_states(x, decay), "leaky_states([1, 2, 3], 0.5)", context="from h_0 = 0")
'''

HIDDEN = '''"""{id}, hidden checks (the instructor's grader only; never released)."""
import numpy as np

from autograder.grading.checking import expect_close


def test_carries_state(student):
    x = np.arange(1.0, 7.0)
    got = student.call("states", x=x.tolist(), decay=1.0)
    expect_close(got, np.cumsum(x), "leaky_states(1..6, decay=1)", context="each state is the sum so far")
'''

ZOO = '''# {id}: implementations and the verdicts they must get (tests/test_zoo.py; docs/architecture.md, "The zoo").
# At least two correct and three wrong ones written as students write them: a file here, or `base:` one.
numpy_loop.py:
  style: "a loop in numpy, converted back to a tensor"
  verdict: correct
cumulative_formula.py:
  style: "the closed form, a weighted cumulative sum"
  verdict: correct
state_not_carried:
  base: numpy_loop.py
  verdict: wrong
  loses: [states, carries_state]
  says: "wrong values"
  replace: [["decay * (out[t - 1] if t else 0.0) + x_t", "decay * x_t"]]
decay_on_the_input:
  base: numpy_loop.py
  verdict: wrong
  loses: [states]
  exactly: true
  replace: [["decay * (out[t - 1] if t else 0.0) + x_t", "(out[t - 1] if t else 0.0) + decay * x_t"]]
time_reversed:
  base: numpy_loop.py
  verdict: wrong
  loses: [states, carries_state]
  replace: [["enumerate(x.tolist())", "enumerate(x.tolist()[::-1])"]]
'''

ZOO_NUMPY = '''import numpy as np
import torch


def leaky_states(x, decay):
    out = np.zeros(len(x))
    for t, x_t in enumerate(x.tolist()):
        out[t] = decay * (out[t - 1] if t else 0.0) + x_t
    return torch.from_numpy(out)
'''

ZOO_FORMULA = '''import torch


def leaky_states(x, decay):
    t = torch.arange(len(x), dtype=x.dtype)
    weights = torch.tril(decay ** (t[:, None] - t[None, :]))   # h_t = sum_s decay^(t-s) x_s
    return weights @ x
'''
