"""Exercise 4, instructor side: the grader's own held-out date pairs. Never shipped to students.

The verifier of anyone's pairs (``pair_problem``) is in oracle.py, which ships.
"""
from __future__ import annotations

import datetime
import functools
import random

from babel.dates import format_date

from autograder.course import load_course

EXERCISE = "ex4_dates"


@functools.lru_cache(maxsize=1)
def formats():
    """The kit's own copy of the given date_formats module."""
    return load_course().exercises[EXERCISE].load_given("date_formats.py")


def grader_pairs(n: int, seed: int, exclude_dates: frozenset = frozenset()):
    """(human, iso, pattern) triples from the grader's generator; dates in ``exclude_dates`` are skipped."""
    f = formats()
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


@functools.lru_cache(maxsize=200_000)
def renderings(iso: str) -> dict[str, str]:
    """Every way the given formats can write ``iso``: rendered text -> pattern."""
    f = formats()
    date = datetime.date.fromisoformat(iso)
    out = {}
    for pattern in f.FORMATS:
        for case in f.CASES:
            out.setdefault(f.apply_case(format_date(date, pattern, locale=f.LOCALE), case), pattern)
    return out


def which_pattern(human: str, iso: str) -> str | None:
    """The pattern that renders ``iso`` as ``human`` (any case), or None if none does."""
    try:
        return renderings(iso).get(human)
    except ValueError:
        return None
