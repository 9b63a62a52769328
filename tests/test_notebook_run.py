"""The released notebooks run as a student runs them (issue 39): in a real kernel with nbclient, the solution code
typed into the cells and never saved, top to bottom: every public check passes, and where the exercise has a
lesson its picture is shown inline, drawn from the code the kernel ran."""
import shutil

import nbformat
import pytest

from autograder.grading.course import load_course
from autograder.grading.notebooks import definition_anchor, find_step_cells, fill, split_at_definitions, split_like
from autograder.publish.authoring import read_zoo, render
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
    if exercise.steps:   # what the %%step cells wrote is the file, and each said which step it wrote
        assert (folder / exercise.files[0]).read_text() == (SOLUTIONS / exercise_id / exercise.files[0]).read_text()
    outputs = {c.metadata.get("nbgrader", {}).get("grade_id"): c.get("outputs", []) for c in typed.cells}
    for check in exercise.checks_with("public"):
        text = "".join(o.get("text", "") for o in outputs[check.name])
        assert f"{check.name}: passed" in text, (check.name, text)
    if (exercise.suite_dir / "lesson.py").is_file():
        shown = outputs[LESSON_ID]
        assert any("image/png" in o.get("data", {}) for o in shown), shown   # the picture, inline


def _given(exercise, folder):
    folder.mkdir(parents=True)
    for name in exercise.given:
        src = exercise.given_path(name)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, folder / name)


STEPPED = [e for e in COURSE.exercises.values() if e.steps]


def test_every_step_is_followed_by_a_public_check():
    """A step with no check right after it is written blind: only the last one may have none, where the
    exercise's lesson cell shows what it does (a training run: the learning curves, the accuracy per format)."""
    for exercise in STEPPED:
        for k, step in enumerate(exercise.steps, 1):
            checked = any(exercise.checks[c].visibility == "public" for c in step.checks)
            last_with_lesson = k == len(exercise.steps) and (exercise.suite_dir / "lesson.py").is_file()
            assert checked or last_with_lesson, (exercise.id, k)


def _typed_mistakes(exercise):
    """Zoo mistakes made by editing the solution, one per step they break first (the first and the last such)."""
    name = exercise.files[0]
    solution = (SOLUTIONS / exercise.id / name).read_text()
    parts = split_at_definitions(render(solution), [s.starts for s in exercise.steps])
    anchors = [definition_anchor(p) for p in parts[1:]]
    step_of = {c: k for k, s in enumerate(exercise.steps, 1) for c in s.checks}
    by_step = {}
    for entry in read_zoo(exercise.zoo, exercise.checks):
        if entry.verdict != "wrong" or (exercise.zoo.parent / entry.name).is_file() or "base" in entry.spec:
            continue
        text = entry.source(exercise.zoo.parent, solution)
        lost = [step_of[c] for c in entry.loses if c in step_of and exercise.checks[c].visibility == "public"]
        if lost:
            by_step.setdefault(min(lost), (entry, text))
    chosen = [by_step[k] for k in sorted(by_step)]
    return [pytest.param(exercise, *chosen[i], id=f"{exercise.id}/{chosen[i][0].name}")
            for i in sorted({0, len(chosen) - 1})] if chosen else []


# one exercise's worth in a kernel (each run grades the whole exercise, hidden training checks included);
# test_notebooks.py holds every stepped exercise's zoo to the same rule without a kernel
@pytest.mark.parametrize("exercise, entry, text", [p for e in STEPPED[:1] for p in _typed_mistakes(e)])
def test_a_mistake_typed_into_a_step_fails_the_check_right_after_it(exercise, entry, text, tmp_path):
    """Run as a student runs it: the mistake typed into its step's cell; the first cell that fails is a check
    of that step, and it names the mistake (the zoo's words for its first lost check)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    folder = tmp_path / exercise.folder
    _given(exercise, folder)
    typed = fill(released(exercise), {exercise.files[0]: text})
    client = NotebookClient(typed, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    with pytest.raises(CellExecutionError):
        client.execute()
    failed = next(c for c in typed.cells if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    check = failed.metadata.get("nbgrader", {}).get("grade_id")
    cells = find_step_cells(typed.cells, exercise.files[0])
    before = max(k for k, c in cells.items() if c.index < typed.cells.index(failed))
    assert check in exercise.steps[before - 1].checks and check in entry.loses, (check, before, entry.name)
    error = next(o for o in failed.outputs if o.get("output_type") == "error")
    says = entry.spec.get("says", "")
    if check == entry.loses[0]:
        for words in [says] if isinstance(says, str) else says:
            assert words in error["evalue"], (words, error["evalue"])
