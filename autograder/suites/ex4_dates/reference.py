"""Exercise 4, instructor side: the grader's own held-out date pairs. Never shipped to students.

The verifier of anyone's pairs (``pair_problem``) is in oracle.py, which ships.
"""
from __future__ import annotations

import datetime
import random

from babel.dates import format_date

from autograder.grading.course import Exercise


def formats(exercise: Exercise):
    """The kit's own copy of the given date_formats module (where course.yaml puts it)."""
    return exercise.load_given("date_formats.py")


def grader_pairs(exercise: Exercise, n: int, seed: int, exclude_dates: frozenset = frozenset()):
    """(human, iso, pattern) triples from the grader's generator; dates in ``exclude_dates`` are skipped."""
    f = formats(exercise)
    rng = random.Random(seed)
    first, last = f.DATE_RANGE
    out = []
    while len(out) < n:
        date = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
        if date.isoformat() in exclude_dates:
            continue
        pattern, case = rng.choice(f.FORMATS), rng.choice(f.CASES)
        out.append((f.apply_case(format_date(date, pattern, locale=f.LOCALE), case), date.isoformat(), pattern))
    return out
