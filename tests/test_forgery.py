"""What student code writes cannot act on the instructor's screen, spreadsheet or browser, and batch
input that collides or lies is refused rather than guessed at (issue 27, classes 3 and 4)."""
import csv
import io
import time
import zipfile

import pytest
import yaml

from autograder.grading.archives import SubmissionError, unpack
from autograder.grading.course import CourseError, load_course
from autograder.grading.neutral import for_csv, for_html, for_terminal
from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult, render_table
from autograder.publish.classbook import write_gradebook, write_summary
from autograder.publish.report import PRINT_OPEN, render_report

from .conftest import KIT, SOLUTIONS, checks_by_name, grade, write_submission

FAKE_SCREEN = "\x1b[2J\x1b[H\x1b[32mTotal: 30 / 30\x1b[0m\r\u202eevil\x9b31m\x07"


def test_each_medium_neutralises_what_acts_in_it():
    shown = for_terminal(FAKE_SCREEN + "\nsecond line\tand a tab")
    assert not any(c in shown for c in "\x1b\r\x07\x9b\u202e"), shown
    assert "\\x1b[2J" in shown and "\nsecond line\tand a tab" in shown  # visible, and lines stay lines
    for formula in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", " =1"):
        assert for_csv(formula).startswith("'"), formula
    assert for_csv("alice") == "alice" and for_csv("0.5") == "0.5"
    assert for_html("<img src=x onerror=alert(1)>'") == "&lt;img src=x onerror=alert(1)&gt;&#x27;"


def _result(student: str, message: str) -> SubmissionResult:
    check = CheckResult("rnn_cell_values", 0.0, 2.0, "failed", message)
    return SubmissionResult(student, [ExerciseResult("ex1_myrnn", "MyRNN", [check], notes=[message])],
                            student=student)


def test_the_table_the_gradebook_and_the_pages_show_text_that_cannot_act(tmp_path):
    course = load_course(KIT / "course.yaml")
    message = FAKE_SCREEN + "<script>alert(1)</script><img src=x onerror=alert(2)>"
    results = {name: _result(name, message) for name in ("=cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "bob")}
    table = render_table(results["bob"])
    assert "\x1b" not in table and "\r" not in table and "\u202e" not in table
    write_gradebook(course, tmp_path, results)
    write_summary(course, tmp_path, results)
    for name in ("gradebook.csv", "pass_rates.csv"):
        for row in csv.reader(io.StringIO((tmp_path / name).read_text())):
            for cell in row:
                assert not cell[:1] in ("=", "+", "-", "@", "\t", "\r"), (name, row)
    page = render_report(results["bob"], course.title) + (tmp_path / "summary.html").read_text()
    page = page.replace(PRINT_OPEN, "")   # the kit's own script (print opens <details>), once per page
    assert "<script>" not in page and "<img src=x" not in page and "\x1b" not in page


def test_a_student_message_that_draws_a_fake_table_reaches_the_terminal_visible(tmp_path, fast_course):
    solution = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
    from autograder.publish.authoring import render
    source = render(solution, regions={"rnn_cell": f"print({FAKE_SCREEN!r})\nraise RuntimeError({FAKE_SCREEN!r})"})
    sub = write_submission(tmp_path / "forger", "ex1_myrnn", {"myrnn.py": source})
    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values"], course=fast_course)
    assert checks_by_name(result, "ex1_myrnn")["rnn_cell_values"]["score"] == 0
    for stream in (result["_stdout"], result["_stderr"]):
        assert not any(c in stream for c in "\x1b\x07\x9b\u202e"), stream
    assert "\\x1b[2J" in result["_stdout"]  # shown, as what it is


def test_two_entries_that_are_one_student_stop_the_batch_with_both_named(tmp_path):
    from autograder.commands.batch import discover

    (tmp_path / "ann lee").mkdir()
    (tmp_path / "ann_lee").mkdir()
    (tmp_path / "bob").mkdir()
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as z:
        z.writestr("myrnn.py", "x = 1\n")
    with pytest.raises(CourseError) as info:
        discover(tmp_path)
    text = str(info.value)
    assert "'ann lee' and 'ann_lee'" in text and "'bob' and 'bob.zip'" in text


def _zip(path, members):
    import warnings
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as z:
        warnings.simplefilter("ignore")  # "Duplicate name": that is the point
        for name, data in members:
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("members, says", [
    ([("ex1_myrnn/myrnn.py", "a = 1\n"), ("ex1_myrnn/myrnn.py", "a = 2\n")], "twice"),
    ([("ex1_myrnn/myrnn.py", "a = 1\n"), ("ex1_myrnn/./myrnn.py", "a = 2\n")], "twice"),
    ([("../escape.py", "a = 1\n")], "outside the archive"),
    ([("/etc/escape.py", "a = 1\n")], "outside the archive"),
    ([("ex1_myrnn/my\nrnn.py", "a = 1\n")], "control characters"),
    ([("ex1_myrnn/\x1b[2Jmyrnn.py", "a = 1\n")], "control characters"),
])
def test_a_zip_that_lies_is_refused_with_its_reason(tmp_path, members, says):
    archive = _zip(tmp_path / "s.zip", members)
    with pytest.raises(SubmissionError) as info:
        unpack(archive, tmp_path / "out")
    assert says in str(info.value) and "\x1b" not in str(info.value)


def test_code_that_sleeps_gets_its_verdict_within_the_exercises_real_time_bound(tmp_path, fast_course):
    """Every check sleeping to its own backstop would take 17 x 15 s; the exercise as a whole is bounded."""
    data = yaml.safe_load(fast_course.read_text())
    data["exercises"]["ex1_myrnn"]["time_limit"] = 10     # bound: 2 x 10 + 5 = 25 s of real time
    course = tmp_path / "course.yaml"
    course.write_text(yaml.safe_dump(data, sort_keys=False))
    from autograder.publish.authoring import mutate
    solution = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
    source = mutate(solution, regions={"rnn_cell": "import time\ntime.sleep(10 ** 6)",
                                       "MyRNN.forward": "               import time\n               time.sleep(10 ** 6)"})
    sub = write_submission(tmp_path / "sleeper", "ex1_myrnn", {"myrnn.py": source})
    started = time.monotonic()
    result = grade(sub, exercise="ex1_myrnn", course=course, timeout=300)
    elapsed = time.monotonic() - started
    checks = checks_by_name(result, "ex1_myrnn")
    assert elapsed < 25 + 60, elapsed   # the bound, and the sandbox's own starts
    assert sum(t["score"] for t in checks.values()) < 5, checks
    assert all(t["status"] != "grader_error" for t in checks.values()), checks
    assert any("real time" in t["output"] for t in checks.values())
