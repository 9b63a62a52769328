"""Grades into the LMS: fill a Canvas gradebook export (or write Moodle's grade import) from
the kit's ``gradebook.csv``.

``python -m autograder export OUT --canvas CANVAS_EXPORT.csv [--roster ROSTER.csv] --out FILE``

What a student is called differs on each side: the kit knows the folder a student handed in
(``ana``, ``ana@uni.edu``, ``s1234567``), the LMS knows a login, an e-mail, an SIS or ID number.
A roster (``student`` plus any of ``sis_login_id``, ``sis_user_id``, ``email``, ``id_number``)
joins them; without one, the folder name is matched against the LMS file's identifiers as they
are (a folder named after the login or its part before the ``@``).

Nothing is guessed and nothing is dropped: every student on either side who is not matched,
and every student whose grade is held back (``grader_error``: not scored yet; ``flagged``:
for the instructor to review; ``to_grade_by_hand``: written answers not marked yet), is listed
in ``unmatched.csv`` beside FILE and left blank in it. The input file is only read.

Canvas's export (Gradebook > Export): a header ``Student, ID, SIS User ID, SIS Login ID,
[Integration ID,] Section, <Assignment> (<id>), ..., Current Points, ...``, then a
``Points Possible`` row (and, in some exports, a ``Manual Posting`` row), then one row per
student. The file written holds the identity columns and the one assignment column, which is
what Canvas's importer needs and all it changes: the other assignments' cells, which may
have changed in Canvas since the export, are not sent back.

Moodle's grade import (Grades > Import > CSV file) maps one identifier column (ID number or
email address) and one column per grade item; the file written has ``ID number``, ``Email
address`` and the grade column (``--moodle MOODLE_EXPORT.csv`` fills an export's column instead).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.results import FLAGGED, TO_GRADE_BY_HAND, write_atomic
from autograder.sandbox.failures import GRADER_ERROR

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
CANVAS_ASSIGNMENT = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")
ROSTER_KEYS = ("sis_login_id", "sis_user_id", "email", "id_number", "canvas_id")
HELD = {GRADER_ERROR: "grader_error: not scored yet (run batch again), left blank",
        TO_GRADE_BY_HAND: "to_grade_by_hand: written answers await a person's marks (marks/*.csv beside the "
                          "gradebook, then batch again), left blank",
        FLAGGED: "flagged: its code interfered with the grader; review its report, left blank"}
UNMATCHED_COLUMNS = ["student", "lms_name", "lms_id", "side", "why"]
# Canvas adds a "Student, Test" row to every course (the Student View's test student): never a student of the
# class, so it is written back blank and not reported as unmatched.
CANVAS_TEST_STUDENT = "Student, Test"


class ExportError(Exception):
    """Input the export cannot use, said in words (the command prints it and exits 2)."""


@dataclass
class Grade:
    student: str
    score: float | None      # None: held back (see status)
    max_score: float
    status: str


@dataclass
class Export:
    text: str                                  # the LMS file
    unmatched: list[dict] = field(default_factory=list)
    filled: int = 0
    column: str = ""
    note: str = ""

    def unmatched_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, UNMATCHED_COLUMNS)
        writer.writeheader()
        writer.writerows(self.unmatched)
        return buf.getvalue()


def read_csv(path: Path, what: str) -> list[dict[str, str]]:
    try:
        # utf-8-sig: Excel and Canvas write a byte-order mark that would stick to the first header
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ExportError(f"{what} {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ExportError(f"{what} {path} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                          "save it as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ExportError(f"{what} {path} is empty")
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def read_gradebook(out: Path, exercise: str | None, exercise_max: float = 0.0) -> dict[str, Grade]:
    """The kit's gradebook: one Grade per student, the total or one exercise's score."""
    path = out / "gradebook.csv"
    if not path.exists():
        raise ExportError(f"{out} has no gradebook.csv: run `python -m autograder batch SUBMISSIONS --out {out}` first")
    grades = {}
    for row in read_csv(path, "the gradebook"):
        if exercise and exercise not in row:
            raise ExportError(f"the gradebook has no exercise {exercise!r}; it has "
                              f"{', '.join(k for k in row if k not in ('student', 'total', 'max_score', 'status'))}")
        status = row["status"]
        held = status in HELD
        if exercise:
            cell = row[exercise]
            score = None if held or cell == "" else float(cell)
            if cell == "" and not held:
                status = "not graded on this exercise"
            maximum = exercise_max
        else:
            score = None if held else float(row["total"])
            maximum = float(row["max_score"])
        grades[row["student"]] = Grade(row["student"], score, maximum, status)
    return grades


def read_roster(path: Path | None) -> dict[str, dict[str, str]]:
    """student -> {key: value} with keys from ROSTER_KEYS, the values as the roster writes them (an LMS may match
    an ID number case-sensitively: Moodle's ``S2101`` is not ``s2101``); matching compares them in lower case."""
    if path is None:
        return {}
    rows = read_csv(path, "the roster")
    norm = {k: re.sub(r"[\s_-]+", "_", k.strip().lower()) for k in rows[0]} if rows else {}
    if "student" not in norm.values():
        raise ExportError(f"the roster {path} needs a `student` column (the folder names in the gradebook) and one "
                          f"of {', '.join(ROSTER_KEYS)}; it has {', '.join(norm) or 'no columns'}")
    keys = [k for k in ROSTER_KEYS if k in norm.values()]
    if not keys:
        raise ExportError(f"the roster {path} has no column to match the LMS by: add one of {', '.join(ROSTER_KEYS)}")
    roster = {}
    for row in rows:
        row = {norm[k]: v for k, v in row.items()}
        if row["student"]:
            roster[row["student"]] = {k: (row.get(k) or "").strip() for k in keys if (row.get(k) or "").strip()}
    return roster


def _identifiers(student: str, roster: dict[str, dict[str, str]]) -> set[str]:
    """What an LMS identifier may be equal to for this student (lower case)."""
    if roster:
        return {v.lower() for v in roster.get(student, {}).values()}
    name = student.lower()
    return {name, name.split("@")[0]} if "@" in name else {name}


def _match(lms_ids: list[set[str]], grades: dict[str, Grade], roster) -> tuple[dict[int, str], list[dict]]:
    """LMS row index -> student; the problems (a student with two rows, a row two students claim)."""
    by_id: dict[str, list[str]] = {}
    for student in grades:
        for key in _identifiers(student, roster):
            by_id.setdefault(key, []).append(student)
    matched: dict[int, str] = {}
    problems = []
    for i, ids in enumerate(lms_ids):
        ids = {k.lower() for k in ids}
        if not roster:  # a login that is an e-mail matches the folder named after its part before the @
            ids |= {k.split("@")[0] for k in ids if "@" in k}
        students = sorted({s for key in ids for s in by_id.get(key, [])})
        if len(students) == 1:
            matched[i] = students[0]
        elif len(students) > 1:
            problems.append((i, f"matches {len(students)} students of the gradebook ({', '.join(students)}): "
                                f"left blank; say which in the roster"))
    counts: dict[str, list[int]] = {}
    for i, s in matched.items():
        counts.setdefault(s, []).append(i)
    for s, rows in counts.items():
        if len(rows) > 1:
            for i in rows:
                del matched[i]
                problems.append((i, f"one of {len(rows)} LMS rows that match {s}: left blank; say which in the roster"))
    return matched, problems


def _missing_from_roster(grades, roster) -> list[dict]:
    return [{"student": s, "lms_name": "", "lms_id": "", "side": "roster",
             "why": "not in the roster: no grade sent"} for s in sorted(grades) if roster and s not in roster]


def _cell(grade: Grade, scale: float) -> str:
    return f"{round(grade.score * scale, 2):g}"


def fill_canvas(canvas: Path, grades: dict[str, Grade], roster, assignment: str | None, course_max: float) -> Export:
    try:
        text = canvas.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ExportError(f"the Canvas export {canvas} does not exist") from None
    except UnicodeDecodeError:
        raise ExportError(f"the Canvas export {canvas} is not UTF-8 text: export it again from Canvas") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or "Student" not in [h.strip() for h in rows[0]] or "ID" not in [h.strip() for h in rows[0]]:
        raise ExportError(f"{canvas} is not a Canvas gradebook export: its first row should start "
                          "`Student,ID,SIS User ID,SIS Login ID,Section` (Grades > Export > Export Entire Gradebook)")
    header = [h.strip() for h in rows[0]]
    identity = [i for i, h in enumerate(header) if h in CANVAS_IDENTITY]
    assignments = {i: h for i, h in enumerate(header) if CANVAS_ASSIGNMENT.match(h)}
    column = _pick_assignment(assignments, assignment, canvas)
    col = header.index(column)
    at = {h: i for i, h in enumerate(header)}

    def cell(row, name):
        i = at.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    meta = [r for r in rows[1:] if not cell(r, "ID")]            # Points Possible, Manual Posting
    people = [r for r in rows[1:] if cell(r, "ID")]
    possible = next((r for r in meta if cell(r, "Student") == "Points Possible"), None)
    points = _number(possible[col]) if possible and col < len(possible) else None
    scale, note = _scale(points, grades, course_max, column)

    matched, problems = _match([{cell(r, k) for k in ("SIS Login ID", "SIS User ID", "ID") if cell(r, k)}
                                for r in people], grades, roster)
    export = Export("", column=column, note=note)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([header[i] for i in identity] + [column])
    for r in meta:
        writer.writerow([r[i] if i < len(r) else "" for i in identity] + [r[col] if col < len(r) else ""])
    for i, r in enumerate(people):
        student = matched.get(i)
        value = ""
        if student is not None:
            grade = grades[student]
            if grade.score is None:
                export.unmatched.append(_held(student, cell(r, "Student"), cell(r, "ID"), grade))
            else:
                value = _cell(grade, scale)
                export.filled += 1
        writer.writerow([r[j] if j < len(r) else "" for j in identity] + [value])
    _account(export, people, matched, problems, grades, roster,
             lambda r: (cell(r, "Student"), cell(r, "ID")), "canvas",
             skip={i for i, r in enumerate(people) if cell(r, "Student") == CANVAS_TEST_STUDENT})
    export.text = buf.getvalue()
    return export


def _kit_max(grades: dict[str, Grade], course_max: float) -> float:
    """What the gradebook's scores are out of: its students' maximum (one exercise's, with --exercise), else the
    course's."""
    return max((g.max_score for g in grades.values() if g.max_score), default=0) or course_max


def _moodle_note(column: str, grades: dict[str, Grade], course_max: float) -> str:
    """Moodle imports the values as they are, on the grade item's own scale: it must be out of the kit's maximum."""
    kit_max = _kit_max(grades, course_max)
    return (f"the values are points out of {kit_max:g}, as the kit grades: Moodle imports them unscaled, so set "
            f"the maximum grade of {column!r} to {kit_max:g} (Gradebook setup > Edit grade item) before you import")


def fill_moodle(moodle: Path | None, grades: dict[str, Grade], roster, assignment: str | None,
                course_max: float, title: str) -> Export:
    if moodle is None:  # from the roster alone: one row per student it names
        if not roster:
            raise ExportError("--moodle without a Moodle export needs --roster (student, and id_number or email)")
        column = assignment or title
        export = Export("", column=column, note=_moodle_note(column, grades, course_max))
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["ID number", "Email address", column])
        for student in sorted(roster):
            grade = grades.get(student)
            ids = roster[student]
            if grade is None:
                export.unmatched.append({"student": student, "lms_name": "", "lms_id": ids.get("id_number", ""),
                                         "side": "roster", "why": "in the roster, not in the gradebook: left out"})
                continue
            if grade.score is None:
                export.unmatched.append(_held(student, "", ids.get("id_number", ""), grade))
                continue
            if not (ids.get("id_number") or ids.get("email")):
                export.unmatched.append({"student": student, "lms_name": "", "lms_id": "", "side": "roster",
                                         "why": "no id_number or email in the roster: left out"})
                continue
            writer.writerow([ids.get("id_number", ""), ids.get("email", ""), _cell(grade, 1.0)])
            export.filled += 1
        export.unmatched += _missing_from_roster(grades, roster)
        export.text = buf.getvalue()
        return export

    rows = read_csv(moodle, "the Moodle export")
    header = list(rows[0]) if rows else []
    if "ID number" not in header and "Email address" not in header:
        raise ExportError(f"{moodle} is not a Moodle grade export: it needs an `ID number` or `Email address` column")
    grade_columns = [h for h in header if h.endswith(")") and ":" in h]
    column = _pick_assignment({i: h for i, h in enumerate(grade_columns)}, assignment, moodle)
    matched, problems = _match([{r.get("ID number", ""), r.get("Email address", "")} - {""} for r in rows],
                               grades, roster)
    export = Export("", column=column, note=_moodle_note(column, grades, course_max))
    buf = io.StringIO()
    writer = csv.writer(buf)
    keep = [h for h in ("First name", "Last name", "ID number", "Email address") if h in header]
    writer.writerow(keep + [column])
    name = lambda r: " ".join(x for x in (r.get("First name", ""), r.get("Last name", "")) if x)  # noqa: E731
    for i, r in enumerate(rows):
        value = ""
        student = matched.get(i)
        if student is not None:
            grade = grades[student]
            if grade.score is None:
                export.unmatched.append(_held(student, name(r), r.get("ID number", ""), grade))
            else:
                value = _cell(grade, 1.0)
                export.filled += 1
        writer.writerow([r.get(h, "") for h in keep] + [value])
    _account(export, rows, matched, problems, grades, roster, lambda r: (name(r), r.get("ID number", "")), "moodle")
    export.text = buf.getvalue()
    return export


