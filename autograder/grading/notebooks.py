"""Notebook submissions: one reading of a notebook, for every grader.

Every released notebook (``nbgrader_course.py``) is named after its exercise
(``ex1_myrnn.ipynb``) and holds, per student file, one *solution cell* whose
first line is the IPython magic ``%%writefile myrnn.py``: the rest of the cell
is the file. An exercise with ``steps`` in course.yaml holds its first file in
*step cells* instead, one per step, each starting ``%%step myrnn.py 2`` (the
kit's magic, ``autograder.jupyter``): the file is their parts joined in step
order (``join_parts``), exactly the text the magic writes when every step cell
has been run.

``extract`` (and ``files_from_cells`` for a notebook already in memory) is the
one function that says what code a notebook submission holds; ``grade``, the
nbgrader hooks and a notebook's own ``check()`` all go through it, so all of
them grade the same text:

- the solution cell is the first cell, of any type, whose nbgrader grade_id is
  the file's (nbgrader keeps the first of duplicated ids); its position does
  not matter. A notebook whose cells lost that metadata falls back to the last
  code cell whose first line is ``%%writefile <file>``. Step cells are found the
  same way, per step (grade_id ``solution_myrnn_py_step2``, else the last
  ``%%step myrnn.py 2`` cell); a notebook with any step cell for a file is read
  by its steps (a missing step is an empty part), one without by its solution cell;
- the file is the cell's text after the ``%%writefile`` line, as written: IPython
  is never involved (it would strip ``>>>`` prompts; the grader does not);
- ``.py`` files handed in beside a notebook are never used (the report says so);
- a damaged notebook (not JSON, nested too deep, not text, an old format that
  cannot be converted, no solution cell, code that is not valid text) is a
  ``NotebookProblem`` with a sentence for the student, never a crash. nbformat 3
  is converted. The JSON schema is not enforced: a notebook whose cells can be
  read is graded, whatever else is wrong with it (the nbgrader hooks repair it
  the same way before nbgrader reads it).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

MAGIC = "%%writefile"
STEP_MAGIC = "%%step"
REPAIRED_KEY = "rnn_kit_repaired"   # notebook metadata: sha256 of the unreadable original kept beside it


def solution_cell_id(file_name: str) -> str:
    """nbgrader's grade_id of the cell holding ``file_name`` (letters, digits, _ only)."""
    return "solution_" + "".join(c if c.isalnum() else "_" for c in file_name)


def writefile_line(file_name: str) -> str:
    return f"{MAGIC} {file_name}"


def step_cell_id(file_name: str, step: int) -> str:
    """nbgrader's grade_id of the cell holding step ``step`` (1-based) of ``file_name``."""
    return f"{solution_cell_id(file_name)}_step{step}"


def step_line(file_name: str, step: int) -> str:
    return f"{STEP_MAGIC} {file_name} {step}"


def step_of(source: str) -> tuple[str, int] | None:
    """(file, step) a cell's ``%%step`` line names (None when it has none, or a malformed one)."""
    first = source.split("\n", 1)[0].split()
    if len(first) != 3 or first[0] != STEP_MAGIC or not first[2].isdigit() or int(first[2]) < 1:
        return None
    return first[1], int(first[2])


def join_parts(parts) -> str:
    """A stepped file's text from its parts in step order, blank lines between them as PEP 8 has
    them (two before a top-level definition, one before a method), so the solution's parts join
    back into the solution's exact text. A cell holds its part without blank lines around it."""
    kept = [p.strip("\n") for p in parts if p.strip()]
    text = kept[0] if kept else ""
    for part in kept[1:]:
        text += ("\n\n" if part[:1].isspace() else "\n\n\n") + part
    return text + "\n" if text else ""


_DEFINITION = re.compile(r"^(\s*)(?:async\s+def|def|class)\s+(\w+)")


def _cut_above(lines: list[str], index: int) -> int:
    """Where a part starting at the definition on line ``index`` begins: with the comments and
    decorators right above it (they belong to it), after any blank line."""
    while index > 0 and lines[index - 1].strip().startswith(("#", "@")):
        index -= 1
    return index


