"""The class's pages and pictures, piece by piece (the whole run is tests/test_batch.py)."""
from autograder.publish.classbook import histogram_figure


def test_the_histogram_counts_students_in_whole_numbers():
    """Two students: matplotlib's own ticks would be 0, 0.25, ... 1 students."""
    fig = histogram_figure([30.0, 12.5], 30)
    ticks = fig.axes[0].get_yticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_a_report_with_several_shared_reasons_says_which_is_whose():
    """Two reasons, each shared by two checks: each is numbered above the table, and each row names its own."""
    import re

    from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult
    from autograder.publish.report import render_report

    first, second = "myrnn.py: line 3: SyntaxError", "rnn_cell returned None"
    checks = [CheckResult("a", 0, 1, "failed", first), CheckResult("b", 0, 1, "failed", first),
              CheckResult("c", 0, 1, "failed", second), CheckResult("d", 0, 1, "failed", second),
              CheckResult("e", 1, 1, "passed", "")]
    html = render_report(SubmissionResult("s", [ExerciseResult("ex1_myrnn", "MyRNN", checks)]), "RNN")
    assert "failed for reason 1:</p><pre>myrnn.py: line 3: SyntaxError</pre>" in html
    assert "failed for reason 2:</p><pre>rnn_cell returned None</pre>" in html
    said = dict(re.findall(r"<th scope='row'>(\w)</th><td>[^<]*</td><td class='failed'>failed \((reason \d) above\)",
                           html))
    assert said == {"a": "reason 1", "b": "reason 1", "c": "reason 2", "d": "reason 2"}, said


def test_a_report_with_one_shared_reason_says_the_reason():
    from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult
    from autograder.publish.report import render_report

    checks = [CheckResult(n, 0, 1, "failed", "no file") for n in "ab"]
    html = render_report(SubmissionResult("s", [ExerciseResult("ex1_myrnn", "MyRNN", checks)]), "RNN")
    assert "Every check of this exercise failed for this reason:" in html and html.count("(the reason above)") == 2
