"""The bundled submissions: solutions/ scores full marks, exercises/ scores 0 with words on every check."""
import json

import pytest

from autograder.grading.course import load_course
from autograder.grading.plugin import INTERNAL_ERROR

from .conftest import KIT, grade, run_cli, checks_by_name, write_submission

COURSE = load_course()
# Tests sharing the module's graded submissions run on one xdist worker.
pytestmark = pytest.mark.xdist_group("bundled")


@pytest.fixture(scope="module")
def stubs_result():
    return grade(KIT / "exercises")


BY_PERSON = sum(e.by_person_points for e in COURSE.exercises.values())   # written answers: graded by a person


def test_solutions_score_full_marks(solutions_result):
    """Every check the grader scores passes; the written answers (the reference's) await a person, and say so."""
    assert solutions_result["max_score"] == COURSE.max_score - BY_PERSON
    assert solutions_result.get("pending_points", 0) == BY_PERSON
    failed = {t["name"]: t["output"] for e in solutions_result["exercises"] for t in e["tests"]
              if t["status"] != ("pending" if COURSE.exercises[e["id"]].checks[t["name"]].by_person else "passed")}
    assert failed == {}
    assert solutions_result["score"] == COURSE.max_score - BY_PERSON
    if BY_PERSON:
        assert f"of which {BY_PERSON:g} to grade by hand" in solutions_result["_stdout"]


def test_stubs_score_zero_with_a_message_on_every_check(stubs_result):
    assert stubs_result["score"] == 0
    for exercise in stubs_result["exercises"]:
        assert len(exercise["tests"]) == len(COURSE.exercises[exercise["id"]].checks)
        for t in exercise["tests"]:
            assert t["status"] == "failed", (t["name"], t["output"])
            question = COURSE.exercises[exercise["id"]].checks[t["name"]].question   # answers.md as released: blank
            assert ("not answered" if question else "not implemented yet") in t["output"], (t["name"], t["output"])
            assert INTERNAL_ERROR not in t["output"]


def test_json_follows_the_contract(solutions_result):
    assert set(solutions_result) >= {"score", "max_score", "exercises"}
    for e in solutions_result["exercises"]:
        assert set(e) >= {"id", "score", "max_score", "tests"}
        assert e["score"] == sum(t["score"] for t in e["tests"])
        for t in e["tests"]:
            assert set(t) >= {"name", "score", "max_score", "status", "output"}
            assert t["status"] in ("passed", "failed", "error", "timeout", "pending")   # pending: by hand


def test_table_lists_every_check_and_the_total(stubs_result):
    out = stubs_result["_stdout"]
    for exercise in COURSE.exercises.values():
        assert f"{exercise.id} — {exercise.title}: 0 / {exercise.max_score:g}" in out
        for name in exercise.checks:
            assert name in out
    assert f"Total: 0 / {COURSE.max_score:g}" in out


def test_gradescope_results(tmp_path):
    out = tmp_path / "results.json"
    proc = run_cli("grade", KIT / "solutions", "--exercise", "ex1_myrnn", "--gradescope", out)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    ex1 = COURSE.exercises["ex1_myrnn"]
    assert data["score"] == ex1.max_score
    by_name = {t["name"].split(": ", 1)[1]: t for t in data["tests"]}
    for check in ex1.checks.values():
        expected = "visible" if check.visibility == "public" else "after_published"
        assert by_name[check.name]["visibility"] == expected
        assert by_name[check.name]["max_score"] == check.points


def test_public_flag_runs_only_public_checks(tmp_path):
    result = grade(KIT / "solutions", exercise="ex1_myrnn", public=True)
    names = set(checks_by_name(result, "ex1_myrnn"))
    assert names == {c.name for c in COURSE.exercises["ex1_myrnn"].checks_with("public")}


def test_missing_exercise_folder_scores_zero_with_file_not_found(tmp_path):
    (tmp_path / "empty").mkdir()
    result = grade(tmp_path / "empty", exercise="ex1_myrnn", checks=["rnn_cell_shape", "gradients"])
    for t in checks_by_name(result, "ex1_myrnn").values():
        assert t["status"] == "failed" and "file not found: myrnn.py was not submitted" in t["output"]


def test_flat_upload_is_graded_like_the_nested_layout(tmp_path):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "myrnn.py").write_text((KIT / "solutions/ex1_myrnn/myrnn.py").read_text())
    result = grade(tmp_path / "flat", exercise="ex1_myrnn", checks=["matches_nn_rnn"])
    assert result["score"] == result["max_score"] > 0


def test_syntax_error_is_a_failed_check_with_the_line(tmp_path):
    sub = write_submission(tmp_path / "s", "ex1_myrnn", {"myrnn.py": "import torch\ndef rnn_cell(:\n"})
    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_shape", "matches_nn_rnn"])
    for t in checks_by_name(result, "ex1_myrnn").values():
        assert t["status"] == "error" and "syntax error (myrnn.py, line 2)" in t["output"], t["output"]


def test_bad_command_lines_get_a_message_not_a_traceback(tmp_path):
    proc = run_cli("grade", tmp_path / "nowhere")
    assert proc.returncode == 2 and "there is no submission at" in proc.stderr
    proc = run_cli("grade", KIT / "solutions", "--exercise", "ex9_nope")
    assert proc.returncode == 2 and "unknown exercise ex9_nope" in proc.stderr
    assert "Traceback" not in proc.stderr
