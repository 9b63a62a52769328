"""What a class's grading leaves for the instructor, rebuilt from the students' results.

``batch`` keeps one ``SubmissionResult`` per student in memory (read once from
``DIR/results/``, then updated as students finish) and calls these:

- ``write_gradebook``: gradebook.csv, one row per student, and its status column;
- ``write_report``: reports/<student>.html, the student's feedback;
- ``write_summary``: pass_rates.csv, histogram.png, mistakes.csv and summary.html for the class
  (``mistakes.py``: the mistakes the class shares).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.grading import pictures
from autograder.grading.course import Course
from autograder.grading.results import MARKED, PENDING, SubmissionResult, write_atomic
from autograder.grading.neutral import for_csv
from autograder.publish import mistakes
from autograder.publish.report import HISTOGRAM_BINS, render_report, render_summary


def write_gradebook(course: Course, out: Path, results: dict[str, SubmissionResult]) -> None:
    buf = io.StringIO()
    ids = list(course.exercises)
    writer = csv.writer(buf)
    writer.writerow(["student", *ids, "total", "max_score", "status"])
    for student, result in sorted(results.items()):
        scores = {e.id: e.score for e in result.exercises}
        writer.writerow([for_csv(student), *[f"{scores[i]:g}" if i in scores else "" for i in ids],
                         f"{result.score:g}", f"{result.max_score:g}", result.status])
    write_atomic(out / "gradebook.csv", buf.getvalue())


def write_report(course: Course, out: Path, student: str, result: SubmissionResult) -> None:
    write_atomic(out / "reports" / f"{student}.html", render_report(result, course.title))


def pass_rates(results: dict[str, SubmissionResult]) -> dict[tuple[str, str], tuple[int, int]]:
    """(exercise, check) -> (students who passed it, students graded on it)."""
    rates: dict[tuple[str, str], tuple[int, int]] = {}
    for result in results.values():
        for e in result.exercises:
            for t in e.tests:
                if t.status in (PENDING, MARKED):   # a written answer: marked by a person, not passed or failed
                    continue
                passed, total = rates.get((e.id, t.name), (0, 0))
                rates[(e.id, t.name)] = (passed + (t.status == "passed"), total + 1)
    return rates


def write_summary(course: Course, out: Path, results: dict[str, SubmissionResult], similarity: str | None = None) -> None:
    """``similarity``: the similarity page in words (``similarity.page.in_words``), shown beside its link; None: no
    page to link."""
    rates = pass_rates(results)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["exercise", "check", "passed", "students", "pass_rate"])
    for (ex, name), (passed, total) in sorted(rates.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        writer.writerow([for_csv(ex), for_csv(name), passed, total, f"{passed / total:.3f}"])
    write_atomic(out / "pass_rates.csv", buf.getvalue())
    # The run's maximum (its exercises), not the course's: a run of ex1 alone is out of 30.
    max_score = max((r.max_score for r in results.values()), default=course.max_score)
    png = histogram_png([r.score for r in results.values()], max_score)
    write_atomic(out / "histogram.png", png)
    shared = mistakes.class_mistakes(results)
    write_atomic(out / "mistakes.csv", mistakes.render_csv(shared))
    write_atomic(out / "summary.html", render_summary(course.title, results, rates, png, max_score,
                                                      mistakes.render_html(shared), similarity))


def histogram_figure(scores: list[float], max_score: float):
    from matplotlib.ticker import MaxNLocator

    fig, ax = pictures.figure(pictures.WIDTH_IN, 4)
    ax.hist(scores, bins=HISTOGRAM_BINS, range=(0, max_score or 1), color="tab:blue", edgecolor="white")
    ax.set_xlabel(f"total score (of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))   # a count of students: no 0.25 ticks
    ax.set_title(f"Scores of {len(scores)} submissions")
    return fig


def histogram_png(scores: list[float], max_score: float) -> bytes:
    return pictures.png(histogram_figure(scores, max_score))