def _split_at(lines: list[str], cuts: list[int | None]) -> list[str]:
    """Lines cut before each of ``cuts`` (in order; None: an empty part); part 1 is everything before."""
    parts, last = [], 0
    bounds = []
    for cut in cuts:
        bounds.append(None if cut is None or cut < last else cut)
        last = bounds[-1] if bounds[-1] is not None else last
    starts = [0] + [b for b in bounds]
    ends = []
    for i in range(len(starts)):
        later = [b for b in bounds[i:] if b is not None]
        ends.append(later[0] if later else len(lines))
    for start, end in zip(starts, ends):
        parts.append("" if start is None else "".join(lines[start:end]))
    return parts


def split_at_definitions(text: str, starts: list[str]) -> list[str]:
    """The solution's text cut into one part per step: step k (k >= 2) from the definition named
    ``starts[k-1]`` (a qualified name: ``MyRNN.forward``) with its comments; step 1 from the top.
    ValueError when a name is not defined in the text, or the names are out of order."""
    import ast

    tree = ast.parse(text)
    found: dict[str, int] = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                found.setdefault(prefix + child.name, first - 1)
                visit(child, prefix + child.name + ".")
    visit(tree, "")
    lines = text.splitlines(keepends=True)
    cuts = []
    for name in starts[1:]:
        if name not in found:
            raise ValueError(f"the step starting at {name} has no definition of that name in the file")
        cuts.append(_cut_above(lines, found[name]))
    if cuts != sorted(cuts) or starts[0] not in found or (cuts and found[starts[0]] >= cuts[0]):
        raise ValueError(f"the steps {', '.join(starts)} are not in the file's order")
    return _split_at(lines, cuts)


def definition_anchor(code: str) -> tuple[str, str] | None:
    """(indent, name) of the first definition in a step's code: where a step begins in any version of
    the file (``fill``). None when the code defines nothing."""
    for line in code.splitlines():
        match = _DEFINITION.match(line)
        if match:
            return match.group(1), match.group(2)
    return None


def split_like(text: str, anchors: list[tuple[str, str] | None]) -> list[str]:
    """Any version of a stepped file cut where the released steps begin (``anchors`` of steps 2..N):
    each at the next definition of the same name and indentation. A step whose definition is not
    found gets an empty part (its code stays in the step before)."""
    lines = text.splitlines(keepends=True)
    cuts, at = [], 0
    for anchor in anchors:
        hit = None
        if anchor is not None:
            for i in range(at, len(lines)):
                match = _DEFINITION.match(lines[i])
                if match and (match.group(1), match.group(2)) == anchor:
                    hit = _cut_above(lines, i)
                    break
        if hit is not None and hit >= at:
            at = hit + 1
            cuts.append(hit)
        else:
            cuts.append(None)
    return _split_at(lines, cuts)


class NotebookProblem(Exception):
    """The notebook cannot be graded; the message says why, for the student."""


@dataclass(frozen=True)
class SolutionCell:
    index: int          # position among the notebook's cells
    code: str           # the file's text (the cell without its %%writefile line)


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata ({} for a cell nbgrader does not know, or metadata of the wrong type)."""
    return _as_dict(_as_dict(_as_dict(cell).get("metadata")).get("nbgrader"))


def cell_source(cell) -> str:
    """A cell's text: nbformat stores a string or a list of lines; anything else reads as empty."""
    source = _as_dict(cell).get("source", "")
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _writes(source: str) -> str | None:
    """The file a cell's ``%%writefile`` line names (None when it has none)."""
    first = source.split("\n", 1)[0].strip()
    if not first.startswith(MAGIC + " "):
        return None
    args = first[len(MAGIC):].split()
    return args[-1] if args and not args[-1].startswith("-") else None


def cell_code(source: str) -> str:
    """A solution cell's file text: everything after the ``%%writefile`` (or ``%%step``) line.

    A cell whose magic line was deleted or edited is taken as a whole:
    students cannot make the grader run anything but the file.
    """
    first, _, rest = source.partition("\n")
    return rest if first.strip().startswith((MAGIC, STEP_MAGIC)) else source


