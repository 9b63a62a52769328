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
    from autograder.commands.batch import discover
    from autograder import similarity
    from autograder.similarity import compare, page

    students = discover(submissions)
    report = similarity.run(course, students, course.select(exercises), reference,
                            compare.COMMON_SHARE if common_share is None else common_share, threshold, jobs)
    csv_path, html_path = page.write(report, out, course.title)
    flagged = sum(len(e.flagged_pairs()) for e in report.exercises)
    return (f"similarity: {len(students)} students, {flagged} flagged pair(s): {html_path} "
            f"(every pair in {csv_path})")
