"""Notebook submissions graded by ``python -m autograder grade``: same verdicts as .py files, clear words for bad files."""
from __future__ import annotations

import csv
import json

import nbformat
import pytest

from autograder.grading.course import load_course
from autograder.publish.nbgrader_course import build_notebook
from autograder.grading.notebooks import NotebookProblem, extract, fill, writefile_line

from .conftest import KIT, SOLUTIONS, checks_by_name, grade, run_cli, write_submission

COURSE = load_course()


def released(exercise_id: str, stepped: bool = True) -> nbformat.NotebookNode:
    """The notebook as students get it: the built notebook with the stub in its solution cell(s).
    ``stepped=False``: as if course.yaml gave the exercise no steps (one %%writefile cell for the file).

    (nbgrader's own release is exercised in test_nbgrader.py; here the code in the
    cell is what matters.)
    """
    import dataclasses

    exercise = COURSE.exercises[exercise_id]
    if not stepped:
        exercise = dataclasses.replace(exercise, steps=())
    nb = build_notebook(COURSE, exercise)
    stubs = {n: (KIT / "exercises" / exercise_id / n).read_text() for n in exercise.files}
    return fill(nb, stubs)


def write_notebook(folder, exercise_id: str, files: dict[str, str], nested: bool = True):
    nb = fill(released(exercise_id), files)
    target = (folder / exercise_id if nested else folder) / f"{exercise_id}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def verdicts(result: dict, exercise: str) -> dict:
    return {n: (t["status"], t["score"], t["output"]) for n, t in checks_by_name(result, exercise).items()}


MUTANT = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text().replace(
    "torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)", "torch.tanh(x_t @ W_xh + h_prev @ W_hh + b)")


def test_extract_reads_the_solution_cell_even_without_its_magic_line(tmp_path):
    nb = released("ex1_myrnn", stepped=False)
    cell = next(c for c in nb.cells if c.source.startswith(writefile_line("myrnn.py")))
    code = cell.source.split("\n", 1)[1]
    cell.source = code  # the student deleted the %%writefile line
    nbformat.write(nb, tmp_path / "ex1_myrnn.ipynb")
    assert extract(tmp_path / "ex1_myrnn.ipynb", ("myrnn.py",)) == {"myrnn.py": code}


