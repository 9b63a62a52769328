"""The nbgrader course, end to end with the real (pinned) nbgrader and its sqlite gradebook.

One course is built and run once for the module (``pipeline``):
``python -m autograder nbgrader`` -> ``nbgrader generate_assignment`` -> students
hand in copies of the released notebooks -> ``nbgrader autograde`` ->
``nbgrader export`` (CSV) and ``nbgrader generate_feedback``. The students:

- ``reference``: every exercise, the reference solution in the solution cell;
- ``blank``: every exercise, the released notebook untouched;
- ``cheater`` (ex1): the stub, plus every way we know to fake a pass in the
  kernel: a cell redefining ``check`` (also one with forged "locked" nbgrader
  metadata), a solution cell turned into code that
  patches the grader, a fake ``autograder`` package beside the notebook, and a
  kernelspec the grading machine lacks;
- ``other_kernel`` (ex1): the reference solution, a kernelspec the machine
  lacks and an extra cell: must still get full marks.
"""
from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import shlex
import subprocess
import sys
import shutil

import nbformat
import pytest
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

from autograder.grading.course import load_course
from autograder.grading.notebooks import answer_cell_ids, answers_from_cells, fill, step_line, writefile_line
from autograder.grading.questions import read_answers

from .browser import axe, browser, run_axe  # noqa: F401 - the fixtures, used by name
from .conftest import KIT, SOLUTIONS, assert_no_answer_key, instructor_only_functions, run_cli, solution_region_bodies

COURSE = load_course()
pytestmark = pytest.mark.xdist_group("nbgrader")

FAKE_CHECK = ("import autograder.jupyter as j, builtins\n"
              "j.check = lambda *a, **k: print('passed')\n"
              "j.check_public = lambda *a, **k: None\n"
              "builtins.AssertionError = type('Nope', (Exception,), {})\n")


def nbgrader(course_dir, *args, timeout=900):
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
    return proc


def hand_in(course_dir, student, exercise_id, nb):
    target = course_dir / "submitted" / student / exercise_id / f"{exercise_id}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target.parent


def solution_files(exercise_id):
    return {n: (SOLUTIONS / exercise_id / n).read_text() for n in COURSE.exercises[exercise_id].files}


def answered(nb, exercise_id):
    """``nb`` with the reference's answers typed into its question cells (a choice's letter, a written model answer)."""
    from autograder.grading.questions import load_questions

    exercise = COURSE.exercises[exercise_id]
    questions, ids = load_questions(exercise), answer_cell_ids(exercise)
    for cell in nb.cells:
        q = questions.get(ids.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")))
        if q is not None:
            cell.source = f'answer = "{q.answer}"' if q.kind == "choice" else q.model_answer
    return nb


# ---------------------------------------------------------------- the two-grader corpus
# ex1 hand-ins that nbgrader and `python -m autograder grade` once read differently or
# crashed on. Each (released notebook, target path) -> writes the hand-in.
REFERENCE = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
WRONG = REFERENCE.replace("torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)", "torch.tanh(x_t @ W_xh + h_prev @ W_hh + b)")


def _solution(nb):
    return next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution"))


def _write(nb, target):
    target.write_text(json.dumps(nb))


def _beside_py(released, target):          # a wrong notebook, a correct file beside it
    _write(fill(released, {"myrnn.py": WRONG}), target)
    (target.parent / "myrnn.py").write_text(REFERENCE)


def _moved(released, target):              # the solution cell below the graded cells (and active markdown)
    nb = fill(released, {"myrnn.py": REFERENCE})
    cell = _solution(nb)
    nb.cells.remove(cell)
    nb.cells.append(cell)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell('My notes <img src=x onerror="alert(1)">'))
    _write(nb, target)


