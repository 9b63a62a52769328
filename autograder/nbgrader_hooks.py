"""The kit's part of nbgrader's configuration (``configure``) and its two preprocessors.

nbgrader alone trusts the student's kernel: a student can add a cell that
redefines ``check``, turn their solution cell into code that patches
``AssertionError``, ship a ``torch.py`` that shadows the real one, or submit
a notebook naming a kernel the grading machine lacks. So, during ``autograde``:

- ``OnlyKitCells`` (while sanitising) makes the only code the kernel runs the
  kit's own: every solution cell is forced to start with its ``%%writefile``
  line (so its body is written to the file, never executed), and every cell
  the student added is commented out;
- ``RemoveStrayCode`` (before execution) removes Python files that are neither
  the exercise's given files nor its student files from the working folder;
- the notebook's kernelspec is the course's (nbgrader's OverwriteKernelspec,
  and ``Execute.kernel_name``), and cells have the time the course allows.

And in ``generate_feedback``, ``ScrubHiddenTests`` removes the hidden checks'
code from the cells and every traceback from the outputs, keeping only the
grader's message, so feedback never shows how a hidden check is written.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, Execute, GetGrades, IgnorePattern, LimitOutput,
                                    NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor

from .course import load_course
from .nbgrader_course import CHECK_PUBLIC_ID, KERNELSPEC, TASK_TEXT_ID
from .notebooks import cell_code, nbgrader_meta, solution_cell_id, writefile_line

NEUTRALISED = "# This cell was not run by the grader: only the notebook's own cells run when grading.\n"


def _kit_exercise(resources):
    """The kit's exercise a notebook belongs to (None for a notebook the kit did not build)."""
    return load_course().exercises.get(resources["nbgrader"]["notebook"])


class OnlyKitCells(NbGraderPreprocessor):
    """While sanitising, after OverwriteCells: the kernel will run the kit's cells, nothing else.

    nbgrader has by now put back the source of every locked cell from the
    gradebook, by its id. So the kit's own cells are known by id; every other
    code cell is commented out, and nbgrader metadata the student forged on it
    (say, "locked" with an id of their own, which nbgrader would refuse) is dropped.
    Solution cells get their ``%%writefile`` line back: their code is written to
    the file for the grader's sandbox, never run in the kernel.
    """

    def preprocess(self, nb, resources):
        exercise = _kit_exercise(resources)
        if exercise is None:
            return nb, resources
        solution_ids = {solution_cell_id(name): name for name in exercise.files}
        kit_ids = {*exercise.checks, CHECK_PUBLIC_ID, *solution_ids}
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if "nbgrader" in cell.get("metadata", {}) and grade_id not in kit_ids | {TASK_TEXT_ID}:
                del cell.metadata["nbgrader"]
            if cell.cell_type != "code":
                continue
            if grade_id in solution_ids:
                cell.source = f"{writefile_line(solution_ids[grade_id])}\n{cell_code(cell.source)}"
            elif grade_id not in kit_ids:
                cell.source = NEUTRALISED + "\n".join(f"# {ln}" for ln in cell.source.splitlines())
        return nb, resources


class RemoveStrayCode(NbGraderPreprocessor):
    """Before execution, in the autograded folder: no Python file the student put beside the notebook.

    The kernel's working folder is on its import path, so a submitted ``torch.py``
    or ``autograder/`` package would stand in for the real one.
    """

    def preprocess(self, nb, resources):
        exercise = _kit_exercise(resources)
        if exercise is None:
            return nb, resources
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        keep = {folder / name for name in exercise.given} | {folder / name for name in exercise.files}
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if any(path == k or k in path.parents for k in keep):
                continue
            if path.is_file() and path.suffix in (".py", ".pyc", ".so", ".pth"):
                self.log.warning("Removing %s: submitted code beside the notebook is not run", path)
                path.unlink()
            elif path.is_dir() and path.name == "__pycache__":
                shutil.rmtree(path, ignore_errors=True)
        return nb, resources


class ScrubHiddenTests(ClearHiddenTests):
    """For feedback: no hidden check's code in the cells, no traceback in the outputs."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and nbgrader_meta(cell).get("grade"):
            self._remove_hidden_test_region(cell)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


def configure(c, course_id: str = "rnn") -> None:
    """Set nbgrader's configuration ``c`` for the kit's course (called from nbgrader_config.py)."""
    course = load_course()
    c.CourseDirectory.course_id = course_id
    # Solution regions use the kit's delimiters (nbgrader's defaults, stated here on purpose).
    c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
    c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
    # The first graded cell to run grades the whole exercise (later cells reuse the
    # verdicts): allow twice the course's largest time budget, plus start-up.
    c.Execute.timeout = int(2 * max(e.time_limit for e in course.exercises.values()) + 120)
    c.Execute.kernel_name = KERNELSPEC["name"]
    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, OnlyKitCells, CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [
        RemoveStrayCode, Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    c.GenerateFeedback.preprocessors = [ScrubHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]
