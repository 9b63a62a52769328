"""The plain student release: public checks only, no solutions, and the same messages as the grader."""
import json
import shutil
import zipfile

import yaml

from autograder.authoring import mutate
from autograder.course import load_course

from .conftest import SOLUTIONS, run_cli, solution_region_bodies

COURSE = load_course()


def test_release_ships_public_checks_and_no_solutions(tmp_path):
    proc = run_cli("release", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    bundle = tmp_path / "rnn-exercises"
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name == "test_hidden.py" or "solutions" in p.parts or "tests" in p.parts]
    text = "".join(p.read_text(errors="replace") for p in files if p.suffix == ".py")
    for where, body in solution_region_bodies():
        assert body not in text, f"the release contains the solution of {where}"
    for exercise in COURSE.exercises.values():
        assert (bundle / "autograder" / "suites" / exercise.id / "test_public.py").is_file()
        for name in exercise.files:
            assert (bundle / "exercises" / exercise.id / name).is_file()
    course = yaml.safe_load((bundle / "course.yaml").read_text())
    for ex_id, ex in course["exercises"].items():
        assert {c["visibility"] for c in ex["checks"].values()} == {"public"}
        assert set(ex["checks"]) == {c.name for c in COURSE.exercises[ex_id].checks_with("public")}
    with zipfile.ZipFile(tmp_path / "rnn-exercises.zip") as z:
        assert not [n for n in z.namelist() if n.endswith("test_hidden.py") or "/solutions/" in n]


def test_a_student_checks_their_work_and_sees_the_graders_messages(tmp_path):
    run_cli("release", "--out", tmp_path)
    bundle = tmp_path / "rnn-exercises"
    proc = run_cli("check", "ex1_myrnn", cwd=bundle)           # the blank stub, as released
    assert proc.returncode == 0 and "not implemented yet" in proc.stdout
    assert "Total: 0 / 11" in proc.stdout                      # the 11 public points of ex1

    wrong = mutate((SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text(),
                   replace=[('w_hh_t = getattr(self, f"weight_hh_l{k}").t()',
                             'w_hh_t = getattr(self, f"weight_hh_l{k}")')])
    (bundle / "exercises" / "ex1_myrnn" / "myrnn.py").write_text(wrong)
    student = run_cli("grade", "exercises", "--exercise", "ex1_myrnn", "--json", tmp_path / "student.json", cwd=bundle)
    assert student.returncode == 0, student.stderr
    submission = tmp_path / "handed_in"
    shutil.copytree(bundle / "exercises", submission)
    teacher = run_cli("grade", submission, "--exercise", "ex1_myrnn", "--public", "--json", tmp_path / "teacher.json")
    assert teacher.returncode == 0, teacher.stderr

    def tests(path):
        data = json.loads(path.read_text())
        return [(t["name"], t["score"], t["status"], t["output"]) for t in data["exercises"][0]["tests"]]
    assert tests(tmp_path / "student.json") == tests(tmp_path / "teacher.json")
    assert any("used transposed" in t[3] for t in tests(tmp_path / "student.json"))
