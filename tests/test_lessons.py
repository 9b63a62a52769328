"""What the lessons promise, drawn from the student's own code by ``check`` (grading/lessons.py, issue 39).

ex2: the learning curves of the student's LSTM and vanilla RNN at the grader's budget, against 1/6; ex5:
the student's own PCA figure of the kit's trained model. Each picture comes with a text that says it in
numbers; it is drawn once the public checks pass, and not drawn again for unchanged code.
"""
import re
import shutil

import pytest

from autograder.grading.course import load_course
from autograder.publish.nbgrader_course import LESSON_ID, build_notebook

from .conftest import KIT, SOLUTIONS, run_cli

COURSE = load_course()
LESSONS = [e for e in COURSE.exercises.values() if (e.suite_dir / "lesson.py").is_file()]


def _copy(tmp_path, exercise_id, source=SOLUTIONS):
    """The exercise's own files and given files, as a student's folder has them: nothing else that may lie in
    ``source`` (a picture and its record drawn there by another run would make this one "unchanged")."""
    exercise = COURSE.exercises[exercise_id]
    (tmp_path / "work" / exercise_id).mkdir(parents=True)
    for name in exercise.files + exercise.given:
        origin, target = source / exercise_id / name, tmp_path / "work" / exercise_id / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():       # ex3's data/names
            shutil.copytree(origin, target)
        elif origin.is_file():
            shutil.copy(origin, target)
    return tmp_path / "work"


def test_check_ex2_draws_the_learning_curves_of_the_students_own_models(tmp_path):
    work = _copy(tmp_path, "ex2_adding")
    proc = run_cli("check", "ex2_adding", "--dir", work, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shown = re.search(r"learning curves of your LSTM and vanilla RNN: (\S+\.png)", proc.stdout)
    assert shown, proc.stdout
    png = shown.group(1)
    assert open(png, "rb").read(4) == b"\x89PNG"
    # said in numbers: the LSTM far below the baseline, the vanilla RNN at it, as the lesson promises
    lstm = float(re.search(r"Your LSTM: .*?new problems ([0-9.]+)", proc.stdout).group(1))
    rnn = float(re.search(r"Your vanilla RNN: .*?new problems ([0-9.]+)", proc.stdout).group(1))
    assert lstm < 1 / 60 and rnn > 1 / 12, proc.stdout
    again = run_cli("check", "ex2_adding", "--dir", work, timeout=300)
    assert "unchanged since it was drawn" in again.stdout and png in again.stdout, again.stdout


def test_check_ex5_shows_the_students_own_pca_picture(tmp_path):
    work = _copy(tmp_path, "ex5_hidden_pca")
    proc = run_cli("check", "ex5_hidden_pca", "--dir", work, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shown = re.search(r"hidden states: (\S+\.png)", proc.stdout)
    assert shown and open(shown.group(1), "rb").read(4) == b"\x89PNG", proc.stdout
    share = float(re.search(r"PC1 explains ([0-9.]+)%", proc.stdout).group(1))
    separation = float(re.search(r"AUC ([0-9.]+)", proc.stdout).group(1))
    assert 0 < share < 100 and 0.5 <= separation <= 1, proc.stdout


@pytest.mark.parametrize("exercise_id, shown, says", [
    ("ex3_names", r"confusion matrix: (\S+\.png)", r"names the language of ([0-9.]+)% of \d+ held-out names"),
    ("ex4_dates", r"accuracy per input format: (\S+\.png)", r"writes ([0-9.]+)% of \d+ new dates exactly right")])
def test_check_draws_the_trained_models_picture(exercise_id, shown, says, tmp_path):
    """ex3: the confusion matrix and each language's accuracy; ex4: the exact match per input format."""
    work = _copy(tmp_path, exercise_id)
    proc = run_cli("check", exercise_id, "--dir", work, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    png = re.search(shown, proc.stdout)
    assert png and open(png.group(1), "rb").read(4) == b"\x89PNG", proc.stdout
    share = float(re.search(says, proc.stdout).group(1))
    assert 50 < share <= 100, proc.stdout   # the reference: about 75% (ex3) and 100% (ex4)


def test_no_picture_until_the_public_checks_pass_and_none_when_told(tmp_path):
    work = _copy(tmp_path, "ex2_adding", source=KIT / "exercises")   # the blank stub
    proc = run_cli("check", "ex2_adding", "--dir", work, timeout=300)
    assert "drawn once its public checks pass" in proc.stdout, proc.stdout
    assert not list(work.rglob("*.png"))
    solved = _copy(tmp_path / "solved", "ex5_hidden_pca")
    quiet = run_cli("check", "ex5_hidden_pca", "--dir", solved, "--no-lesson", timeout=300)
    assert quiet.returncode == 0 and not list(solved.rglob("*.png")), quiet.stdout


@pytest.mark.parametrize("exercise", LESSONS, ids=lambda e: e.id)
def test_the_notebook_draws_the_lesson_in_a_cell_of_its_own(exercise):
    cells = build_notebook(COURSE, exercise).cells
    lesson = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == LESSON_ID]
    assert len(lesson) == 1 and f'lesson("{exercise.id}")' in lesson[0].source
    assert not lesson[0].metadata["nbgrader"]["grade"]   # it scores nothing
