"""Marks a person gives written answers (grading/questions.py), kept apart from the grader's results.

``batch`` keeps one CSV per written question beside the gradebook, ``OUT/marks/<exercise>.<question>.csv``,
with the columns ``student, points, comment, answer``: it adds a row for every student it grades (points
blank, the student's answer in ``answer`` for the TA to read) and never changes a ``points`` or ``comment``
a person wrote. A TA fills ``points`` (0 to the question's points) and, if they like, ``comment``; the next
``batch`` run folds them into the gradebook, the reports, the summary and so the LMS export. The grader's
stored results never hold a mark, so regrading a student (``--regrade``, a changed file) loses none: the
marks are applied to whatever result the student has. ``OUT/marks/rubrics.md`` gives each question's rubric
(the instructor's folder: never a student's).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.grading.course import Course
from autograder.grading.neutral import for_csv
from autograder.grading.results import MARKED, CheckResult, ExerciseResult, SubmissionResult, write_atomic

MARKS_DIR = "marks"
COLUMNS = ["student", "points", "comment", "answer"]
ANSWER_SHOWN = 4000   # characters of a student's answer copied into the marks file for the TA


@dataclass(frozen=True)
class Mark:
    points: float
    comment: str


def marks_file(out: Path, exercise_id: str, question: str) -> Path:
    return out / MARKS_DIR / f"{exercise_id}.{question}.csv"


def written_questions(course: Course) -> list[tuple[str, object]]:
    """(exercise id, check) of every written question of the course, in its order."""
    return [(e.id, c) for e in course.exercises.values() for c in e.checks.values() if c.by_person]


@dataclass
class Marks:
    """The marks entered so far, ``(student, exercise, question) -> Mark``, and what could not be read, in words."""
    given: dict
    problems: list

    @classmethod
    def read(cls, course: Course, out: Path) -> "Marks":
        given, problems = {}, []
        for exercise_id, check in written_questions(course):
            path = marks_file(out, exercise_id, check.name)
            if not path.is_file():
                continue
            try:
                rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                problems.append(f"{path.name}: could not be read ({exc}); its marks are not used")
                continue
            for line, row in enumerate(rows, 2):
                # a cell the kit wrote with for_csv's quote before it (a name starting with "-") reads without it
                student, points = (_unquoted(row.get("student")), _unquoted(row.get("points")))
                if not student or not points:
                    continue   # not marked yet
                try:
                    value = float(points)
                except ValueError:
                    problems.append(f"{path.name}, line {line} ({student}): points {points!r} is not a number; "
                                    "not used")
                    continue
                if not 0 <= value <= check.points:
                    problems.append(f"{path.name}, line {line} ({student}): {value:g} points is outside 0 to "
                                    f"{check.points:g}; not used")
                    continue
                given[(student, exercise_id, check.name)] = Mark(value, (row.get("comment") or "").strip())
        return cls(given, problems)

    def apply(self, course: Course, student: str, result: SubmissionResult) -> SubmissionResult:
        """The result as the gradebook shows it: every written answer a person marked scored as marked. The
        stored result is not changed (a regrade keeps the marks, which live in their own files)."""
        exercises = []
        for e in result.exercises:
            checks = course.exercises[e.id].checks if e.id in course.exercises else {}
            tests = []
            for t in e.tests:
                mark = self.given.get((student, e.id, t.name))
                check = checks.get(t.name)
                if mark is not None and check is not None and check.by_person and not e.tampering:
                    said = f"marked by a person: {mark.points:g} / {t.max_score:g}" + (
                        f". {mark.comment}" if mark.comment else "")
                    answer = answer_in(t)   # still shown, with its mark (and in the marks file)
                    t = replace(t, score=mark.points, status=MARKED,
                                output=said + (f"\n\n{ANSWER_HEAD}{answer}" if answer else ""))
                tests.append(t)
            exercises.append(ExerciseResult(e.id, e.title, tests, list(e.notes), list(e.tampering), dict(e.budget)))
        return replace(result, exercises=exercises)

    def write_templates(self, course: Course, out: Path, results: dict[str, SubmissionResult]) -> None:
        """Bring every written question's marks file up to date with the class: a row per student graded
        (the points and comment a person wrote are kept as they are; the answer is the current one)."""
        if not written_questions(course):
            return
        for exercise_id, check in written_questions(course):
            path = marks_file(out, exercise_id, check.name)
            kept = {}
            if path.is_file():
                try:
                    kept = {_unquoted(r.get("student")): r for r in
                            csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))}
                except (OSError, UnicodeDecodeError, csv.Error):
                    continue   # said by read(); a file a person is editing is never overwritten
            answers = {s: _answer(r, exercise_id, check.name) for s, r in results.items()}
            students = sorted(set(kept) | {s for s, a in answers.items() if a is not None} - {""})
            if not students:
                continue
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(COLUMNS)
            for s in students:
                row = kept.get(s, {})
                answer = answers.get(s)
                writer.writerow([for_csv(s), for_csv(row.get("points") or ""), for_csv(row.get("comment") or ""),
                                 for_csv((answer if answer is not None else row.get("answer") or "")[:ANSWER_SHOWN])])
            text = buf.getvalue()
            if not path.is_file() or path.read_text(encoding="utf-8-sig") != text:
                write_atomic(path, text)
        write_atomic(out / MARKS_DIR / "rubrics.md", rubrics(course))


def _unquoted(cell) -> str:
    text = (cell or "").strip()
    return text[1:] if text.startswith("'") else text


def _answer(result: SubmissionResult, exercise_id: str, question: str) -> str | None:
    """The student's answer as the grader recorded it in the pending result ("" when none was written; None
    when the student was not graded on it)."""
    for e in result.exercises:
        if e.id == exercise_id:
            for t in e.tests:
                if t.name == question:
                    return answer_in(t)
    return None


ANSWER_HEAD = "Your answer, as handed in:\n"


def answer_in(test: CheckResult) -> str:
    """The answer a pending (or marked) result carries after ``ANSWER_HEAD``; "" when there is none."""
    return test.output.split(ANSWER_HEAD, 1)[1].strip() if ANSWER_HEAD in test.output else ""


def rubrics(course: Course) -> str:
    """Every written question's prompt and rubric, for the TAs who mark them (instructor's folder only)."""
    from autograder.grading.questions import load_questions

    parts = ["# Written answers: what to mark against\n",
             "Enter each student's points (and a comment, if you like) in the question's CSV beside this file; the "
             "next `python -m autograder batch` folds them into the gradebook, reports and summary.\n"]
    for exercise_id, check in written_questions(course):
        q = load_questions(course.exercises[exercise_id])[check.name]
        parts.append(f"## {exercise_id}.{check.name} ({check.points:g} points)\n\n{q.prompt}\n\n"
                     f"Rubric:\n\n{q.rubric}\n\nA full answer:\n\n{q.model_answer}\n")
    return "\n".join(parts)


def pending_count(results: dict[str, SubmissionResult]) -> tuple[int, float]:
    """(students with written answers awaiting a person, the points awaiting)."""
    waiting = [r.pending_points for r in results.values() if r.pending_points]
    return len(waiting), sum(waiting)