def _pick_assignment(columns: dict[int, str], wanted: str | None, path: Path) -> str:
    names = list(columns.values())
    if not names:
        raise ExportError(f"{path} has no assignment column: create the assignment in the LMS, then export again")
    if wanted is None:
        if len(names) == 1:
            return names[0]
        raise ExportError(f"{path} has {len(names)} assignments; say which with --assignment: "
                          + "; ".join(f"{n!r}" for n in names[:12]))
    exact = [n for n in names if n == wanted]
    if exact:
        return exact[0]
    by_part = [n for n in names if wanted.lower() in n.lower()]  # its name alone, or its id
    if len(by_part) == 1:
        return by_part[0]
    raise ExportError(f"--assignment {wanted!r} {'matches several' if by_part else 'matches no'} column of {path}: "
                      + "; ".join(f"{n!r}" for n in (by_part or names)[:12]))


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _scale(points: float | None, grades: dict[str, Grade], course_max: float, column: str) -> tuple[float, str]:
    """A Canvas assignment worth other points than the kit's: scores are scaled to its points, and said so."""
    kit_max = _kit_max(grades, course_max)
    if not points or not kit_max or abs(points - kit_max) < 1e-9:
        return 1.0, ""
    return points / kit_max, (f"{column!r} is worth {points:g} points in Canvas and the kit grades out of "
                              f"{kit_max:g}: scores scaled by {points:g}/{kit_max:g}")