def _reads_the_course(released, target):   # code that looks for the instructor's source notebook
    secret = target.parents[3] / "source" / "ex1_myrnn" / "ex1_myrnn.ipynb"
    steal = f"""
try:
    import json as _json
    _cells = _json.load(open({str(secret)!r}))["cells"]
    exec("\\n".join("".join(c["source"]).split("\\n", 1)[1] for c in _cells
                    if "".join(c["source"]).startswith(("%%writefile myrnn.py", "%%step myrnn.py"))))
except OSError:
    pass
"""
    _write(fill(released, {"myrnn.py": WRONG + steal}), target)


def _markdown(released, target):           # the solution cell turned into markdown
    nb = fill(released, {"myrnn.py": REFERENCE})
    cell = _solution(nb)
    cell.cell_type = "markdown"
    cell.pop("outputs", None), cell.pop("execution_count", None)
    _write(nb, target)


def _prompts(released, target):            # every line behind a >>> prompt (IPython would strip them)
    nb = fill(released, {"myrnn.py": "".join(f">>> {ln}\n" for ln in REFERENCE.splitlines())})
    _write(nb, target)


def _metadata_string(released, target):    # nbgrader metadata that is a string
    nb = fill(released, {"myrnn.py": REFERENCE})
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata["nbgrader"] = "solution"
    _write(nb, target)


def _locked_solution(released, target):    # the solution cell re-marked as a locked grade cell
    nb = fill(released, {"myrnn.py": REFERENCE})
    _solution(nb).metadata["nbgrader"].update(locked=True, grade=True, points=5)
    _write(nb, target)


def _deep(released, target):
    target.write_text('{"cells": [], "x": ' + "[" * 5000 + "]" * 5000 + "}")


def _surrogate(released, target):          # a lone surrogate in the code (valid JSON, not valid text)
    nb = fill(released, {"myrnn.py": REFERENCE.replace("import torch", "import torch  # \ud83d", 1)})
    _write(nb, target)


def _not_utf8(released, target):
    target.write_bytes(b"\xff\xfe" + json.dumps(fill(released, {"myrnn.py": REFERENCE})).encode())


def _format_3(released, target):           # nbformat 3, the code in a %%writefile cell
    import nbformat.v3 as v3
    cell = v3.new_code_cell(input=writefile_line("myrnn.py") + "\n" + REFERENCE)
    target.write_text(v3.writes_json(v3.new_notebook(worksheets=[v3.new_worksheet(cells=[cell])])))


def _solution_deleted(released, target):   # no solution cell at all: a clear 0, not the file on disk
    nb = fill(released, {"myrnn.py": REFERENCE})
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    _write(nb, target)
    (target.parent / "myrnn.py").write_text(REFERENCE)


def _metadata_removed(released, target):   # the solution cell lost its nbgrader metadata: read by its magic line
    nb = fill(released, {"myrnn.py": REFERENCE})
    del _solution(nb).metadata["nbgrader"]
    _write(nb, target)


def _nested_too(released, target):         # a second notebook in a folder below: nbgrader's top-level one counts
    _write(fill(released, {"myrnn.py": WRONG}), target)
    (target.parent / "ex1_myrnn").mkdir()
    _write(fill(released, {"myrnn.py": REFERENCE}), target.parent / "ex1_myrnn" / target.name)


def _grade_flag_off(released, target):     # the graded cells' grade flags turned off (and their points)
    nb = fill(released, {"myrnn.py": REFERENCE})
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta["grade"] = False
            meta["points"] = 0
    _write(nb, target)


CORPUS = {"reads_the_course": _reads_the_course, "solution_deleted": _solution_deleted, "metadata_removed": _metadata_removed,
          "beside_py": _beside_py, "moved": _moved, "markdown": _markdown, "prompts": _prompts,
          "metadata_string": _metadata_string, "locked_solution": _locked_solution, "deep": _deep,
          "surrogate": _surrogate, "not_utf8": _not_utf8, "format_3": _format_3, "nested_too": _nested_too,
          "grade_flag_off": _grade_flag_off}


