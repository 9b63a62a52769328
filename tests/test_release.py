"""The plain student release: public checks only, no solutions, no grader code, and the same messages."""
import json
import shutil
import zipfile

import numpy as np
import pytest

import yaml

from autograder.publish.authoring import mutate
from autograder.grading.course import load_course

from .conftest import (SOLUTIONS, assert_no_answer_key, instructor_only_functions, needs, python_functions, run_cli,
                       solution_region_bodies, student_written_functions)

COURSE = load_course()


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    proc = run_cli("release", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out / "rnn-exercises"


def test_the_release_holds_no_grader_code(release):
    """No function a student writes (however renamed), no reference.py, no held-out generator, seed or size."""
    shipped = {}
    for path in release.rglob("*.py"):
        shipped.update({fp: f"{path.relative_to(release)}:{name}" for name, fp in python_functions(path.read_text())})
    names = {where.rsplit(":", 1)[1] for where in shipped.values()}
    assert not list(release.rglob("reference.py"))
    written = list(student_written_functions())
    assert len(written) >= 10, "the fingerprints no longer find the solutions' functions"
    for where, fingerprint in written:
        assert fingerprint not in shipped, f"the release contains {where} as {shipped[fingerprint]}"
    hidden = list(instructor_only_functions())
    with_references = [e for e in COURSE.exercises.values() if (e.suite_dir / "reference.py").is_file()]
    assert hidden or not with_references, "the fingerprints no longer find the reference.py functions"
    for where, name, fingerprint in hidden:
        assert name not in names and fingerprint not in shipped, f"the release contains {where}"
    course = yaml.safe_load((release / "course.yaml").read_text())
    for ex_id, ex in course["exercises"].items():
        assert set(ex.get("params", {})) == set(COURSE.exercises[ex_id].public_params), ex_id
    secret = {k for ex in COURSE.exercises.values() for k in ex.params if k not in ex.public_params and "seed" in k}
    texts = {p: p.read_text(errors="replace") for p in release.rglob("*") if p.is_file() and p.suffix != ".npz"}
    for name in secret:
        assert not [p for p, text in texts.items() if name in text], f"{name} is named in the release"
    # The similarity report is the instructor's: neither its code nor the packages it needs ship.
    assert not (release / "autograder" / "similarity").exists()
    assert not (release / "autograder" / "commands" / "similarity.py").exists()
    assert "copydetect" not in (release / "pyproject.toml").read_text()


@needs("ex5_hidden_pca")
def test_public_expectations_are_the_references(release):
    """ex5's public PCA check compares with stored values: they are what the grader's PCA gives."""
    from autograder.suites.ex5_hidden_pca.oracle import public_expectations
    from autograder.suites.ex5_hidden_pca.reference import public_pca_cases

    stored, fresh = public_expectations(), public_pca_cases()
    assert set(stored) == set(fresh)
    for key, value in fresh.items():
        if key.startswith("components"):   # a component's sign is arbitrary
            value, got = np.abs(value), np.abs(stored[key])
        elif key.startswith("projected"):
            value, got = np.abs(value), np.abs(stored[key])
        else:
            got = stored[key]
        assert np.allclose(got, value, atol=1e-9), f"public_pca.npz is stale ({key}): run python -m " \
            "autograder.suites.ex5_hidden_pca.reference"
    assert (release / "autograder" / "suites" / "ex5_hidden_pca" / "public_pca.npz").is_file()


def test_release_ships_public_checks_and_no_solutions(release):
    bundle, tmp_path = release, release.parent
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


def test_the_release_holds_the_questions_and_no_answer_key(release):
    """The lessons' questions ship in each exercise's answers.md, blank, as `stubs` writes it; their keys, the
    lessons' explanations, the rubrics and the model answers do not ship anywhere (nor questions.yaml)."""
    from autograder.grading.questions import answers_text, load_questions, read_answers

    files = [p for p in release.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name == "questions.yaml"]
    shipped = "".join(p.read_text(errors="replace") for p in files)
    for exercise in COURSE.exercises.values():
        assert_no_answer_key(exercise, shipped)
        questions = load_questions(exercise)
        if not questions:
            continue
        released = (release / "exercises" / exercise.id / exercise.answers_file).read_text()
        assert answers_text(exercise, questions) in released        # every prompt and option, as generated
        assert set(read_answers(released)) == set(questions) and set(read_answers(released).values()) == {""}
        for q in questions.values():
            assert q.prompt in released


def test_a_student_checks_their_work_and_sees_the_graders_messages(tmp_path):
    run_cli("release", "--out", tmp_path)
    bundle = tmp_path / "rnn-exercises"
    proc = run_cli("check", "ex1_myrnn", cwd=bundle)           # the blank stub, as released
    assert proc.returncode == 0 and "not implemented yet" in proc.stdout
    public = sum(c.points for c in COURSE.exercises["ex1_myrnn"].checks_with("public"))
    assert f"Total: 0 / {public:g}" in proc.stdout              # ex1's public points (course.yaml)

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
