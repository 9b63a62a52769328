"""The mistakes a class shares (issue 29, part 2): groups by failed checks, then by the mistake named."""
from __future__ import annotations

import csv
import io

from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult
from autograder.publish.mistakes import class_mistakes, masked, render_csv, render_html

CHECKS = ("rnn_cell_shape", "rnn_cell_values", "matches_nn_rnn", "gradients")


def wrong_values(value: float, named: str = "") -> str:
    return (f"rnn_cell's h_t (batch 5, input 3, hidden 4): wrong values, 20 of 20 values differ (largest "
            f"difference {value:.3g}); first at index (0, 1): got {value:.6g}, expected 0.25.\n"
            f"  expected: [0.25, 0.5]\n  got:      [{value:.4f}, 0.1]" + (f"\nThis matches a known mistake: {named}." if named else ""))


def student(name: str, failing: dict[str, str], grader_error: tuple[str, ...] = ()) -> SubmissionResult:
    tests = []
    for check in CHECKS:
        if check in grader_error:
            tests.append(CheckResult(check, 0, 5, "grader_error", "the grader failed"))
        elif check in failing:
            tests.append(CheckResult(check, 0, 5, "failed", failing[check]))
        else:
            tests.append(CheckResult(check, 5, 5, "passed", ""))
    return SubmissionResult(name, [ExerciseResult("ex1_myrnn", "MyRNN", tests)], student=name)


def a_class() -> dict[str, SubmissionResult]:
    results = {}
    for i in range(4):   # the same mistake, other values: one group, one mistake
        results[f"t{i}"] = student(f"t{i}", {"rnn_cell_values": wrong_values(0.1 + i, "W_xh is transposed"),
                                             "matches_nn_rnn": "output is wrong: see rnn_cell"})
    for i in range(2):   # the same checks failed, another mistake named: the same group, its own line
        results[f"b{i}"] = student(f"b{i}", {"rnn_cell_values": wrong_values(2.5 * i, "the bias is missing"),
                                             "matches_nn_rnn": "output is wrong: see rnn_cell"})
    for i in range(2):
        results[f"g{i}"] = student(f"g{i}", {"gradients": f"gradients of weight_hh_l0 are wrong (largest difference "
                                                          f"{0.3 + i}) <script>x</script>"})
    results["ok"] = student("ok", {})
    results["ge"] = student("ge", {}, grader_error=("gradients",))  # the grader's failure: no mistake
    return results


def test_students_grouped_by_failed_checks_then_by_the_named_mistake():
    (ex,) = class_mistakes(a_class())
    assert (ex.failing, ex.graded) == (8, 10)
    first, second = ex.patterns
    assert first.failed == ("rnn_cell_values", "matches_nn_rnn") and len(first.students) == 6
    assert [(m.named, len(m.students)) for m in first.mistakes] == [
        ("This matches a known mistake: W_xh is transposed.", 4), ("This matches a known mistake: the bias is missing.", 2)]
    # The same gradient message with other numbers: one pattern, one mistake.
    assert second.failed == ("gradients",) and [len(m.students) for m in second.mistakes] == [2]
    assert ex.coverage(1) == 6 / 8 and ex.coverage(3) == ex.coverage(10) == 1.0


def test_numbers_and_value_previews_do_not_split_a_mistake():
    assert masked(wrong_values(0.123)) == masked(wrong_values(7.5))
    assert masked(wrong_values(0.1, "W_xh is transposed")) != masked(wrong_values(0.1, "the bias is missing"))


def test_csv_and_html():
    groups = class_mistakes(a_class())
    rows = list(csv.DictReader(io.StringIO(render_csv(groups))))
    assert [(r["group"], r["students"], r["cumulative_share_of_failing"]) for r in rows] == [
        ("1", "4", "0.750"), ("1", "2", "0.750"), ("2", "2", "1.000")]
    assert rows[0]["student_names"] == "t0;t1;t2;t3"
    page = render_html(groups)
    assert "8 of 10 students failed some check, in 2 pattern(s)" in page
    assert "The largest 3 hold 100% of them" in page
    assert "<a href='reports/t0.html'>t0</a>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_class_that_passed_everything():
    results = {"ok": student("ok", {})}
    (ex,) = class_mistakes(results)
    assert ex.failing == 0 and not ex.patterns
    assert "All 1 graded students passed every check" in render_html([ex])