@pytest.mark.parametrize("code", ["stub", "mutant"])
def test_notebook_and_py_get_the_same_scores_and_messages(tmp_path, code):
    assert MUTANT != (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text(), "the mutation no longer applies"
    source = (KIT / "exercises" / "ex1_myrnn" / "myrnn.py").read_text() if code == "stub" else MUTANT
    py = grade(write_submission(tmp_path / "py", "ex1_myrnn", {"myrnn.py": source}), exercise="ex1_myrnn")
    # Flat layout, with a stale .py beside it: the notebook is what counts.
    write_notebook(tmp_path / "nb", "ex1_myrnn", {"myrnn.py": source}, nested=False)
    (tmp_path / "nb" / "myrnn.py").write_text((SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text())
    nb = grade(tmp_path / "nb", exercise="ex1_myrnn")
    assert verdicts(nb, "ex1_myrnn") == verdicts(py, "ex1_myrnn")
    assert nb["score"] == py["score"] < nb["max_score"]
    if code == "mutant":
        assert 0 < nb["score"], "the mutant should keep the points of checks rnn_cell does not touch"
        alone = grade(tmp_path / "nb" / "ex1_myrnn.ipynb")  # the notebook file by itself
        assert [e["id"] for e in alone["exercises"]] == ["ex1_myrnn"]
        assert verdicts(alone, "ex1_myrnn") == verdicts(py, "ex1_myrnn")


def _solution_cells_deleted(nb):
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    return nb


def test_bad_notebooks_get_clear_messages_and_the_rest_is_graded(tmp_path):
    """Every exercise but the last handed in damaged, a different way each (in turn); the last, right."""
    sub = tmp_path / "student"
    damage = [  # (writes the notebook, words every check of it must say)
        (lambda ex, path: path.write_text('{"cells": [ {"cell_type": "code", '),              # cut short
         lambda ex: f"{ex.notebook} is damaged: it is not valid JSON"),
        (lambda ex, path: path.write_bytes(b"%PDF-1.5\n\xff\xfe\x00binary"),                   # not text
         lambda ex: f"{ex.notebook} is not a notebook: it is not even a text file"),
        (lambda ex, path: path.write_text(json.dumps({"answer": 42})),                         # JSON, no cells
         lambda ex: f"{ex.notebook} is not a Jupyter notebook"),
        (lambda ex, path: nbformat.write(_solution_cells_deleted(released(ex.id)), path),      # code cells deleted
         lambda ex: f"has no cell that starts with `%%writefile {ex.files[0]}`"),
    ]
    exercises = list(COURSE.exercises.values())
    *broken, right = exercises
    for i, exercise in enumerate(broken):
        write, _ = damage[i % len(damage)]
        path = sub / exercise.notebook if i % 2 else sub / exercise.id / exercise.notebook   # both layouts
        path.parent.mkdir(parents=True, exist_ok=True)
        write(exercise, path)
    write_notebook(sub, right.id, {n: (right.solution_dir / n).read_text() for n in right.files})

    result = grade(sub)
    for i, exercise in enumerate(broken):
        words = damage[i % len(damage)][1](exercise)
        for name, t in checks_by_name(result, exercise.id).items():
            if exercise.checks[name].question and i % len(damage) == 3:
                continue   # only the code cells were deleted: the answer cells are read as they are (test_questions)
            assert t["score"] == 0 and words in t["output"], (exercise.id, name, t["output"])
            assert "Traceback" not in t["output"] and "internal error" not in t["output"]
    last = checks_by_name(result, right.id)
    # every check passed; a written question's answer (the reference's, in the built notebook) awaits a person
    assert all(t["status"] == ("pending" if right.checks[n].by_person else "passed") for n, t in last.items()), \
        {n: t["output"] for n, t in last.items()}
    assert result["score"] == right.max_score - right.by_person_points


CODE = "import torch\n\ndef rnn_cell(x_t, h_prev, W_xh, W_hh, b):\n    return torch.tanh(x_t)\n"


def _solution_cell(nb):
    return next(c for c in nb.cells if c.source.startswith(writefile_line("myrnn.py")))


def _moved_below_the_checks(nb):
    cell = _solution_cell(nb)
    nb.cells.remove(cell)
    nb.cells.append(cell)


def _turned_into_markdown(nb):
    _solution_cell(nb).cell_type = "markdown"
    for key in ("outputs", "execution_count"):
        _solution_cell(nb).pop(key, None)


def _prompts(nb):
    cell = _solution_cell(nb)
    cell.source = writefile_line("myrnn.py") + "\n" + "".join(f">>> {ln}\n" for ln in CODE.splitlines())


def _metadata_is_a_string(nb):
    for c in nb.cells:
        c.metadata["nbgrader"] = "solution"


def _duplicated_id(nb):
    cell = _solution_cell(nb)
    twin = nbformat.from_dict(json.loads(json.dumps(cell)))
    twin.source = writefile_line("myrnn.py") + "\nraise SystemExit('the second copy')\n"
    nb.cells.append(twin)


def _schema_invalid(nb):
    _solution_cell(nb)["unknown_key"] = 1        # not in nbformat's schema
    nb.cells[0].pop("metadata")


READINGS = {  # how the notebook was changed -> the file text the grader must read (None: a NotebookProblem)
    "moved_below_the_checks": (_moved_below_the_checks, CODE),
    "turned_into_markdown": (_turned_into_markdown, CODE),
    "prompts_kept_as_written": (_prompts, "".join(f">>> {ln}\n" for ln in CODE.splitlines())),
    "metadata_is_a_string": (_metadata_is_a_string, CODE),  # falls back to the %%writefile line
    "duplicated_id_first_wins": (_duplicated_id, CODE),
    "schema_invalid_but_readable": (_schema_invalid, CODE),
}


@pytest.mark.parametrize("case", list(READINGS))
def test_the_one_reading_of_a_notebook(case, tmp_path):
    change, expected = READINGS[case]
    nb = fill(released("ex1_myrnn", stepped=False), {"myrnn.py": CODE})
    change(nb)
    path = tmp_path / "ex1_myrnn.ipynb"
    path.write_text(json.dumps(nb))
    assert extract(path, ("myrnn.py",)) == {"myrnn.py": expected}


def _deep(depth):
    return '{"cells": [], "x": ' + "[" * depth + "]" * depth + "}"


DAMAGED = {  # raw file -> words the student reads
    "nested_5000_deep": (_deep(5000).encode(), "nested far deeper"),
    "lone_surrogate": (None, "not valid text"),
    "format_2": (json.dumps({"nbformat": 2, "cells": []}).encode(), "notebook format 2"),
    "cells_of_the_wrong_kind": (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code"}, 7]}).encode(),
                                "has no cell that starts with"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_damaged_notebook_is_a_sentence_not_a_crash(case, tmp_path):
    raw, says = DAMAGED[case]
    if raw is None:
        nb = fill(released("ex1_myrnn"), {"myrnn.py": CODE.replace("return", "return  # \ud83d", 1)})
        raw = json.dumps(nb).encode()  # json.dumps escapes the lone surrogate as \\ud83d: valid JSON, not valid text
    path = tmp_path / "ex1_myrnn.ipynb"
    path.write_bytes(raw)
    with pytest.raises(NotebookProblem, match=says):
        extract(path, ("myrnn.py",))


def test_a_format_3_notebook_is_converted_and_read(tmp_path):
    import nbformat.v3 as v3

    cell = v3.new_code_cell(input=writefile_line("myrnn.py") + "\n" + CODE)
    nb = v3.new_notebook(worksheets=[v3.new_worksheet(cells=[cell])])
    path = tmp_path / "ex1_myrnn.ipynb"
    path.write_text(v3.writes_json(nb))
    assert extract(path, ("myrnn.py",)) == {"myrnn.py": CODE}


def test_batch_grades_an_nbgrader_submitted_folder(tmp_path):
    """nbgrader's submitted/<student>/<assignment>/<notebook> layout, one student per folder."""
    submitted = tmp_path / "submitted"
    write_notebook(submitted / "alice", "ex1_myrnn", {"myrnn.py": (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()})
    (submitted / "bob" / "ex1_myrnn").mkdir(parents=True)
    (submitted / "bob" / "ex1_myrnn" / "ex1_myrnn.ipynb").write_text("not a notebook at all")
    proc = run_cli("batch", submitted, "--out", tmp_path / "out", "--exercise", "ex1_myrnn", "--quiet")
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "out" / "gradebook.csv") as f:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(f)}
    assert totals == {"alice": COURSE.exercises["ex1_myrnn"].max_score, "bob": 0.0}
    report = (tmp_path / "out" / "reports" / "bob.html").read_text()
    assert "is damaged: it is not valid JSON" in report


def test_check_in_the_notebook_judges_the_code_the_kernel_ran(tmp_path, monkeypatch, capsys):
    """In the student's Jupyter, check() judges what the %%writefile cell last wrote (the code just run, no save
    step), says when the saved notebook holds other code (the notebook is handed in), and reads the saved
    notebook where the cell has not been run yet."""
    from autograder import jupyter

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    folder = tmp_path / "work"
    write_notebook(folder, "ex1_myrnn", {"myrnn.py": MUTANT}, nested=False)
    not_run = jupyter._grade("ex1_myrnn", folder)
    assert next(t for t in not_run["tests"] if t["name"] == "rnn_cell_values")["status"] != "passed"
    assert "has not been run yet" in capsys.readouterr().out
    (folder / "myrnn.py").write_text((SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text())  # the cell, run, fixed
    jupyter.check("ex1_myrnn", "rnn_cell_values", folder)   # passes: the code the kernel has now
    assert "save the notebook" in capsys.readouterr().out
    # under nbgrader autograde it grades what the kit's hooks staged, or says why there is nothing
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    (folder / jupyter.PROBLEM_FILE).write_text("ex1_myrnn.ipynb is damaged: it is not valid JSON")
    staged = jupyter._grade("ex1_myrnn", folder)
    assert all(t["score"] == 0 and "not valid JSON" in t["output"] for t in staged["tests"])


def test_of_two_notebooks_the_one_nbgrader_grades_is_graded(tmp_path):
    """<id>.ipynb beside <id>/<id>.ipynb: nbgrader grades the top-level one of an assignment's folder,
    whatever the assignment is called (submitted/<student>/week1/), and <id>/<id>.ipynb of a student's
    folder; grade reads the same one and names the other."""
    from autograder.grading.course import load_course
    from autograder.grading.submission import Submission

    course = load_course()
    ex1 = course.exercises["ex1_myrnn"]
    for folder, graded in ((tmp_path / "submitted" / "ana" / "week1", "top"),
                           (tmp_path / "submitted" / "ben" / "ex1_myrnn", "top"),
                           (tmp_path / "submitted" / "cy", "nested"),
                           (tmp_path / "handin", "nested")):
        write_notebook(folder, "ex1_myrnn", {"myrnn.py": "x = 1\n"}, nested=False)
        write_notebook(folder, "ex1_myrnn", {"myrnn.py": "x = 2\n"}, nested=True)
        sub = Submission(folder, course)
        want = folder / "ex1_myrnn.ipynb" if graded == "top" else folder / "ex1_myrnn" / "ex1_myrnn.ipynb"
        assert sub.notebook_for(ex1) == want, folder
        assert "ignored the other notebook" in sub.notes(ex1)[0]
        sub.cleanup()


# -- notebooks written step by step (course.yaml `steps`): one file from several cells

STEPPED = [e for e in COURSE.exercises.values() if e.steps]


def _step_cells(nb, file_name):
    from autograder.grading.notebooks import find_step_cells

    return {k: nb.cells[c.index] for k, c in find_step_cells(nb.cells, file_name).items()}


@pytest.mark.parametrize("exercise", STEPPED, ids=lambda e: e.id)
def test_a_stepped_notebook_holds_the_file_and_reads_back_exactly(exercise, tmp_path):
    """Every step has its cell, in order, each followed by its checks' graded cells; the cells, joined,
    are the file exactly (the solution, the stub, a zoo entry), read back as grade reads it."""
    from autograder.grading.notebooks import nbgrader_meta
    from autograder.publish.authoring import read_zoo
    from autograder.publish.nbgrader_course import build_notebook as build

    name = exercise.files[0]
    nb = build(COURSE, exercise)
    cells = _step_cells(nb, name)
    assert list(cells) == list(range(1, len(exercise.steps) + 1))
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells]
    for k, step in enumerate(exercise.steps, 1):
        at = nb.cells.index(cells[k])
        assert ids[at + 1: at + 1 + len(step.checks)] == list(step.checks), f"the checks of step {k} follow it"
    solution = (exercise.solution_dir / name).read_text()
    texts = {"solution": solution, "stub": (exercise.release_dir / name).read_text()}
    if exercise.zoo.is_file():
        for entry in read_zoo(exercise.zoo, exercise.checks)[:12]:
            texts[entry.name] = entry.source(exercise.zoo.parent, solution)
    for label, text in texts.items():
        path = tmp_path / exercise.notebook
        nbformat.write(fill(nb, {name: text}), path)
        got = extract(path, exercise.files)[name]
        assert got.split() == text.split(), label  # blank lines between steps as PEP 8 has them
        if label in ("solution", "stub"):
            assert got == text, label


def test_steps_read_by_id_then_by_magic_line_and_a_missing_step_is_empty(tmp_path):
    from autograder.grading.notebooks import join_parts, step_line

    exercise = STEPPED[0] if STEPPED else pytest.skip("no exercise has steps")
    name = exercise.files[0]
    nb = fill(released(exercise.id), {name: (exercise.solution_dir / name).read_text()})
    cells = _step_cells(nb, name)
    parts = {k: c.source.split("\n", 1)[1] for k, c in cells.items()}
    path = tmp_path / exercise.notebook

    def read(notebook):
        path.write_text(json.dumps(notebook))
        return extract(path, exercise.files)[name]

    cells[1].source = parts[1]                       # the magic line deleted: the cell (by its id) as a whole
    assert read(nb) == join_parts(parts.values())
    for c in nb.cells:                               # ids lost: found by their %%step lines
        c.metadata.pop("nbgrader", None)
    cells[1].source = step_line(name, 1) + "\n" + parts[1]
    assert read(nb) == join_parts(parts.values())
    nb.cells.remove(cells[2])                        # a step deleted: its part is empty, the rest is read
    assert read(nb) == join_parts(p for k, p in parts.items() if k != 2)


def test_the_step_magic_writes_the_file_from_the_steps_run_and_the_rest_as_saved(tmp_path, monkeypatch, capsys):
    """%%step: the cells this kernel ran, as last run, and the others as the notebook was saved; the file is
    what the grader reads from the notebook once it is saved."""
    from autograder import jupyter

    exercise = STEPPED[0] if STEPPED else pytest.skip("no exercise has steps")
    name = exercise.files[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(jupyter, "_RAN", {})
    nb = released(exercise.id)                        # saved as released: stubs in every step
    nbformat.write(nb, tmp_path / exercise.notebook)
    solution = fill(nb, {name: (exercise.solution_dir / name).read_text()})
    typed = {k: c.source.split("\n", 1)[1] for k, c in _step_cells(solution, name).items()}
    jupyter.step(f"{name} 1", typed[1])
    out = capsys.readouterr().out
    assert exercise.steps[0].title in out and "as the notebook was last saved" in out
    nbformat.write(fill(nb, {name: (exercise.release_dir / name).read_text()}), tmp_path / "stub.ipynb")
    first = (tmp_path / name).read_text()
    assert first.startswith(typed[1].strip("\n")) and "NotImplementedError" in first.split(typed[1].strip("\n"))[1]
    for k in sorted(typed)[1:]:
        jupyter.step(f"{name} {k}", typed[k])
    assert (tmp_path / name).read_text() == (exercise.solution_dir / name).read_text()
    nbformat.write(solution, tmp_path / exercise.notebook)  # saved: the grader reads the same text
    assert extract(tmp_path / exercise.notebook, exercise.files)[name] == (tmp_path / name).read_text()
    jupyter.step("no number here", "x = 1")
    assert "usage: %%step" in capsys.readouterr().out


def _walk_parts(exercise):
    """(the solution's parts without the solution markers, the stub's parts, anchors) of a stepped file."""
    from autograder.grading.notebooks import definition_anchor, split_at_definitions, split_like
    from autograder.publish.authoring import render

    name = exercise.files[0]
    plain = render((exercise.solution_dir / name).read_text())
    solution = split_at_definitions(plain, [s.starts for s in exercise.steps])
    anchors = [definition_anchor(p) for p in solution[1:]]
    return solution, split_like((exercise.release_dir / name).read_text(), anchors), anchors


@pytest.mark.parametrize("exercise", STEPPED, ids=lambda e: e.id)
def test_a_mistake_typed_into_a_step_is_caught_by_that_steps_checks(exercise):
    """Each zoo mistake made by editing the solution (as a student types it into one cell): the first step
    it changes is the first whose checks it loses; no check of an earlier step is lost. (test_zoo holds each
    entry to losing those checks with its message; test_notebook_run runs some of them in a kernel.)"""
    from autograder.grading.notebooks import split_like
    from autograder.publish.authoring import read_zoo

    solution, _, anchors = _walk_parts(exercise)
    step_of = {c: k for k, s in enumerate(exercise.steps, 1) for c in s.checks}
    public = {c.name for c in exercise.checks_with("public")}
    seen = 0
    for entry in read_zoo(exercise.zoo, exercise.checks):
        if entry.verdict != "wrong" or (exercise.zoo.parent / entry.name).is_file() or "base" in entry.spec:
            continue
        text = entry.source(exercise.zoo.parent, (exercise.solution_dir / exercise.files[0]).read_text())
        parts = split_like(text, anchors)
        broken = min(k for k, (a, b) in enumerate(zip(solution, parts), 1) if a.strip() != b.strip())
        lost = [step_of[c] for c in entry.loses if c in public and c in step_of]
        if lost:
            seen += 1
            assert min(lost) == broken, (entry.name, broken, entry.loses)
    assert seen >= len(exercise.steps) - 1, "the zoo should break most steps in a way a step's check catches"


@pytest.mark.parametrize("exercise", STEPPED, ids=lambda e: e.id)
def test_a_student_going_step_by_step_passes_each_steps_checks_as_they_go(exercise, tmp_path):
    """After writing step k (the later steps still the released stubs), every check of steps 1..k passes:
    a step's checks judge that step and those before it, never one not written yet."""
    from autograder.grading.notebooks import join_parts

    solution, stub, _ = _walk_parts(exercise)
    for k in range(1, len(exercise.steps) + 1):
        text = join_parts(solution[:k] + stub[k:])
        checks = [c for s in exercise.steps[:k] for c in s.checks if exercise.checks[c].visibility == "public"]
        if not checks:
            continue
        sub = write_submission(tmp_path / f"after_step_{k}", exercise.folder, {exercise.files[0]: text})
        result = checks_by_name(grade(sub, exercise=exercise.id, checks=checks), exercise.id)
        failed = {n: t["output"] for n, t in result.items() if t["status"] != "passed"}
        assert not failed, (k, failed)