def _snapshot(folder):
    """Every file under ``folder``: its bytes' hash and its mode."""
    return {str(p.relative_to(folder)): [hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode]
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_submitted_is_never_written(pipeline):
    """submitted/ is the students' record: after autograde (damaged notebooks included) and
    generate_feedback, every file is byte for byte as handed in, and none was added."""
    course_dir, _ = pipeline
    before = json.loads((course_dir / "submitted-before.json").read_text())
    assert _snapshot(course_dir / "submitted") == before
    # a notebook nbgrader cannot read was graded from a stand-in in autograded/, not rewritten in place
    from autograder.grading.notebooks import REPAIRED_KEY

    assert "not_utf8/ex1_myrnn/ex1_myrnn.ipynb" in before
    stand_in = json.loads((course_dir / "autograded" / "not_utf8" / "ex1_myrnn" / "ex1_myrnn.ipynb").read_text())
    assert REPAIRED_KEY in stand_in["metadata"]
    assert not list((course_dir / "autograded").rglob("*.original"))


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("nbgrader-course")
    proc = run_cli("nbgrader", "--out", course_dir)
    assert proc.returncode == 0, proc.stderr
    # the whole cycle is printed, and its steps are run exactly as printed (nbgrader: one assignment a run)
    printed = [shlex.split(line)[1:] for line in proc.stdout.splitlines() if line.startswith("  nbgrader ")]
    ids = list(COURSE.exercises)
    assert printed == [["generate_assignment", e] for e in ids] + [["autograde", e] for e in ids] + \
        [["export", "--to", "grades.csv"]] + [["generate_feedback", e] for e in ids], proc.stdout
    steps = {(cmd[0], cmd[-1] if cmd[0] != "export" else None): cmd for cmd in printed}
    for ex_id in ids:
        nbgrader(course_dir, *steps[("generate_assignment", ex_id)])
    for ex_id in COURSE.exercises:
        released = nbformat.read(course_dir / "release" / ex_id / f"{ex_id}.ipynb", as_version=4)
        hand_in(course_dir, "reference", ex_id, answered(fill(released, solution_files(ex_id)), ex_id))
        hand_in(course_dir, "blank", ex_id, released)

    released = nbformat.read(course_dir / "release" / "ex1_myrnn" / "ex1_myrnn.ipynb", as_version=4)
    cheat = fill(released, {"myrnn.py": (KIT / "exercises" / "ex1_myrnn" / "myrnn.py").read_text()})
    cell = _solution(cheat)
    cell.source = FAKE_CHECK + cell.source.split("\n", 1)[1]   # runs in the kernel if not stopped
    cheat.cells.insert(0, nbformat.v4.new_code_cell(FAKE_CHECK))
    forged = {"nbgrader": {"grade": False, "grade_id": "mine", "locked": True, "schema_version": 3,
                           "solution": False, "task": False}}  # passes itself off as a kit cell
    cheat.cells.insert(1, nbformat.v4.new_code_cell(FAKE_CHECK, metadata=forged))
    claim = {"nbgrader": {**forged["nbgrader"], "grade_id": "bonus", "grade": True, "solution": True,
                          "locked": False, "points": 100}}     # a markdown answer worth 100 points
    cheat.cells.insert(2, nbformat.v4.new_markdown_cell("I deserve these points.", metadata=claim))
    cheat.metadata["kernelspec"] = {"name": "conda-env-cheat", "display_name": "x", "language": "python"}
    folder = hand_in(course_dir, "cheater", "ex1_myrnn", cheat)
    (folder / "autograder").mkdir()
    (folder / "autograder" / "__init__.py").write_text("")
    (folder / "autograder" / "jupyter.py").write_text(
        "def check(*a, **k):\n    print('passed')\ndef check_public(*a, **k):\n    pass\n")

    other = fill(released, solution_files("ex1_myrnn"))
    other.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "y", "language": "python"}
    other.cells.insert(3, nbformat.v4.new_code_cell("print('my own notes')"))
    hand_in(course_dir, "other_kernel", "ex1_myrnn", other)

    for student, make in CORPUS.items():
        target = course_dir / "submitted" / student / "ex1_myrnn" / "ex1_myrnn.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        make(released, target)

    (course_dir / "submitted-before.json").write_text(json.dumps(_snapshot(course_dir / "submitted")))
    for ex_id in ids:
        log = nbgrader(course_dir, *steps[("autograde", ex_id)])
        (course_dir / f"autograde-{ex_id}.log").write_text(log.stdout + log.stderr)
    nbgrader(course_dir, *steps[("export", None)])
    log = nbgrader(course_dir, *steps[("generate_feedback", "ex1_myrnn")])   # one exercise's pages: enough here
    (course_dir / "generate_feedback.log").write_text(log.stdout + log.stderr)
    with open(course_dir / "grades.csv", newline="") as f:
        grades = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    return course_dir, grades


