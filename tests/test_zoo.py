"""Every exercise's zoo (course.yaml's registry: ``Exercise.zoo``) gets the verdicts it lists.

One test per entry of every exercise's zoo.yaml, whatever the exercise: correct
implementations (whole files written the way students write them, or the solution
rewritten another way) keep every point they are graded on; wrong ones lose the checks
their mistake belongs to, with a message that names it, and, where the entry says so,
only those (one mistake costs its own check). A new exercise gets these tests by listing
its implementations; nothing here names an exercise.
"""
from __future__ import annotations

import pytest

from autograder.grading.course import load_course
from autograder.publish.authoring import read_zoo

from .conftest import STRICT_SECCOMP, checks_by_name, grade, write_submission

COURSE = load_course()


def _entries():
    for exercise in COURSE.exercises.values():
        if exercise.zoo.is_file():
            for entry in read_zoo(exercise.zoo, exercise.checks):
                yield pytest.param(exercise, entry, id=f"{exercise.id}/{entry.name.removesuffix('.py')}")


ENTRIES = list(_entries())


def test_every_exercise_has_a_zoo_that_reads():
    """At least two correct and three wrong implementations per exercise written as students write them
    (a whole file in zoo/, or one with an edit: ``base``); every entry's
    source builds (each replaced snippet occurs exactly once)."""
    for exercise in COURSE.exercises.values():
        entries = [p.values[1] for p in ENTRIES if p.values[0] is exercise]
        student_style = [e for e in entries if (exercise.zoo.parent / e.name).is_file() or "base" in e.spec]
        for verdict, least in (("correct", 2), ("wrong", 3)):
            assert sum(e.verdict == verdict for e in student_style) >= least, exercise.id
        solution = (exercise.solution_dir / exercise.files[0]).read_text()
        for entry in entries:
            assert entry.source(exercise.zoo.parent, solution) != solution, f"{exercise.id}/{entry.name} is the solution"
            if entry.name.endswith(".py") and not (exercise.zoo.parent / entry.name).is_file():
                assert "base" in entry.spec, f"{exercise.id}/{entry.name}: no such file, and no base"


@pytest.mark.parametrize("exercise, entry", ENTRIES)
def test_zoo_entry_gets_its_verdict(exercise, entry, tmp_path):
    """With the seccomp filter strict (conftest's STRICT_SECCOMP): the real-style implementations are the
    census of what student code calls, so a call they make and the allow-list lacks kills the worker,
    flags the exercise and fails here, not in a student's grade."""
    assert_verdict(exercise, entry, tmp_path, env_extra=STRICT_SECCOMP)


def assert_verdict(exercise, entry, tmp_path, **grading):
    """Grade the entry's source (with ``grading``: conftest.grade's options) and hold it to its verdict."""
    solution = (exercise.solution_dir / exercise.files[0]).read_text()
    source = entry.source(exercise.zoo.parent, solution)
    sub = write_submission(tmp_path / "submission", exercise.folder, {exercise.files[0]: source})
    graded_on = entry.graded_on(exercise.checks)
    everything = graded_on == list(exercise.checks)
    result = grade(sub, exercise=exercise.id, checks=[] if everything else graded_on, **grading)
    checks = checks_by_name(result, exercise.id)
    assert sorted(checks) == sorted(graded_on)
    graded = next(e for e in result["exercises"] if e["id"] == exercise.id)
    assert not graded.get("tampering"), f"{entry.name} was flagged: {graded['tampering']}"
    for words in entry.spec.get("notes", []):  # said early, under the exercise, by a public check's smoke test
        assert any(words in note for note in graded.get("notes", [])), (words, graded.get("notes"))
    if entry.verdict == "correct":
        assert not [n for n in graded.get("notes", []) if n.startswith("Smoke test")], graded["notes"]
    what = f"{entry.name} ({entry.spec.get('style', 'an edit of the solution')})"
    for name in entry.loses:
        check = checks[name]
        assert check["score"] == 0, f"{what} kept the points of {name}"
        assert check["output"].strip() and "internal error" not in check["output"], check
    if entry.loses:
        first = checks[entry.loses[0]]
        says = entry.spec.get("says", "")
        for words in [says] if isinstance(says, str) else says:
            assert words in first["output"], f"expected {words!r} in:\n{first['output']}"
        if "says_not" in entry.spec:
            assert entry.spec["says_not"] not in first["output"], first["output"]
        if "status" in entry.spec:
            assert first["status"] == entry.spec["status"], first
    kept = {n: c["output"] for n, c in checks.items() if n not in entry.loses and c["status"] != "passed"}
    assert kept == {}, f"{what} lost checks outside {entry.loses}:\n{kept}"
    if entry.verdict == "correct" and everything:
        assert result["score"] == exercise.max_score
