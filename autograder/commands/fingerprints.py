"""What a stored result was graded from, so that batch grades again only what changed.

A result's ``graded_from`` holds:

- ``grader``: the kit's shared code (autograder/ without the suites) and the course's settings
  outside its exercises. When it changes, every exercise of every student is graded again;
- ``per_exercise``: for each exercise graded, one hash of what decides its verdict: the
  exercise's files as grading finds them in this submission (a notebook, a folder, a flat
  upload; what was chosen or ignored), its suite (autograder/suites/<id>/), its given files
  and its entry in course.yaml (read as YAML: a comment changes nothing). When one exercise's
  hash differs, that exercise alone is graded again and the others are kept;
- ``submission``: the whole hand-in's hash (a README added changes it but no exercise's hash:
  nothing is graded, and the record is brought up to date).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import yaml

from autograder.grading.course import Course, Exercise
from autograder.grading.submission import Submission

PACKAGE = Path(__file__).resolve().parents[1]   # autograder/


def _add_file(digest, label: str, path: Path) -> None:
    if path.is_symlink():  # never followed: its target is what was handed in
        digest.update(f"link {label} {os.readlink(path)}\0".encode())
    elif path.is_file():
        digest.update(f"file {label}\0".encode() + path.read_bytes() + b"\0")
    else:
        digest.update(f"none {label}\0".encode())


@functools.lru_cache(maxsize=None)
def _course_data(course_file: Path) -> dict:
    """course.yaml as data, read once per run (the shared settings' hash and every exercise's entry)."""
    try:
        data = yaml.safe_load(Path(course_file).read_text())
    except (OSError, yaml.YAMLError):
        data = None
    return data if isinstance(data, dict) else {"unreadable": True}


@functools.lru_cache(maxsize=None)
def grader_version(course_file: Path) -> str:
    """The kit's shared code (suites aside) and the course's settings outside its exercises."""
    digest = hashlib.sha256()
    suites = PACKAGE / "suites"
    for path in sorted(PACKAGE.rglob("*.py")):
        if suites in path.parents and path.parent != suites:
            continue  # an exercise's own suite: that exercise's part (kit_part)
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    data = _course_data(course_file)
    digest.update(json.dumps({k: v for k, v in data.items() if k != "exercises"}, sort_keys=True,
                             default=str).encode())
    return digest.hexdigest()[:16]


_KIT_PARTS: dict[tuple[Path, str], str] = {}   # read once per run: (course file, exercise id) -> hash


def kit_part(course_file: Path, exercise: Exercise) -> str:
    """One exercise's part of the kit: its suite (zoo aside), its given files, its course.yaml entry."""
    key = (course_file, exercise.id)
    if key not in _KIT_PARTS:
        _KIT_PARTS[key] = _kit_part(course_file, exercise)
    return _KIT_PARTS[key]


def _kit_part(course_file: Path, exercise: Exercise) -> str:
    digest = hashlib.sha256()
    if exercise.suite_dir.is_dir():
        for path in sorted(exercise.suite_dir.rglob("*")):
            rel = path.relative_to(exercise.suite_dir)
            if path.is_file() and rel.parts[0] != "zoo" and "__pycache__" not in rel.parts:
                _add_file(digest, str(rel), path)
    for name in exercise.given:
        _add_file(digest, f"given/{name}", exercise.given_path(name))
    entry = (_course_data(course_file).get("exercises") or {}).get(exercise.id)
    digest.update(json.dumps(entry, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def submission_hash(source: Path) -> str:
    """A hash of a student's folder (names and bytes, links by their target, never followed) or zip."""
    digest = hashlib.sha256()
    paths = [source] if source.is_file() else sorted(source.rglob("*"))
    for path in paths:
        rel = path.name if path == source else str(path.relative_to(source))
        if path.is_symlink() or path.is_file():
            _add_file(digest, rel, path)
    return digest.hexdigest()[:16]


def _exercise_files(submission: Submission, exercise: Exercise, root: Path) -> "hashlib._Hash":
    """What grading reads of ``exercise`` in this submission (its notebook, or its files where found),
    and what was chosen or ignored."""
    digest = hashlib.sha256()
    for name, path in submission.handed_in(exercise).items():
        _add_file(digest, f"{name}@{path.relative_to(root)}", path)
    digest.update("\0".join(submission.notes(exercise)).encode())
    return digest


def exercise_hashes(course: Course, course_file: Path, source: Path, exercises: list[Exercise],
                    unpacked: Path | None = None) -> dict[str, str] | None:
    """Per exercise, a hash of its files in this submission and of its part of the kit; None where the
    submission cannot be read here (a zip that does not unpack: it is graded whole, and says why).
    ``unpacked``: the zip ``source`` already unpacked there (by the grading about to read it)."""
    from autograder.grading.archives import SubmissionError, unpack

    work = None
    try:
        folder = unpacked or source
        if source.suffix == ".zip" and unpacked is None:
            work = Path(tempfile.mkdtemp(prefix="batch-fingerprint-"))
            try:
                folder = unpack(source, work / "unpacked")
            except SubmissionError:
                return None
        submission = Submission(folder, course)
        try:
            out = {}
            for exercise in exercises:
                digest = _exercise_files(submission, exercise, folder)
                digest.update(kit_part(course_file, exercise).encode())
                out[exercise.id] = digest.hexdigest()[:16]
            return out
        finally:
            submission.cleanup()
    except OSError:
        return None
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def graded_from(course: Course, course_path: Path | None, source: Path, exercises: list[str] | None,
                unpacked: Path | None = None) -> dict:
    """What a result was graded from (see the module's docstring); ``unpacked``: as exercise_hashes'."""
    course_file = Path(course_path or course.root / "course.yaml").resolve()
    selected = course.select(exercises)
    return {"submission": submission_hash(source), "exercises": [e.id for e in selected],
            "grader": grader_version(course_file),
            "per_exercise": exercise_hashes(course, course_file, source, selected, unpacked)}


def what_to_grade(result, current: dict) -> tuple[str | None, list[str] | None]:
    """(why this student is graded again, or None; the exercises to grade, None for all of them),
    for a stored ``result`` and what this run would grade it from (``graded_from``)."""
    from autograder.grading.results import GRADER_ERROR

    if result.status == GRADER_ERROR:
        return "the grader failed last time", None
    stored = result.graded_from
    if not isinstance(stored, dict):
        return "no record of what it was graded from", None
    if stored.get("grader") != current["grader"]:
        return "the kit or course.yaml's settings changed", None
    before, now = stored.get("per_exercise"), current["per_exercise"]
    if not isinstance(before, dict) or now is None:
        if stored.get("submission") != current["submission"]:
            return "submission changed", None
        if stored.get("exercises") != current["exercises"]:
            return "other exercises asked for", None
        return None, None
    if not set(current["exercises"]) >= set(stored.get("exercises") or ()):
        return "fewer exercises asked for", None   # its total and its handed-in status are the new set's
    changed = [e for e in current["exercises"] if before.get(e) != now[e]]
    if not changed:
        return None, []   # kept (batch rewrites its record where the submission changed outside them)
    added = [e for e in changed if e not in before]
    parts = ([f"new exercise {', '.join(added)}"] if added else []) + \
            ([f"{', '.join(e for e in changed if e not in added)} changed"] if len(added) < len(changed) else [])
    return "; ".join(parts), changed