def _held(student: str, lms_name: str, lms_id: str, grade: Grade) -> dict:
    why = HELD.get(grade.status, f"{grade.status}: left blank")
    return {"student": student, "lms_name": lms_name, "lms_id": lms_id, "side": "gradebook", "why": why}


def _account(export: Export, rows, matched, problems, grades, roster, who, lms: str, skip=frozenset()) -> None:
    """Every LMS row without a grade (but the rows in ``skip``) and every graded student without a row goes
    into unmatched."""
    for i, why in problems:
        name, lms_id = who(rows[i])
        export.unmatched.append({"student": "", "lms_name": name, "lms_id": lms_id, "side": lms, "why": why})
    taken = {i for i, _ in problems}
    for i, r in enumerate(rows):
        if i not in matched and i not in taken and i not in skip:
            name, lms_id = who(r)
            export.unmatched.append({"student": "", "lms_name": name, "lms_id": lms_id, "side": lms,
                                     "why": f"in the {lms} file, not matched to a student of the gradebook: left blank"})
    found = set(matched.values())
    for student in sorted(grades):
        if student not in found and (not roster or student in roster):
            export.unmatched.append({"student": student, "lms_name": "", "lms_id": "", "side": "gradebook",
                                     "why": f"graded, but no row of the {lms} file matches it: no grade sent"})
    export.unmatched += _missing_from_roster(grades, roster)


def write_export(export: Export, target: Path, inputs: list[Path]) -> Path:
    """FILE and unmatched.csv beside it; never over an input."""
    for source in inputs:
        if source is not None and source.exists() and target.exists() and target.samefile(source):
            raise ExportError(f"--out {target} is an input: write the LMS file somewhere else")
    write_atomic(target, export.text)
    unmatched = target.with_name("unmatched.csv")
    if any(unmatched.exists() and unmatched.samefile(s) for s in inputs if s is not None and s.exists()):
        raise ExportError(f"{unmatched} is an input: write the LMS file to another folder")
    write_atomic(unmatched, export.unmatched_csv())
    return unmatched

