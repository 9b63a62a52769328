"""The released notebooks run as a student runs them (issue 39): in a real kernel with nbclient, the solution code
typed into the cells and never saved, top to bottom: every public check passes, and where the exercise has a
lesson its picture is shown inline, drawn from the code the kernel ran."""
import shutil

import nbformat
import pytest

from autograder.grading.course import load_course
from autograder.grading.notebooks import fill
from autograder.publish.nbgrader_course import LESSON_ID, build_notebook

from .conftest import SOLUTIONS

COURSE = load_course()
# ex1: the most checks; ex2 and ex5: a figure inline (ex3's and ex4's lessons train longer: test_lessons.py)
RUN = ["ex1_myrnn", "ex2_adding", "ex5_hidden_pca"]


def released(exercise) -> nbformat.NotebookNode:
    """The notebook as students get it: the source notebook without the hidden checks' cells."""
    nb = build_notebook(COURSE, exercise)
    nb.cells = [c for c in nb.cells if "### BEGIN HIDDEN TESTS" not in c.source]
    return nb


@pytest.mark.parametrize("exercise_id", RUN)
def test_a_student_runs_the_notebook_top_to_bottom_without_saving(exercise_id, tmp_path):
    from nbclient import NotebookClient

    exercise = COURSE.exercises[exercise_id]
    folder = tmp_path / exercise.folder
    folder.mkdir()
    for name in exercise.given:   # handed out beside the notebook, as the release does
        src = exercise.given_path(name)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / name)
    typed = fill(released(exercise), {n: (SOLUTIONS / exercise_id / n).read_text() for n in exercise.files})
    client = NotebookClient(typed, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    client.execute()   # raises CellExecutionError at the first cell that fails: a check that did not pass
    assert not (folder / exercise.notebook).exists(), "the notebook was saved: the checks must not need that"
    outputs = {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("outputs", []) for c in typed.cells}
    for check in exercise.checks_with("public"):
        text = "".join(o.get("text", "") for o in outputs[check.name])
        assert f"{check.name}: passed" in text, (check.name, text)
    if (exercise.suite_dir / "lesson.py").is_file():
        shown = outputs[LESSON_ID]
        assert any("image/png" in o.get("data", {}) for o in shown), shown   # the picture, inline
