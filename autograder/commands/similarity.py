"""``python -m autograder similarity SUBMISSIONS_DIR --out OUT``, and the same at the end of ``batch``.

The class is read with ``batch.discover`` (the gradebook's student names), compared by
``autograder.similarity``, and written by ``similarity.page``. Bad input (an empty class, one
student, a student with nothing for an exercise, an unreadable notebook, a binary or huge file)
is a line in the report, never a crash; nothing here touches the grades.
"""
from __future__ import annotations

from pathlib import Path

from autograder.grading.course import Course


def similarity_report(course: Course, submissions: Path, out: Path, exercises: list[str] | None = None,
                      reference: Path | None = None, threshold: float | None = None,
                      common_share: float | None = None, jobs: int | None = None) -> str:
    """Compare the class and write OUT/similarity.csv and OUT/similarity.html; returns one line saying so."""
    return write_report(course, submissions, out, exercises, reference, threshold, common_share, jobs)[0]


def write_report(course: Course, submissions: Path, out: Path, exercises: list[str] | None = None,
                 reference: Path | None = None, threshold: float | None = None,
                 common_share: float | None = None, jobs: int | None = None) -> tuple[str, str]:
    """As ``similarity_report``; returns the console's line and the report in words (``page.in_words``: flagged
    pairs, clusters, matches with known sources), which batch's class summary shows beside its link."""
    from autograder.commands.batch import discover
    from autograder import similarity
    from autograder.similarity import compare, page

    students = discover(submissions)
    report = similarity.run(course, students, course.select(exercises), reference,
                            compare.COMMON_SHARE if common_share is None else common_share, threshold, jobs)
    csv_path, html_path = page.write(report, out, course.title)
    words = page.in_words(report)
    return f"similarity: {words}: {html_path} (every pair in {csv_path})", words