def test_source_notebooks_follow_nbgraders_schema_and_course_yaml(tmp_path):
    proc = run_cli("nbgrader", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    for exercise in COURSE.exercises.values():
        nb = nbformat.read(tmp_path / "source" / exercise.id / exercise.notebook, as_version=4)
        nbformat.validate(nb)
        MetadataValidatorV3().validate_nb(nb)
        assert nb.metadata.kernelspec.name == "python3"
        graded = {c.metadata.nbgrader.grade_id: c for c in nb.cells
                  if c.metadata.get("nbgrader", {}).get("grade")}
        assert set(graded) == set(exercise.checks)
        for check in exercise.checks.values():
            cell = graded[check.name]
            assert cell.metadata.nbgrader.points == check.points
            if check.by_person:   # a written answer: the student's own cell, which a person grades in formgrader
                assert cell.cell_type == "markdown" and cell.metadata.nbgrader.solution, check.name
                assert not cell.metadata.nbgrader.locked and cell.source.strip()   # the reference's answer
                continue
            assert cell.metadata.nbgrader.locked
            call = f'check("{exercise.id}", "{check.name}")'
            hidden = f"### BEGIN HIDDEN TESTS\n{call}\n### END HIDDEN TESTS"
            assert (hidden in cell.source) == (check.visibility == "hidden") and call in cell.source
        answers = answer_cell_ids(exercise)   # the questions' answer cells (their own test: tests/test_questions.py)
        solution = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                    and c.metadata.nbgrader.grade_id not in answers]
        assert {c.metadata.nbgrader.grade_id for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")} \
            - {c.metadata.nbgrader.grade_id for c in solution} == set(answers)
        lines = [step_line(exercise.files[0], k) for k in range(1, len(exercise.steps) + 1)] + \
            [writefile_line(n) for n in exercise.files[1 if exercise.steps else 0:]]
        assert [c.source.split("\n", 1)[0] for c in solution] == lines
        assert all("### BEGIN SOLUTION" in c.source for c in solution)
        for name in exercise.given:
            assert (tmp_path / "source" / exercise.id / name).exists()


def test_released_notebooks_hold_no_solution_and_no_hidden_check(pipeline):
    course_dir, _ = pipeline
    for exercise in COURSE.exercises.values():
        text = (course_dir / "release" / exercise.id / exercise.notebook).read_text()
        nb = nbformat.reads(text, as_version=4)
        code = "\n".join(c.source for c in nb.cells)
        for where, body in solution_region_bodies():
            assert body not in code, f"the released notebook contains the solution of {where}"
        for check in exercise.checks_with("hidden"):
            assert f'"{check.name}")' not in code and "HIDDEN TESTS" not in code
        assert_no_answer_key(exercise, code)   # every cell, markdown too
        answers = answers_from_cells(nb.cells, answer_cell_ids(exercise))   # every answer cell, blank
        assert answers is None or set(read_answers(answers).values()) <= {""}, answers
    released = "".join(p.read_text(errors="replace") for p in (course_dir / "release").rglob("*")
                       if p.is_file() and p.suffix in (".py", ".ipynb"))
    for where, name, _ in instructor_only_functions():   # held-out generators, the grader's own PCA
        assert f"def {name}(" not in released and "reference.py" not in released, where


def test_autograde_warns_only_about_cells_a_student_changed(pipeline):
    """Hidden-test cells left as released no longer draw nbgrader's "checksum has changed" (nbgrader#1961)."""
    course_dir, _ = pipeline
    for exercise in COURSE.exercises.values():
        log = (course_dir / f"autograde-{exercise.id}.log").read_text()
        warned = set(re.findall(r"Attribute 'checksum' for cell (\S+) has changed", log))
        # nbgrader's own gradebook code warns of SQLAlchemy sessions on every run: silenced, it hid the kit's lines
        assert "SAWarning" not in log, (exercise.id, log[-2000:])
        if exercise.id != "ex1_myrnn":   # ex2..ex5: the reference and the blank notebook, as released
            assert not warned, (exercise.id, warned)
        else:                            # ex1 also has hand-ins that changed locked cells: those, only
            assert not warned & {c.name for c in exercise.checks_with("hidden")}, warned


def test_autograde_gives_reference_full_marks_and_blank_zero_with_course_totals(pipeline):
    """Full marks on everything the grader scores; the written answers' points wait for a person (next test)."""
    _, grades = pipeline
    for exercise in COURSE.exercises.values():
        ref, blank = grades[("reference", exercise.id)], grades[("blank", exercise.id)]
        assert float(ref["max_score"]) == exercise.max_score
        assert float(ref["score"]) == exercise.max_score - exercise.by_person_points, \
            f"reference lost points on {exercise.id}"
        assert float(blank["score"]) == 0.0
    assert sum(float(grades[("reference", e)]["max_score"]) for e in COURSE.exercises) == COURSE.max_score


def test_written_answers_are_graded_by_hand_in_nbgraders_gradebook(pipeline, tmp_path):
    """A written answer is nbgrader's manually graded cell: after autograde the reference's waits for a person (what
    formgrader lists as needing a manual grade), the blank one as released scores 0 with nothing to grade; a TA's
    mark, entered as formgrader stores it (nbgrader's Gradebook API, on a copy of the course), is in the export."""
    from nbgrader.api import Gradebook

    course_dir, _ = pipeline
    written = [(e, c) for e in COURSE.exercises.values() for c in e.checks.values() if c.by_person]
    if not written:
        pytest.skip("this course has no written question")
    copy = tmp_path / "course"
    shutil.copytree(course_dir, copy, ignore=shutil.ignore_patterns("autograded", "feedback", "corpus", "grade-results"))
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        for exercise, check in written:
            ref = gb.find_grade(check.name, exercise.id, exercise.id, "reference")
            assert ref.needs_manual_grade and ref.max_score == check.points, (exercise.id, check.name)
            blank = gb.find_grade(check.name, exercise.id, exercise.id, "blank")
            assert not blank.needs_manual_grade and blank.score == 0
            ref.manual_score = check.points - 1   # as formgrader saves a TA's mark
            comment = gb.find_comment(check.name, exercise.id, exercise.id, "reference")
            comment.manual_comment = "Say what the baseline is."
        gb.db.commit()
    nbgrader(copy, "export", "--to", "marked.csv")
    with open(copy / "marked.csv", newline="") as f:
        marked = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    for exercise in {e.id: e for e, _ in written}.values():
        person = sum(c.points - 1 for e, c in written if e.id == exercise.id)
        assert float(marked[("reference", exercise.id)]["score"]) == \
            exercise.max_score - exercise.by_person_points + person


def test_a_student_cannot_fake_passes_in_the_kernel(pipeline):
    course_dir, grades = pipeline
    assert float(grades[("cheater", "ex1_myrnn")]["score"]) == 0.0
    assert float(grades[("cheater", "ex1_myrnn")]["max_score"]) == COURSE.exercises["ex1_myrnn"].max_score
    nb = nbformat.read(course_dir / "autograded" / "cheater" / "ex1_myrnn" / "ex1_myrnn.ipynb", as_version=4)
    assert nb.cells[0].source.startswith("# This cell was not run by the grader")
    assert nb.cells[1].source.startswith("# This cell was not run by the grader")
    assert not (course_dir / "autograded" / "cheater" / "ex1_myrnn" / "autograder" / "jupyter.py").exists()


def test_a_kernelspec_the_machine_lacks_does_not_fail_the_cells(pipeline):
    _, grades = pipeline
    assert float(grades[("other_kernel", "ex1_myrnn")]["score"]) == COURSE.exercises["ex1_myrnn"].max_score


def test_the_public_checks_run_from_one_cell(pipeline):
    course_dir, _ = pipeline
    nb = nbformat.read(course_dir / "autograded" / "reference" / "ex1_myrnn" / "ex1_myrnn.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_public")
    out = "".join(o.get("text", "") for o in cell.outputs)
    public = COURSE.exercises["ex1_myrnn"].checks_with("public")
    assert all(c.name in out for c in public)
    assert f"Total: {sum(c.points for c in public):g} / {sum(c.points for c in public):g}" in out


def test_feedback_shows_the_graders_words_but_no_hidden_check_code(pipeline):
    course_dir, _ = pipeline
    autograded = (course_dir / "autograded" / "blank" / "ex1_myrnn" / "ex1_myrnn.ipynb").read_text()
    hidden = [c.name for c in COURSE.exercises["ex1_myrnn"].checks_with("hidden")]
    traceback = "Traceback (most recent call last)"
    assert "BEGIN HIDDEN TESTS" in autograded and traceback in autograded  # what nbgrader alone would show
    page = (course_dir / "feedback" / "blank" / "ex1_myrnn" / "ex1_myrnn.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))  # code is split into highlighting spans
    assert 'check("ex1_myrnn", "rnn_cell_shape")' in text  # a public check's call is shown
    assert "HIDDEN TESTS" not in text and traceback not in text
    for name in hidden:
        assert f'check("ex1_myrnn", "{name}")' not in text
    assert "not implemented yet" in text and "CheckNotPassed" in text
    assert "Submission: ex1_myrnn.ipynb" in text and str(course_dir) not in text  # never the server's path


def test_feedback_shows_the_students_code_as_written_and_names_each_graded_cell(pipeline):
    """The solution cell as the student wrote it (not commented out as the kernel got it), also for a
    notebook nbgrader could not read as it was (its stand-in carries the student's code, not the stub);
    the page's contents list names each graded cell after its check, not "Test cell" 17 times; and
    generate_feedback has nothing to warn about the kit's preprocessors."""
    course_dir, _ = pipeline
    line = "h = torch.tanh(torch.addmm(p_t, h, w_hh_t))"
    assert line in REFERENCE
    for student in ("reference", "locked_solution"):
        page = (course_dir / "feedback" / student / "ex1_myrnn" / "ex1_myrnn.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        code = [ln.strip() for ln in text.splitlines()]
        assert line in code and f"# {line}" not in code, student
        assert "Your code as handed in" in text and "graded in the course's sandbox, not run in this kernel" not in text
        assert "Test cell" not in page, student
        for check in COURSE.exercises["ex1_myrnn"].checks:
            assert f'<a href="#{check}"><code>{check}</code></a>' in page, (student, check)
    log = (course_dir / "generate_feedback.log").read_text()
    assert "not recognized" not in log and "display_data_priority" not in log, log[-3000:]


@pytest.mark.parametrize("student", ["reference", "blank", "cheater"])
def test_feedback_pages_meet_wcag_21_aa_by_axe_core(browser, axe, pipeline, student):
    """The student's feedback page as the kit's course writes it (nbgrader's template, made accessible by
    nbgrader_hooks.FEEDBACK_CHANGES): no serious or critical WCAG 2.1 A/AA violation at 1280, 390 and 320 px,
    for full marks, a blank hand-in (every check failed, with its message) and a hostile one; the page's
    first heading is its title with the score, not the notebook's."""
    course_dir, _ = pipeline
    page = course_dir / "feedback" / student / "ex1_myrnn" / "ex1_myrnn.html"
    found = run_axe(browser, axe, page)
    serious = {w: [v for v in vs if v[1] in ("serious", "critical")] for w, vs in found.items()}
    assert not any(serious.values()), (student, serious)
    first = re.search(r"<h(\d)[^>]*>(.*?)</h\1>", page.read_text(), re.S)
    assert first.group(1) == "1" and first.group(2).startswith("Feedback on ex1_myrnn (Score: "), first.group(0)
    assert '<html lang="en">' in page.read_text()


def test_feedback_code_colours_reach_4_5_to_1():
    """Every colour of Pygments' highlighting on the feedback page (nbgrader's template, the kit's overrides
    where it is too light) has a contrast of at least 4.5:1 on the code's background."""
    from pygments.formatters import HtmlFormatter

    from autograder.publish.nbgrader_hooks import CODE_BACKGROUND, _contrast, readable_code_colours

    css = HtmlFormatter(style="default").get_style_defs(".highlight")
    override = dict(re.findall(r"\.highlight (\.\w+) \{ color: (#\w+); \}", readable_code_colours()))
    colours = re.findall(r"^\.highlight (\.\w+) \{ color: (#[0-9A-Fa-f]{3,6})", css, re.M)
    assert len(colours) > 40 and override, (len(colours), override)
    for token, colour in colours:
        assert _contrast(override.get(token, colour), CODE_BACKGROUND) >= 4.5, (token, colour, override.get(token))


def test_both_graders_give_every_corpus_hand_in_the_same_score(pipeline):
    """nbgrader autograde never aborts, and `grade` on the same submitted folder agrees with it."""
    course_dir, grades = pipeline
    import shutil

    out, corpus = course_dir / "grade-results", course_dir / "corpus"
    for student in CORPUS:  # as handed in (nbgrader only reads submitted/)
        shutil.copytree(course_dir / "submitted" / student, corpus / student)
    proc = run_cli("batch", corpus, "--out", out, "--exercise", "ex1_myrnn", "--jobs", "2",
                   "--quiet", timeout=1200)
    assert proc.returncode == 0, proc.stderr
    ours = {}
    with open(out / "gradebook.csv", newline="") as f:
        for row in csv.DictReader(f):
            ours[row["student"]] = float(row["total"])
            assert row["status"] == "graded", row  # never a grader error (a crash in `grade`)
    full = COURSE.exercises["ex1_myrnn"].max_score
    expected = {"reads_the_course": None, "solution_deleted": 0.0, "metadata_removed": full,
                "beside_py": None, "moved": full, "markdown": full, "prompts": 0.0, "metadata_string": full,
                "locked_solution": full, "deep": 0.0, "surrogate": 0.0, "not_utf8": 0.0, "format_3": full,
                "nested_too": None, "grade_flag_off": full}
    for student, score in expected.items():
        theirs = float(grades[(student, "ex1_myrnn")]["score"])
        assert theirs == ours[student], f"{student}: nbgrader {theirs}, grade {ours[student]}"
        if score is not None:
            assert theirs == score, f"{student}: {theirs}, expected {score}"
    assert 0 < ours["beside_py"] < full  # the wrong notebook is graded, not the correct file beside it
    assert 0 < ours["nested_too"] < full  # nbgrader's notebook, not the one in a folder below it
    assert ours["reads_the_course"] == ours["beside_py"]  # the source notebook stayed out of reach: WRONG's score
    feedback = (course_dir / "feedback" / "moved" / "ex1_myrnn" / "ex1_myrnn.html").read_text()
    assert "My notes" in feedback and "&lt;img" in feedback  # shown as text ...
    assert not re.search(r"<img[^>]*onerror", feedback)   # ... never as an element with a handler
    from .conftest import grade
    assignment = grade(corpus / "nested_too" / "ex1_myrnn", exercise="ex1_myrnn")  # the assignment folder itself
    assert assignment["score"] == ours["nested_too"]
    assert "ignored the other notebook ex1_myrnn/ex1_myrnn.ipynb" in assignment["exercises"][0]["notes"][0]
    report = (out / "reports" / "beside_py.html").read_text()
    assert "ignored myrnn.py handed in beside the notebook" in report
    nb = (course_dir / "autograded" / "beside_py" / "ex1_myrnn" / "ex1_myrnn.ipynb").read_text()
    assert "ignored myrnn.py handed in beside the notebook" in nb  # nbgrader's feedback says so too
    assert "nested far deeper" in (out / "reports" / "deep.html").read_text()


def test_feedback_keeps_nothing_active_from_the_students_markdown(tmp_path):
    from nbformat.v4 import new_markdown_cell, new_notebook

    from autograder.publish.nbgrader_hooks import InertStudentContent

    nb = new_notebook(cells=[new_markdown_cell('<img src=x onerror="alert(1)"> [a](javascript:alert(2)) '
                                               '<script>alert(3)</script> [ok](https://example.org)')])
    cell, _ = InertStudentContent().preprocess_cell(nb.cells[0], {}, 0)
    assert "<img" not in cell.source and "<script" not in cell.source and "javascript:" not in cell.source
    assert "](https://example.org)" in cell.source


# ---------------------------------------------------------------- a grader failure is never a 0 (issue 40)

def _kit_with_a_broken_check(dest):
    """A whole copy of the kit whose ex1 lists a public check with no test function: the grader cannot judge
    it (a grader error, never the student's), which the copy's notebooks ask about like any other check."""
    import shutil

    import yaml

    for part in ("autograder", "solutions", "exercises"):
        shutil.copytree(KIT / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
    raw = yaml.safe_load((KIT / "course.yaml").read_text())
    raw["exercises"]["ex1_myrnn"]["checks"]["ghost"] = {"points": 1, "visibility": "public",
                                                       "summary": "a check the grader has no code for"}
    (dest / "course.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return dest


def _nbgrader_with(kit, course_dir, *args):
    import os

    env = {**os.environ, "PYTHONPATH": str(kit)} if kit else {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, capture_output=True,
                          text=True, timeout=900, env=env)


def test_a_grader_failure_is_reported_and_never_scored_0(tmp_path):
    """autograde with a grader that cannot judge a check: nbgrader says so, names the student, exits non-zero,
    and the gradebook holds no score for them (not 0); nbgrader with another kit than the course folder's
    refuses before grading, in words."""
    from nbgrader.api import Gradebook, MissingEntry

    kit = _kit_with_a_broken_check(tmp_path / "kit")
    course_dir = tmp_path / "course"
    proc = run_cli("nbgrader", "--out", course_dir, kit=kit, cwd=kit)
    assert proc.returncode == 0, proc.stderr
    made = _nbgrader_with(kit, course_dir, "generate_assignment", "ex1_myrnn")
    assert made.returncode == 0, made.stderr[-3000:]
    released = nbformat.read(course_dir / "release" / "ex1_myrnn" / "ex1_myrnn.ipynb", as_version=4)
    hand_in(course_dir, "ana", "ex1_myrnn", fill(released, solution_files("ex1_myrnn")))

    graded = _nbgrader_with(kit, course_dir, "autograde", "ex1_myrnn")
    said = graded.stdout + graded.stderr
    assert graded.returncode != 0, said[-3000:]
    assert "gave no verdict for ana's ex1_myrnn" in said and "ghost" in said, said[-3000:]
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        with pytest.raises(MissingEntry):
            gradebook.find_submission("ex1_myrnn", "ana")   # no submission: no score, so no 0 either

    other = _nbgrader_with(None, course_dir, "autograde", "ex1_myrnn")   # the machine's kit, not the folder's
    said = other.stdout + other.stderr
    assert other.returncode != 0 and "this course folder was built with the kit at" in said, said[-3000:]
    assert str(kit) in said and "Traceback" not in said, said[-3000:]