def find_step_cells(cells: list, file_name: str) -> dict[int, SolutionCell]:
    """For a stepped file, step number -> the cell holding that step (see the module's docstring)."""
    out: dict[int, SolutionCell] = {}
    prefix = solution_cell_id(file_name) + "_step"
    for i, c in enumerate(cells):
        grade_id = nbgrader_meta(c).get("grade_id")
        if isinstance(grade_id, str) and grade_id.startswith(prefix) and grade_id[len(prefix):].isdigit():
            out.setdefault(int(grade_id[len(prefix):]), SolutionCell(i, cell_code(cell_source(c))))
    marked = set(out)
    for i, c in enumerate(cells):
        named = step_of(cell_source(c)) if _as_dict(c).get("cell_type") == "code" else None
        if named and named[0] == file_name and named[1] not in marked:
            out[named[1]] = SolutionCell(i, cell_code(cell_source(c)))
    return dict(sorted(out.items()))


def find_solution_cells(cells: list, file_names: tuple[str, ...]) -> dict[str, SolutionCell]:
    """For each student file, the cell holding it (see the module's docstring for the rule)."""
    out: dict[str, SolutionCell] = {}
    for name in file_names:
        steps = find_step_cells(cells, name)
        if steps:
            parts = [steps[k].code if k in steps else "" for k in range(1, max(steps) + 1)]
            out[name] = SolutionCell(min(c.index for c in steps.values()), join_parts(parts))
            continue
        marked = [i for i, c in enumerate(cells) if nbgrader_meta(c).get("grade_id") == solution_cell_id(name)]
        written = [i for i, c in enumerate(cells)
                   if _as_dict(c).get("cell_type") == "code" and _writes(cell_source(c)) == name]
        index = marked[0] if marked else written[-1] if written else None
        if index is not None:
            out[name] = SolutionCell(index, cell_code(cell_source(cells[index])))
    return out


def parse(raw: bytes, label: str) -> dict:
    """A notebook's JSON as a format-4 dict with a list of cells, or NotebookProblem saying what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookProblem(f"{label} is not a notebook: it is not even a text file. Submit the .ipynb "
                              "file Jupyter saves, not an export (PDF, HTML) or an archive.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        what = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg  # "Invalid control character at"
        raise NotebookProblem(f"{label} is damaged: it is not valid JSON ({what} on line {exc.lineno}, "
                              f"column {exc.colno}). Open it in Jupyter; if it does not open, copy your "
                              "code into a fresh copy of the released notebook.") from None
    except RecursionError:
        raise NotebookProblem(f"{label} is damaged: its JSON is nested far deeper than any notebook. Copy "
                              "your code into a fresh copy of the released notebook.") from None
    if not isinstance(data, dict):
        raise NotebookProblem(f"{label} is not a Jupyter notebook. Submit the released notebook with your "
                              "code in it.")
    major = data.get("nbformat")
    if major == 3 or (major is None and "worksheets" in data):
        data = _from_v3(data, label)
    elif major not in (4, None):
        raise NotebookProblem(f"{label} is in notebook format {str(major)[:20]}, which the grader cannot read. "
                              "Open it in a current Jupyter and save it again.")
    if not isinstance(data.get("cells"), list):
        raise NotebookProblem(f"{label} is not a Jupyter notebook (it has no list of cells). "
                              "Submit the released notebook with your code in it.")
    return data


def _from_v3(data: dict, label: str) -> dict:
    import nbformat

    try:
        return json.loads(nbformat.writes(nbformat.convert(nbformat.from_dict(data), 4), version=4))
    except Exception:  # noqa: BLE001 - nbformat raises many types; all mean "cannot convert"
        raise NotebookProblem(f"{label} is an old (format 3) notebook that could not be converted. Open it "
                              "in a current Jupyter and save it again (nbformat 4).") from None


def files_from_cells(cells: list, file_names: tuple[str, ...], label: str) -> dict[str, str]:
    """The student files a notebook's cells hold, name -> text; NotebookProblem when they cannot be had."""
    found = find_solution_cells(cells, file_names)
    missing = [n for n in file_names if n not in found]
    if missing:
        lines = " and ".join(f"`{writefile_line(n)}` (or `{step_line(n, 1)}`, step by step)" for n in missing)
        raise NotebookProblem(f"{label} has no cell that starts with {lines}: the cell with your "
                              "code may have been deleted or its first line changed. Put your code back "
                              "in a cell that starts with that line (copy it from a fresh copy of the "
                              "released notebook).")
    for name, cell in found.items():
        try:
            cell.code.encode("utf-8")
        except UnicodeEncodeError as exc:
            line = cell.code.count("\n", 0, exc.start) + 1
            raise NotebookProblem(f"{label}: line {line} of the cell holding {name} has a character that is "
                                  "not valid text (a broken emoji or accent?). Retype that line.") from None
    return {name: cell.code for name, cell in found.items()}


