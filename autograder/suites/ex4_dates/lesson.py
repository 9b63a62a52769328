"""Exercise 4's lesson, from the student's own code: how well their seq2seq model reads each input format, and
a few of its translations.

``python -m autograder check ex4_dates`` trains the student's ``Seq2Seq`` with their ``train_dates`` on pairs
from their own ``make_date_pairs`` at the grader's settings, then asks their ``translate`` for dates written in
each pattern of the given ``date_formats.py`` (dates of its own choosing: the grader's held-out set stays with
it), and draws the exact-match accuracy per format. See autograder/grading/lessons.py.
"""
from __future__ import annotations

import datetime
import importlib.util

import numpy as np

from autograder.grading import pictures
from autograder.grading.lessons import Lesson

SHOWS = """The exact-match accuracy of your own date converter for each input format of `date_formats.py`, and a
few of its translations: your `Seq2Seq` trained by your `train_dates` on pairs from your `make_date_pairs` at
the grader's settings (below), then asked by your `translate` for 20 new dates in each format."""
RUNNING = "training your seq2seq date converter at the grader's settings"
PAIRS_SEED, DATES_SEED, PER_FORMAT = 5, 6, 20   # the picture's own (the grader's held-out pairs stay with it)


def given_formats(exercise):
    """The given date_formats.py (FORMATS, CASES, DATE_RANGE), loaded from the kit's copy."""
    spec = importlib.util.spec_from_file_location("_lesson_date_formats", exercise.given_path("date_formats.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def written(dates: list[datetime.date], pattern: str, locale: str) -> list[str]:
    from babel.dates import format_date

    return [format_date(d, pattern, locale=locale) for d in dates]


def lesson(student, exercise, params) -> Lesson:
    fm = given_formats(exercise)
    rng = np.random.default_rng(DATES_SEED)
    first, last = fm.DATE_RANGE
    span = (last - first).days
    asked, truth, which = [], [], []
    for i, pattern in enumerate(fm.FORMATS):
        dates = [first + datetime.timedelta(days=int(n)) for n in rng.integers(0, span + 1, PER_FORMAT)]
        asked += written(dates, pattern, fm.LOCALE)
        truth += [d.isoformat() for d in dates]
        which += [i] * len(dates)
    pairs = student.call("pairs", n=params["train_size"], seed=PAIRS_SEED)
    got = student.call("train", pairs=pairs, test_texts=asked, epochs=params["epochs"])
    right = np.array([str(t).strip() == want for t, want in zip(got["translations"], truth)])
    which = np.array(which)
    per_format = np.array([right[which == i].mean() for i in range(len(fm.FORMATS))])
    examples = [asked[int(np.flatnonzero(which == i)[0])] for i in range(len(fm.FORMATS))]
    fig, ax = pictures.figure(pictures.WIDTH_IN, 6.0)
    rows = np.arange(len(fm.FORMATS))
    ax.barh(rows, 100 * per_format, color="tab:blue")
    ax.set_yticks(rows, [f"{p}  ({e})" for p, e in zip(fm.FORMATS, examples)])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"exact match on {PER_FORMAT} new dates per format (%)")
    ax.set_title(f"Your date converter: {100 * right.mean():.1f}% exact overall")
    for row, value in zip(rows, per_format):   # inside a long bar in white, after a short one in black
        inside = value > 0.15
        ax.text(100 * value + (-1 if inside else 1), row, f"{100 * value:.0f}%", va="center",
                ha="right" if inside else "left", color="white" if inside else "black")
    worst = np.argsort(per_format)[:3]
    shown = [(asked[i], got["translations"][i], truth[i]) for i in
             [int(np.flatnonzero(which == w)[0]) for w in worst]]
    weakest = "every format 100%" if per_format.min() == 1 else "weakest formats: " + ", ".join(
        f"{fm.FORMATS[w]} {100 * per_format[w]:.0f}%" for w in worst)
    text = (f"Your converter writes {100 * right.mean():.1f}% of {len(truth)} new dates exactly right; "
            f"{weakest}. Translations: " + "; ".join(f"{a!r} -> {t!r}" + ("" if t == w else f" (expected {w})")
                                          for a, t, w in shown) + ".")
    return Lesson("accuracy_per_format", "your date converter's accuracy per input format", pictures.png(fig), text)
