"""Notebook submissions: where a released notebook keeps the student's code.

Every released notebook (``nbgrader_course.py``) is named after its exercise
(``ex1_myrnn.ipynb``) and holds, per student file, one *solution cell* whose
first line is the IPython magic ``%%writefile myrnn.py``: the rest of the cell
is the file. Running the cell writes the file beside the notebook; it never
executes the student's code in the kernel (that only happens in the grader's
sandbox, as for a ``.py`` submission).

The grader reads a notebook with ``extract`` and grades the files it holds
exactly as it grades ``.py`` files, so scores and messages are the same. The
nbgrader hooks (``nbgrader_hooks.py``) use the same rule to decide which cell
is the solution, so both graders see the same code.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MAGIC = "%%writefile"


def notebook_name(exercise_id: str) -> str:
    return f"{exercise_id}.ipynb"


def solution_cell_id(file_name: str) -> str:
    """nbgrader's grade_id of the cell holding ``file_name`` (letters, digits, _ only)."""
    return "solution_" + "".join(c if c.isalnum() else "_" for c in file_name)


def writefile_line(file_name: str) -> str:
    return f"{MAGIC} {file_name}"


class NotebookProblem(Exception):
    """The notebook cannot be graded; the message says why, for the student."""


@dataclass(frozen=True)
class SolutionCell:
    index: int          # position among the notebook's cells
    code: str           # the file's text (the cell without its %%writefile line)


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata ({} for a cell nbgrader does not know)."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def _writes(source: str) -> str | None:
    """The file a cell's ``%%writefile`` line names (None when it has none)."""
    first = source.split("\n", 1)[0].strip()
    if not first.startswith(MAGIC + " "):
        return None
    args = first[len(MAGIC):].split()
    return args[-1] if args and not args[-1].startswith("-") else None


def cell_code(source: str) -> str:
    """A solution cell's file text: everything after the ``%%writefile`` line.

    A cell whose magic line was deleted or edited is taken as a whole, which is
    also what the nbgrader hooks write to the file: students cannot make the
    grader run anything but the file.
    """
    first, _, rest = source.partition("\n")
    return rest if first.strip().startswith(MAGIC) else source


def find_solution_cells(cells: list[dict], file_names: tuple[str, ...]) -> dict[str, SolutionCell]:
    """For each student file, the cell holding it.

    The cell nbgrader marks as the file's solution cell wins (by its grade_id);
    without one (a notebook the student rebuilt) the last cell whose first line
    is ``%%writefile <file>``, the one that wrote the file last when run top to bottom.
    """
    out: dict[str, SolutionCell] = {}
    marked: set[str] = set()
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")  # nbformat has joined a list of lines into one string
        grade_id = nbgrader_meta(cell).get("grade_id")
        for name in file_names:
            if grade_id == solution_cell_id(name):
                out[name] = SolutionCell(i, cell_code(source))
                marked.add(name)
            elif name not in marked and _writes(source) == name:
                out[name] = SolutionCell(i, cell_code(source))
    return out


def read_cells(path: Path) -> list[dict]:
    """The cells of a notebook file, or NotebookProblem saying in words what is wrong with it."""
    import nbformat

    label = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookProblem(f"{label} could not be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookProblem(f"{label} is not a notebook: it is not even a text file. Submit the .ipynb "
                              "file Jupyter saves, not an export (PDF, HTML) or an archive.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookProblem(f"{label} is damaged: it is not valid JSON ({exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}). Open it in Jupyter; if it does not open, copy your "
                              "code into a fresh copy of the released notebook.") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookProblem(f"{label} is not a Jupyter notebook (it has no list of cells). "
                              "Submit the released notebook with your code in it.")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises several types; all mean "not a valid notebook"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookProblem(f"{label} is not a valid notebook ({reason[:200]}). Open it in Jupyter "
                              "and save it again, or copy your code into the released notebook.") from None
    return [dict(c) for c in nb.cells]


def extract(path: Path, file_names: tuple[str, ...]) -> dict[str, str]:
    """The student files a notebook holds, name -> text; NotebookProblem when there are none."""
    cells = find_solution_cells(read_cells(path), file_names)
    missing = [n for n in file_names if n not in cells]
    if missing:
        lines = " and ".join(f"`{writefile_line(n)}`" for n in missing)
        raise NotebookProblem(f"{path.name} has no cell that starts with {lines}: the cell with your "
                              "code may have been deleted or its first line changed. Put your code back "
                              "in a cell that starts with that line.")
    return {name: cell.code for name, cell in cells.items()}


def fill(nb, files: dict[str, str]):
    """A copy of a released notebook (nbformat node) with ``files``' code in their solution cells.

    What a student hands in after doing the work; the kit's tests and benchmark
    build their notebook submissions with it.
    """
    import copy

    nb = copy.deepcopy(nb)
    cells = find_solution_cells(nb.cells, tuple(files))
    missing = set(files) - set(cells)
    if missing:
        raise NotebookProblem(f"no solution cell for {', '.join(sorted(missing))}")
    for name, cell in cells.items():
        nb.cells[cell.index].source = f"{writefile_line(name)}\n{files[name]}"
    return nb
