"""What a check says, beyond its verdict: a hint given only where it applies, and a mistake that a
hidden check charges told to the student by the public checks before they hand in."""
from autograder.publish.authoring import render

from .conftest import SOLUTIONS, checks_by_name, grade, needs, write_submission

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
CELL = "return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)"


def _ex1(tmp_path, name, cell=CELL, replace=None):
    source = render(SOLUTION, regions={"rnn_cell": cell})
    if replace:
        assert replace[0] in source
        source = source.replace(*replace)
    return write_submission(tmp_path / name, "ex1_myrnn", {"myrnn.py": source})


def test_the_lessons_rounding_note_is_for_the_rounded_value_only(tmp_path):
    rounds = _ex1(tmp_path, "rounds", "h_prev = torch.round(h_prev * 1000) / 1000   # as the lesson prints it\n" + CELL)
    other = _ex1(tmp_path, "other", "return torch.tanh(x_t @ W_xh.T - h_prev @ W_hh.T + b)")   # an unrelated bug
    said = {}
    for sub in (rounds, other):
        check = checks_by_name(grade(sub, exercise="ex1_myrnn", checks=["worked_example_two_steps"]),
                               "ex1_myrnn")["worked_example_two_steps"]
        assert check["score"] == 0, check
        said[sub.name] = check["output"]
    assert "matches the lesson's rounded value" in said["rounds"] and "rounds h_1" in said["rounds"], said["rounds"]
    assert "round" not in said["other"] and "h_2" in said["other"], said["other"]


def test_a_float32_default_h0_is_told_by_the_public_checks_and_charged_by_initial_state_alone(tmp_path):
    sub = _ex1(tmp_path, "f32", replace=("h_0 = x.new_zeros(self.num_layers, batch, self.hidden_size)",
                                         "h_0 = torch.zeros(self.num_layers, batch, self.hidden_size)"))
    public = grade(sub, exercise="ex1_myrnn", public=True)
    notes = public["exercises"][0]["notes"]
    assert public["score"] == public["max_score"] and len(notes) == 1, public
    assert "no h_0 is given" in notes[0] and "x.new_zeros" in notes[0] and "initial_state" in notes[0], notes
    assert "note: MyRNN fails on float64 input" in public["_stdout"], public["_stdout"]
    full = grade(sub, exercise="ex1_myrnn")
    lost = {n: c["score"] for n, c in checks_by_name(full, "ex1_myrnn").items() if c["score"] < c["max_score"]}
    assert lost == {"initial_state": 0}, lost
    reference = grade(SOLUTIONS, exercise="ex1_myrnn", public=True)
    assert reference["exercises"][0]["notes"] == [], reference["exercises"][0]


def test_a_reason_every_check_shares_is_said_once():
    from autograder.grading.results import CheckResult, ExerciseResult, SubmissionResult
    from autograder.publish.report import render_report

    why = "myrnn.py has a syntax error on line 2: invalid syntax"
    tests = [CheckResult(f"check_{i}", 0.0, 1.0, "error", why) for i in range(5)]
    page = render_report(SubmissionResult("ana", [ExerciseResult("ex1_myrnn", "MyRNN", tests)]), "RNN")
    assert page.count("syntax error on line 2") == 1 and "Every check of this exercise failed" in page, page
    tests[0] = CheckResult("check_0", 0.0, 1.0, "failed", "h_n is wrong")
    page = render_report(SubmissionResult("ana", [ExerciseResult("ex1_myrnn", "MyRNN", tests)]), "RNN")
    assert page.count("syntax error on line 2") == 1 and "4 checks of this exercise failed" in page
    assert "h_n is wrong" in page


def test_the_class_pass_rates_are_grouped_by_exercise_hardest_first():
    import re

    from autograder.publish.report import _pass_rates

    rates = {("ex1_myrnn", "a"): (9, 10), ("ex1_myrnn", "b"): (5, 10), ("ex4_dates", "c"): (1, 10),
             ("ex4_dates", "d"): (3, 10), ("ex2_adding", "e"): (10, 10)}
    page = _pass_rates(rates)
    assert re.findall(r"<h3>(\w+):", page) == ["ex4_dates", "ex1_myrnn", "ex2_adding"]
    assert re.findall(r"<tr><th scope='row'>(\w)</th>", page) == ["c", "d", "b", "a", "e"]
    assert page.count("class='bar") == 5 and "width:0.80rem" in page and "width:8.00rem" in page


@needs("ex2_adding", "ex3_names")
def test_figures_are_drawn_readable():
    """880 px wide at 110 dpi: matplotlib's 10-point text is 15 px high (it was ~7 px at 530 px)."""
    import struct

    import numpy as np

    from autograder.publish.classbook import histogram_png
    from autograder.suites.ex2_adding.reference import curves_png
    from autograder.suites.ex3_names.reference import confusion_png

    for png in (histogram_png([1, 2, 3], 10), curves_png({"rnn": np.linspace(1, 0.1, 50)}),
                confusion_png(np.eye(4) * 5, ["a", "b", "c", "d"])):
        width, height = struct.unpack(">II", png[16:24])
        at = png.index(b"pHYs")
        per_metre = struct.unpack(">I", png[at + 4:at + 8])[0]
        assert width >= 800 and per_metre * 0.0254 >= 100, (width, per_metre)