def extract(path: Path, file_names: tuple[str, ...], label: str | None = None) -> dict[str, str]:
    """The student files a notebook holds, name -> text; NotebookProblem when there are none."""
    label = label or path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookProblem(f"{label} could not be read ({exc.strerror or exc})") from None
    return files_from_cells(parse(raw, label)["cells"], file_names, label)


def answer_cell_id(check) -> str:
    """The grade_id of the cell a student answers a lesson question in (grading/questions.py): a written
    answer's cell is itself the graded cell (nbgrader's manually graded answer), so it bears the check's name;
    a choice's is ``answer_<name>``, and the check's name is its graded cell's, which asks the grader."""
    return check.name if check.by_person else f"answer_{check.name}"


def answer_cell_ids(exercise) -> dict[str, str]:
    """grade_id -> question name, for every answer cell of the exercise's notebook."""
    return {answer_cell_id(c): c.name for c in exercise.checks.values() if c.question}


def answers_from_cells(cells: list, ids: dict[str, str]) -> str | None:
    """The notebook's answer cells (``ids``: grade_id -> question) as the text of an answers file (one
    ``## <question>`` section each, read by ``questions.read_answers``); None when the notebook has none."""
    from autograder.grading.questions import ANSWER_MARK

    parts = []
    for cell in cells:
        question = ids.get(str(nbgrader_meta(cell).get("grade_id", "")))
        if question is not None:
            text = cell_source(cell)
            if _as_dict(cell).get("cell_type") == "code":   # a choice: `answer = "b"`, read, never run
                text = _string_assigned(text)
            parts.append(f"## {question}\n\n{ANSWER_MARK}\n\n{text}\n")
    return "\n".join(parts) if parts else None


def _string_assigned(code: str) -> str:
    """The string a choice question's code cell assigns (``answer = "b"``), read from its syntax; "" if none."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        found = re.search(r"""=\s*['"]([^'"\n]*)['"]""", code)
        return found.group(1) if found else ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    return ""


def answers_in(path: Path, ids: dict[str, str]) -> str | None:
    """The answers a notebook holds (``answers_from_cells``); NotebookProblem when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookProblem(f"{path.name} could not be read ({exc.strerror or exc})") from None
    return answers_from_cells(parse(raw, path.name)["cells"], ids)


def repaired_original(path: Path) -> Path | None:
    """The student's own file, where the nbgrader hooks replaced an unreadable notebook (else None).

    ``nbgrader_hooks.read_submissions`` keeps it beside the notebook as
    ``<name>.ipynb.original`` and stamps the replacement with its hash, so that
    every later reading (``grade``, a second autograde) reads the student's file.
    """
    original = path.with_name(path.name + ".original")
    if not original.is_file():
        return None
    try:
        stamp = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get(REPAIRED_KEY)
    except (OSError, ValueError, AttributeError):
        return None
    return original if stamp == hashlib.sha256(original.read_bytes()).hexdigest() else None


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
        steps = find_step_cells(nb.cells, name)
        if not steps:
            nb.cells[cell.index].source = f"{writefile_line(name)}\n{files[name]}"
            continue
        # the code cut where the notebook's own steps begin, as a student would have typed it
        numbers = sorted(steps)
        parts = split_like(files[name], [definition_anchor(steps[k].code) for k in numbers[1:]])
        for k, part in zip(numbers, parts):
            nb.cells[steps[k].index].source = f"{step_line(name, k)}\n{part.strip(chr(10))}\n"
    return nb
