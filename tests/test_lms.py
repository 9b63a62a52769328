"""Grades into the LMS (issue 30, part 3): ``export`` fills a Canvas gradebook export, or writes
Moodle's grade import, from the kit's gradebook; every student on either side is accounted for.

The gradebook is the kit's own (``classbook.write_gradebook`` from results), not hand-written, so
the export reads exactly what batch writes. The Canvas file is laid out as Canvas exports it.
"""
import csv
import io
import subprocess
import sys

import pytest

from autograder.grading.course import load_course
from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult
from autograder.publish.classbook import write_gradebook

from .conftest import KIT

COURSE = load_course()
EX1 = COURSE.exercises["ex1_myrnn"]
# Scores from course.yaml, so that a change of ex1's points keeps these tests right: full marks, and a part of them
FULL = EX1.max_score
PART = round(FULL * 5 / 12, 2)   # 12.5 of 30

CANVAS = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,RNN exercises (48213),Quiz 1 (48214),Current Points,Final Points
    Points Possible,,,,,88.00,10.00,(read only),(read only)
"Adams, Ana",101,S001,ana,Lab A,,7.00,7.00,7.00
"Brown, Ben",102,S002,ben@uni.edu,Lab A,5.00,9.00,14.00,14.00
"Cole, Cleo",103,S003,cleo,Lab B,,8.00,8.00,8.00
"Diaz, Dev",104,S004,dev,Lab B,,6.00,6.00,6.00
"Evans, Eve",105,S005,eve,Lab B,,10.00,10.00,10.00
"Student, Test",106,,a1b2c3,,,,,
"""


def result(student: str, points: float, status: str = "passed") -> SubmissionResult:
    """A student graded on ex1 with ``points`` of its FULL (one check failed or not scored)."""
    checks = list(EX1.checks.values())
    tests, left = [], points
    for c in checks:
        won = min(c.points, left)
        left -= won
        tests.append(CheckResult(c.name, won, c.points, "passed" if won == c.points else status, ""))
    return SubmissionResult(student, [ExerciseResult(EX1.id, EX1.title, tests)], student=student)


@pytest.fixture
def graded(tmp_path):
    """OUT of a graded class: ana FULL, ben PART, cleo grader_error, dev flagged, fay (not on Canvas)."""
    results = {"ana": result("ana", FULL), "ben": result("ben", PART),
               "cleo": result("cleo", FULL * 2 / 3, "grader_error"), "dev": result("dev", FULL),
               "fay": result("fay", FULL / 10)}
    results["dev"].exercises[0].tampering.append("it patched the grader's clock")
    out = tmp_path / "out"
    out.mkdir()
    write_gradebook(COURSE, out, results)
    (tmp_path / "canvas.csv").write_text(CANVAS, encoding="utf-8")
    return out


def export(*args, cwd=KIT):
    return subprocess.run([sys.executable, "-m", "autograder", "export", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def unmatched(path) -> dict[str, str]:
    return {r["student"] or r["lms_name"]: r["why"] for r in csv.DictReader(path.open())}


def test_canvas_export_is_filled_and_every_student_accounted_for(graded, tmp_path):
    canvas = tmp_path / "canvas.csv"
    before = canvas.read_bytes()
    roster = tmp_path / "roster.csv"
    roster.write_text("student,sis_login_id\nana,ana\nben,ben@uni.edu\ncleo,cleo\ndev,dev\nfay,fay\n")
    target = tmp_path / "lms" / "canvas_import.csv"
    proc = export(graded, "--canvas", canvas, "--roster", roster, "--assignment", "RNN exercises", "--out", target)
    assert proc.returncode == 0, proc.stderr
    assert canvas.read_bytes() == before                       # the input is only read
    table = rows(target)
    # Identity columns and the one assignment: Quiz 1 and the read-only totals are not sent back.
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "RNN exercises (48213)"]
    assert table[1][0].strip() == "Points Possible" and table[1][-1] == "88.00"
    grade = {r[0]: r[-1] for r in table[2:]}
    # The run graded ex1 only (out of FULL) and Canvas's assignment is worth 88: scaled, and said.
    assert grade["Adams, Ana"] == "88" and grade["Brown, Ben"] == f"{round(PART * 88 / FULL, 2):g}"
    assert f"scaled by 88/{FULL:g}" in proc.stdout, proc.stdout
    assert grade["Cole, Cleo"] == "" and grade["Diaz, Dev"] == "" and grade["Evans, Eve"] == ""
    assert "wrote" in proc.stdout and "2 grades" in proc.stdout, proc.stdout
    why = unmatched(target.with_name("unmatched.csv"))
    assert "grader_error" in why["cleo"] and "flagged" in why["dev"]
    assert "no row of the canvas file" in why["fay"]                    # graded, not on Canvas
    assert "not matched" in why["Evans, Eve"]
    # Canvas's own test student (Student View) is in every export and in no class: blank, and not reported
    assert grade["Student, Test"] == ""
    assert set(why) == {"cleo", "dev", "fay", "Evans, Eve"}
    assert (target.stat().st_mode & 0o777) == 0o644 or (target.stat().st_mode & 0o022) == 0  # umask's


def test_canvas_without_a_roster_matches_logins_and_the_part_before_the_at(graded, tmp_path):
    target = tmp_path / "import.csv"
    proc = export(graded, "--canvas", tmp_path / "canvas.csv", "--assignment", "48213", "--exercise", "ex1_myrnn",
                  "--out", target)
    assert proc.returncode == 0, proc.stderr
    grade = {r[0]: r[-1] for r in rows(target)[2:]}
    assert grade["Adams, Ana"] == f"{88:g}" and grade["Brown, Ben"] == f"{round(PART * 88 / FULL, 2):g}"


def test_canvas_refusals_are_words(graded, tmp_path):
    canvas = tmp_path / "canvas.csv"
    several = export(graded, "--canvas", canvas, "--out", tmp_path / "x.csv")
    assert several.returncode == 2 and "--assignment" in several.stderr and "Quiz 1 (48214)" in several.stderr
    over = export(graded, "--canvas", canvas, "--assignment", "RNN", "--out", canvas)
    assert over.returncode == 2 and "is an input" in over.stderr and canvas.read_text(encoding="utf-8") == CANVAS
    (tmp_path / "not_canvas.csv").write_text("name,grade\nana,3\n")
    wrong = export(graded, "--canvas", tmp_path / "not_canvas.csv", "--out", tmp_path / "x.csv")
    assert wrong.returncode == 2 and "not a Canvas gradebook export" in wrong.stderr
    nothing = export(tmp_path / "nowhere", "--canvas", canvas, "--out", tmp_path / "x.csv")
    assert nothing.returncode == 2 and "no gradebook.csv" in nothing.stderr
    both = export(graded, "--out", tmp_path / "x.csv")
    assert both.returncode == 2 and "--canvas" in both.stderr
    for proc in (several, over, wrong, nothing, both):
        assert "Traceback" not in proc.stderr, proc.stderr


def test_two_rows_for_one_student_are_both_left_blank(graded, tmp_path):
    canvas = tmp_path / "twice.csv"
    canvas.write_text(CANVAS.replace('"Diaz, Dev",104,S004,dev', '"Adams, Ann",104,S004,ana'))
    target = tmp_path / "import.csv"
    proc = export(graded, "--canvas", canvas, "--assignment", "RNN", "--out", target)
    assert proc.returncode == 0, proc.stderr
    grade = {r[0]: r[-1] for r in rows(target)[2:]}
    assert grade["Adams, Ana"] == "" and grade["Adams, Ann"] == ""
    why = unmatched(target.with_name("unmatched.csv"))
    assert "2 LMS rows that match ana" in why["Adams, Ana"] and "no row" in why["ana"]


def test_moodle_import_from_a_roster(graded, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID number,Email\nana,S1001,Ana@Uni.edu\nben,S1002,\ncleo,S1003,cleo@uni.edu\n"
                      "gus,S1007,gus@uni.edu\n")
    target = tmp_path / "moodle.csv"
    proc = export(graded, "--moodle", "--roster", roster, "--out", target)
    assert proc.returncode == 0, proc.stderr
    table = rows(target)
    assert table[0] == ["ID number", "Email address", COURSE.title]
    # the ID numbers and e-mails as the roster writes them: a case-sensitive Moodle matches S1001, not s1001
    assert {r[0]: r[2] for r in table[1:]} == {"S1001": f"{FULL:g}", "S1002": f"{PART:g}"}
    assert table[1][1] == "Ana@Uni.edu"
    # raw points: the grade item must be out of the kit's maximum, and the command says so
    assert f"points out of {FULL:g}" in proc.stdout and "maximum grade" in proc.stdout, proc.stdout
    why = unmatched(target.with_name("unmatched.csv"))
    assert "grader_error" in why["cleo"] and "not in the gradebook" in why["gus"]
    assert "not in the roster" in why["dev"] and "not in the roster" in why["fay"]


def test_moodle_export_filled_by_id_number_or_email(graded, tmp_path):
    moodle = tmp_path / "moodle_export.csv"
    moodle.write_text("First name,Last name,ID number,Institution,Department,Email address,"
                      "Assignment: RNN exercises (Real),Last downloaded from this course\n"
                      "Ana,Adams,ana,,,ana@uni.edu,-,1733300000\nBen,Brown,,,,ben@uni.edu,-,1733300000\n")
    target = tmp_path / "moodle.csv"
    proc = export(graded, "--moodle", moodle, "--out", target)
    assert proc.returncode == 0, proc.stderr
    table = rows(target)
    assert table[0] == ["First name", "Last name", "ID number", "Email address", "Assignment: RNN exercises (Real)"]
    assert [r[-1] for r in table[1:]] == [f"{FULL:g}", f"{PART:g}"]
    assert f"set the maximum grade of 'Assignment: RNN exercises (Real)' to {FULL:g}" in proc.stdout, proc.stdout
