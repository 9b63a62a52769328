"""Exercise 3: the kit's own copy of the dataset, which public and hidden checks compare with.

Ships with the student release (the given data ships anyway); the held-out
split stays in reference.py, with the instructor.
"""
from __future__ import annotations

import functools

from autograder.course import load_course

EXERCISE = "ex3_names"


@functools.lru_cache(maxsize=1)
def kit_names() -> dict[str, list[str]]:
    """The shipped dataset, read by the grader from the kit's copy."""
    folder = load_course().exercises[EXERCISE].given_path("data/names")
    return {p.stem: [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
            for p in sorted(folder.glob("*.txt"))}
