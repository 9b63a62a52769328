"""Exercise 3: the kit's own copy of the dataset, which public and hidden checks compare with.

Ships with the student release (the given data ships anyway); the held-out
split stays in reference.py, with the instructor.
"""
from __future__ import annotations

import functools
from pathlib import Path

from autograder.grading.course import Exercise


def kit_names(exercise: Exercise) -> dict[str, list[str]]:
    """The shipped dataset, read by the grader from the kit's copy (where course.yaml puts it)."""
    return _read_names(exercise.given_path("data/names"))


@functools.lru_cache(maxsize=2)
def _read_names(folder: Path) -> dict[str, list[str]]:
    return {p.stem: [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
            for p in sorted(folder.glob("*.txt"))}
