"""The kit's part of nbgrader's configuration (``configure``) and its two preprocessors.

nbgrader alone trusts the student's kernel and the files on disk: a student can
add a cell that redefines ``check``, turn their solution cell into code that
patches ``AssertionError``, ship a ``torch.py`` that shadows the real one, hand
in a correct ``myrnn.py`` beside a wrong notebook, or submit a notebook nbgrader
cannot even read. So, during ``autograde``:

- ``read_submissions`` (nbgrader's pre-convert hook, before nbgrader reads a
  notebook) reads each submitted notebook with the kit's one reader
  (``notebooks``), exactly as ``python -m autograder grade`` does, and keeps
  the verdict (the student's files, or why there are none). For a notebook nbgrader
  would abort on, nbgrader reads the released notebook in its place
  (``KitNotebookExporter``, in memory): ``submitted/`` is the students' record and
  is never written; ``autograded/<student>/<id>/<id>.ipynb`` is that stand-in, graded
  with the kit's verdict on the student's own file;
- ``OnlyKitCells`` (while sanitising) makes the only code the kernel runs the
  kit's own: the solution cells and every cell the student added are
  commented out (the student's code runs only in the grader's sandbox);
- ``StageStudentFiles`` (before execution) removes every Python file from the
  working folder but the exercise's given files, and writes the student files
  from the verdict: a ``.py`` handed in beside the notebook is never graded;
- the notebook's kernelspec is the course's (nbgrader's OverwriteKernelspec,
  and ``Execute.kernel_name``), and cells have the time the course allows.

And in ``generate_feedback``, ``ShowStudentCode`` shows the solution cells as the student
wrote them (not commented out, as the kernel got them); the page names each graded cell
after its check (``feedback_template``); ``ScrubHiddenTests`` removes the hidden checks'
code from the cells and every traceback from the outputs, keeping only the
grader's message, so feedback never shows how a hidden check is written, and
``InertStudentContent`` leaves nothing active (HTML, scripts, event handlers,
javascript: links) from the student's markdown and outputs in the page.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, Execute, GetGrades, IgnorePattern, LimitOutput,
                                    NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from traitlets import List

from autograder.grading.course import load_course
from autograder.publish.nbgrader_course import KERNELSPEC, TASK_TEXT_ID, kit_cell_ids, solution_ids
from autograder import jupyter
from autograder.grading.notebooks import (REPAIRED_KEY, NotebookProblem, answer_cell_ids, answers_from_cells,
                                          files_from_cells, fill, nbgrader_meta, parse, repaired_original)

NEUTRALISED = "# This cell was not run by the grader: only the notebook's own cells run when grading.\n"
SOLUTION_NOT_RUN = ("# Your code from this cell is graded in the course's sandbox, not run in this kernel.\n")
SOLUTION_SHOWN = "# Your code as handed in (graded in the course's sandbox, not run in the notebook's kernel)\n"


def _verdict(raw: bytes, label: str, exercise) -> tuple[dict | None, dict]:
    """(the notebook's JSON or None if unreadable, {"files": ...} or {"problem": ...}): the one reading."""
    try:
        data = parse(raw, label)
    except NotebookProblem as exc:
        return None, {"problem": str(exc)}
    # the lesson questions' answers, read as text from their cells (nothing of them runs): answers.md for the grader
    answers = {"answers": answers_from_cells(data["cells"], answer_cell_ids(exercise))} if exercise.answers_file else {}
    try:
        return data, {"files": files_from_cells(data["cells"], exercise.files, label), **answers}
    except NotebookProblem as exc:
        return data, {"problem": str(exc), **answers}


_VERDICTS: dict[tuple[str, str], dict] = {}   # (student, exercise) -> the reading, from hook to preprocessor


def _nbgrader_can_read(data: dict, exercise) -> bool:
    """Whether nbgrader would grade this notebook as it is: UTF-8 text, nbformat's schema, valid
    nbgrader metadata, every graded cell of the kit present, its solution cells still plain solution cells."""
    import nbformat

    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        nb = nbformat.from_dict(data)
        nbformat.validate(nb)
        from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
        validator = MetadataValidatorV3()
        students = set(solution_ids(exercise))
        present = {nbgrader_meta(c).get("grade_id") for c in nb.cells}
        if not set(exercise.checks) <= present:  # a graded cell deleted: nbgrader would score it as missing
            return False
        for cell in nb.cells:
            if "nbgrader" in cell.get("metadata", {}):
                validator.validate_cell(cell)
                meta = cell.metadata.nbgrader
                if meta.get("grade_id") in students and (meta.get("locked") or meta.get("grade")
                                                             or not meta.get("solution")):
                    return False
                check = exercise.checks.get(meta.get("grade_id"))
                # a graded cell whose grade flag or points were edited: nbgrader aborts on it
                if check is not None and (meta.get("grade") is not True or meta.get("points") != check.points):
                    return False
        return True
    except Exception:  # noqa: BLE001 - any failure means nbgrader would abort on it
        return False


_STAND_INS: dict[str, dict] = {}   # submitted notebook (resolved path) -> what nbgrader reads instead


def read_submissions(assignment=None, student=None, notebooks=()):
    """nbgrader's pre-convert hook for autograde: the kit's reading of every submitted notebook, first.

    The reading (files, or why there are none) is kept for ``StageStudentFiles``.
    A notebook nbgrader would read as it is is read as it is. For one it would abort
    on, ``KitNotebookExporter`` hands nbgrader the released notebook instead; the
    submitted file is only read, here and by ``python -m autograder grade`` (the same verdict).
    """
    import logging

    import nbformat

    course = load_course()
    for path in map(Path, notebooks):
        exercise = course.exercises.get(path.stem)
        if exercise is None or path.name != exercise.notebook:
            continue
        try:
            # a course directory from an earlier kit may hold a replaced notebook, the student's beside it
            source = repaired_original(path) or path
            raw = source.read_bytes()
            data, verdict = _verdict(raw, path.name, exercise)
            # submitted/<student>/<assignment>/<notebook>: nbgrader's layout (the hook's own ``student``
            # argument is the command line's pattern, not this notebook's student)
            _VERDICTS[(path.parent.parent.name, exercise.id)] = verdict
            _STAND_INS.pop(str(path.resolve()), None)
            if data is None or not _nbgrader_can_read(data, exercise):
                # nbgrader would abort on it: it reads the released notebook instead (in memory)
                released = Path("release") / exercise.folder / path.name
                nb = nbformat.read(released, as_version=4) if released.is_file() else nbformat.v4.new_notebook()
                if "files" in verdict:  # the feedback's "Student's answer" is what they handed in
                    try:
                        nb = fill(nb, verdict["files"])
                    except NotebookProblem:
                        pass
                nb.metadata[REPAIRED_KEY] = hashlib.sha256(raw).hexdigest()
                _STAND_INS[str(path.resolve())] = nb
        except Exception:  # noqa: BLE001 - never abort autograde for one student: say so, grade what we can
            logging.getLogger("autograder").exception("could not read %s", path)


class KitNotebookExporter(NotebookExporter):
    """nbgrader's exporter for autograde, which reads a submitted notebook nbgrader would abort on
    as the released notebook (``read_submissions``' stand-in) and every other one from its file."""

    _stand_in = None

    def from_filename(self, filename, resources=None, **kw):
        self._stand_in = _STAND_INS.get(str(Path(filename).resolve()))
        try:
            return super().from_filename(filename, resources=resources, **kw)
        finally:
            self._stand_in = None

    def from_file(self, file_stream, resources=None, **kw):
        if self._stand_in is None:
            return super().from_file(file_stream, resources=resources, **kw)
        import copy

        return self.from_notebook_node(copy.deepcopy(self._stand_in), resources=resources, **kw)


def _kit_exercise(resources):
    """The kit's exercise a notebook belongs to (None for a notebook the kit did not build)."""
    return load_course().exercises.get(resources["nbgrader"]["notebook"])


class RestoreHiddenTests(NbGraderPreprocessor):
    """Before OverwriteCells: a hidden-test cell the student left as released is not "changed".

    nbgrader records a grade cell's checksum before it clears the hidden tests, and
    OverwriteCells compares that with the checksum of the cell as handed in, which
    has no hidden tests (jupyter/nbgrader#1961): every hidden-test cell of every
    student drew "Attribute 'checksum' ... has changed!". A cell whose text and
    checksum are exactly as released gets its recorded text back here, which is what
    OverwriteCells would put there; a cell the student did change is left to
    OverwriteCells, whose warning then means what it says.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.utils import compute_checksum

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            for cell in nb.cells:
                meta = nbgrader_meta(cell)
                if not meta.get("grade") or not meta.get("locked") or not isinstance(meta.get("grade_id"), str):
                    continue
                try:
                    recorded = gradebook.find_source_cell(meta["grade_id"], info["notebook"], info["assignment"])
                    released = nbformat_cell(cell.cell_type, recorded.source)
                    if not ClearHiddenTests()._remove_hidden_test_region(released):
                        continue  # no hidden tests: nothing nbgrader would misread
                    as_released = cell.source == released.source and meta.get("checksum") == compute_checksum(cell)
                except (MissingEntry, RuntimeError, KeyError, TypeError, ValueError):
                    continue
                if as_released:
                    cell.source = recorded.source
                    cell.metadata.nbgrader["checksum"] = recorded.checksum
        return nb, resources


def nbformat_cell(cell_type: str, source: str):
    from nbformat import v4

    return v4.new_code_cell(source) if cell_type == "code" else v4.new_markdown_cell(source)


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
        students = solution_ids(exercise)
        # the lesson cell where the notebook has one (nbgrader restored its source): a no-op under autograde
        kit_ids = kit_cell_ids(exercise) | set(students)
        answers = set(answer_cell_ids(exercise))   # the questions' answer cells: a written one is graded by hand
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if "nbgrader" in cell.get("metadata", {}) and grade_id not in kit_ids | answers | {TASK_TEXT_ID}:
                del cell.metadata["nbgrader"]
            if cell.cell_type != "code":
                continue
            if grade_id in students or grade_id not in kit_ids:
                header = SOLUTION_NOT_RUN if grade_id in students else NEUTRALISED
                cell.source = header + "\n".join(f"# {ln}" for ln in cell.source.splitlines())
        return nb, resources


class StageStudentFiles(NbGraderPreprocessor):
    """Before execution, in the autograded folder: the student's files are what the notebook holds.

    Every Python file but the exercise's given files goes (the kernel's working
    folder is on its import path, so a submitted ``torch.py`` or ``autograder/``
    package would stand in for the real one, and a ``myrnn.py`` handed in beside
    the notebook would be graded instead of it). Then the student files are
    written from the kit's reading of the submitted notebook (``read_submissions``),
    or the reason there are none is left for ``autograder.jupyter.check``.
    """

    def preprocess(self, nb, resources):
        exercise = _kit_exercise(resources)
        if exercise is None:
            return nb, resources
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        keep = {folder / name for name in exercise.given}
        beside = [name for name in exercise.files if (folder / name).is_file()]
        (folder / jupyter.NOTES_FILE).unlink(missing_ok=True)
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if any(path == k or k in path.parents for k in keep):
                continue
            if path.is_file() and (path.suffix in (".py", ".pyc", ".so", ".pth") or path.name == jupyter.PROBLEM_FILE):
                if path.name not in exercise.files:
                    self.log.warning("Removing %s: submitted code beside the notebook is not run", path)
                path.unlink()
            elif path.is_dir() and path.name == "__pycache__":
                shutil.rmtree(path, ignore_errors=True)
        student = str(resources["nbgrader"].get("student"))
        if beside:  # shown by the Check-your-work cell, so the feedback says it too
            (folder / jupyter.NOTES_FILE).write_text(
                f"ignored {', '.join(beside)} handed in beside the notebook: only the notebook's solution "
                "cell is graded\n", encoding="utf-8")
        verdict = _VERDICTS.pop((student, exercise.id), None) or {  # None: read_submissions failed
            "problem": "the grader could not read this notebook; your instructor has been told"}
        if exercise.answers_file:   # the answers the kit read from the notebook's cells, never a file beside it
            (folder / exercise.answers_file).unlink(missing_ok=True)
            if verdict.get("answers") is not None:
                (folder / exercise.answers_file).write_text(verdict["answers"], encoding="utf-8")
        if "files" in verdict:  # files_from_cells gives every student file, or raises
            for name, text in verdict["files"].items():
                (folder / name).write_text(text, encoding="utf-8")
        else:
            (folder / jupyter.PROBLEM_FILE).write_text(verdict["problem"], encoding="utf-8")
        return nb, resources


class GraderFailed(Exception):
    """A kit cell said the grader gave no verdict for this student: their autograde stops here."""


class NoGraderFailures(NbGraderPreprocessor):
    """After Execute, before SaveAutoGrades: a grader failure is never scored.

    A kit cell that raised ``jupyter.GraderUnavailable`` (the grader could not run, is
    another course's kit, does not know the exercise or the check, or failed on its side)
    means the graded cells hold no verdict. nbgrader would record each as a 0; instead this
    student's autograde stops with the reason (nbgrader logs it, lists the student among
    its failures and exits non-zero). A first grading leaves no submission in the gradebook
    (nbgrader counts a grade with no score as 0); a regrade keeps the scores already there.
    Students' cells never run in the kernel (``OnlyKitCells``), so only the kit can raise it.
    """

    def preprocess(self, nb, resources):
        exercise = _kit_exercise(resources)
        if exercise is None:
            return nb, resources
        kit_ids = kit_cell_ids(exercise)
        reasons = [f"{nbgrader_meta(cell).get('grade_id')}: {output.get('evalue', '')}"
                   for cell in nb.cells if nbgrader_meta(cell).get("grade_id") in kit_ids
                   for output in cell.get("outputs", [])
                   if output.get("output_type") == "error" and output.get("ename") == "GraderUnavailable"]
        if not reasons:
            return nb, resources
        info = resources["nbgrader"]
        kept = _forget_first_grading(info)
        raise GraderFailed(
            f"the course's grader gave no verdict for {info['student']}'s {info['assignment']} "
            f"({len(reasons)} cell{'s' if len(reasons) != 1 else ''}), so no score is recorded for it"
            + (" (the scores of the earlier grading are kept)" if kept else "")
            + ". Not the student's doing: fix the grader and run `nbgrader autograde "
            f"{info['assignment']} --student {info['student']} --force` again. First reason: {reasons[0][:1500]}")


def _forget_first_grading(info) -> bool:
    """Remove a submission whose grades have no score yet (a first grading); whether one had scores (kept)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(info["db_url"]) as gradebook:
        try:
            submission = gradebook.find_submission(info["assignment"], info["student"])
        except MissingEntry:
            return False
        scored = any(grade.auto_score is not None or grade.manual_score is not None
                     for notebook in submission.notebooks for grade in notebook.grades)
        if not scored:
            gradebook.remove_submission(info["assignment"], info["student"])
        return scored


class FeedbackPreprocessor(NbGraderPreprocessor):
    """A preprocessor of generate_feedback's list. nbconvert's exporter configures every preprocessor's
    ``display_data_priority``; nbgrader's base class declares it not configurable, so each of its
    subclasses drew "Config option `display_data_priority` not recognized" (nbgrader's GetGrades
    declares it as here)."""

    display_data_priority = List(['text/html', 'application/pdf', 'text/latex', 'image/svg+xml', 'image/png',
                                  'image/jpeg', 'text/plain'], config=True)


class InertStudentContent(FeedbackPreprocessor):
    """For feedback: nothing the student wrote is active in the page (no HTML, scripts, handlers, js links).

    Markdown keeps its formatting, but every ``<`` is shown as text, and links or
    images may only lead to http(s). Outputs keep plain text and PNG/JPEG images.
    """

    SAFE_OUTPUTS = ("text/plain", "image/png", "image/jpeg")

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type in ("markdown", "raw") and nbgrader_meta(cell).get("grade_id") != TASK_TEXT_ID:
            text = cell.source.replace("&", "&amp;").replace("<", "&lt;")
            cell.source = re.sub(r"\]\(\s*(?!https?://)[^)]*\)", "](#link-removed)", text)
            cell.pop("attachments", None)
        for output in cell.get("outputs", []):
            if "data" in output:
                output["data"] = {k: v for k, v in output["data"].items() if k in self.SAFE_OUTPUTS}
        return cell, resources


class ShowStudentCode(FeedbackPreprocessor):
    """For feedback: the solution cells as the student wrote them. OnlyKitCells commented them out
    so that the kernel would not run them; the page is for reading, so it shows them as code."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and cell.source.startswith(SOLUTION_NOT_RUN):
            lines = cell.source[len(SOLUTION_NOT_RUN):].split("\n")
            cell.source = SOLUTION_SHOWN + "\n".join(ln[2:] if ln.startswith("# ") else ln for ln in lines)
        return cell, resources


class ScrubHiddenTests(ClearHiddenTests, FeedbackPreprocessor):
    """For feedback: no hidden check's code in the cells, no traceback in the outputs."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and nbgrader_meta(cell).get("grade"):
            self._remove_hidden_test_region(cell)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


FEEDBACK_TEMPLATE = "rnn_kit_feedback"


# The student's feedback page meets WCAG 2.1 AA (tests/test_nbgrader.py runs axe-core on real ones): what
# nbgrader's page lacks, added to its own template. A change is made where its text is found, so a later
# nbgrader's template still gives a page (the test then says what is missing).
FEEDBACK_STYLE = """
/* rnn-kit: WCAG 2.1 AA (contrast 4.5:1, links told by more than colour, nothing that scrolls without the
   keyboard reaching it) */
div.nbgrader_cell .panel-heading a { color: #ffffff; text-decoration: underline; }
/* a cell's heading grows with its text (a phone wraps the score below the label), never white on white */
div.nbgrader_cell .panel-heading { height: auto; min-height: 37px; display: flow-root; }
a, a.anchor-link { text-decoration: underline; }
pre, div.output_area pre, div.input_area pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
div.output_scroll { height: auto; overflow: visible; box-shadow: none; }
</style>"""
CODE_BACKGROUND = "#f5f5f5"   # nbconvert's classic input area, where the highlighted code sits


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        h = colour.lstrip("#")
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_code_colours(background: str = CODE_BACKGROUND, least: float = 4.6) -> str:
    """CSS that darkens each of Pygments' default colours (the code's highlighting on nbconvert's page) that
    is below 4.5:1 on the code's background, keeping its hue: comments, exceptions, decorators and a dozen
    more are at 4.4 there. Computed from Pygments itself, so a new token colour is covered too."""
    import re

    from pygments.formatters import HtmlFormatter

    rules = []
    for token, colour in re.findall(r"^\.highlight (\.\w+) \{ color: (#[0-9A-Fa-f]{3,6})",
                                    HtmlFormatter(style="default").get_style_defs(".highlight"), re.M):
        h = colour.lstrip("#")
        rgb = [int(c * 2, 16) for c in h] if len(h) == 3 else [int(h[i:i + 2], 16) for i in (0, 2, 4)]
        darker = rgb
        while _contrast("#%02x%02x%02x" % tuple(darker), background) < least:
            darker = [int(c * 0.9) for c in darker]
        if darker != rgb:
            rules.append(f".highlight {token} {{ color: #{'%02x%02x%02x' % tuple(darker)}; }}")
    return "\n".join(rules)


FEEDBACK_CHANGES = (
    ('">Test cell</a>', '"><code>{{ cell.metadata.nbgrader.grade_id }}</code></a>'),  # each check by its name
    ("<html>", '<html lang="en">'),
    ("</style>\n\n</head>", FEEDBACK_STYLE.replace("</style>", "{READABLE_CODE}\n</style>") + "\n\n</head>"),
    # the page's title first (the score was an h4 above the notebook's own h1), in a banner landmark with the
    # contents as a navigation one (the notebook is nbconvert's main)
    ('<div class="panel-heading">\n        <h4>{{ resources.nbgrader.notebook }} (Score:',
     '<header class="panel-heading">\n        <h1 class="h4">Feedback on {{ resources.nbgrader.notebook }} (Score:'),
    (" | float | round(2) }})</h4>", " | float | round(2) }})</h1>"),
    ('<div id="toc">', '<nav id="toc" aria-label="graded cells">'),
    ('</ol>\n        </div>\n      </div>\n      <div class="panel-body">',
     '</ol>\n        </nav>\n      </header>\n      <div class="panel-body">'),
)


def feedback_template(root: Path = Path(".")) -> list[str] | None:
    """nbgrader's feedback template with its table of contents naming each graded cell by its check
    ("rnn_cell_shape", not 17 times "Test cell") and the page made to meet WCAG 2.1 AA (FEEDBACK_CHANGES):
    derived from the installed nbgrader's own template (so it follows nbgrader's upgrades) into
    .rnn-kit/templates/ of the course folder. None (nbgrader's page as it is) where its template is not the
    one expected or that folder cannot be written."""
    import nbgrader

    templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    try:
        text = (templates / "feedback" / "index.html.j2").read_text()
        if FEEDBACK_CHANGES[0][0] not in text:
            return None
        target = root / ".rnn-kit" / "templates" / FEEDBACK_TEMPLATE
        target.mkdir(parents=True, exist_ok=True)
        named, colours = text, readable_code_colours()
        for old, new in FEEDBACK_CHANGES:
            named = named.replace(old, new.replace("{READABLE_CODE}", colours))
        for name, content in (("index.html.j2", named), ("conf.json", (templates / "feedback" / "conf.json").read_text())):
            if not (target / name).is_file() or (target / name).read_text() != content:
                (target / name).write_text(content)
        return [str(target.parent.resolve()), str(templates)]
    except OSError:
        return None


class KitMismatch(SystemExit):
    """nbgrader_config.py names another kit than the one nbgrader imported: nothing is graded."""


def _quiet_gradebook_warnings() -> None:
    """nbgrader's own gradebook code (nbgrader/api.py) trips SQLAlchemy 2's "Object ... not in session" warning
    on every autograde: harmless to the grades, and it buried the lines that matter in the log."""
    import warnings

    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:
        return
    warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")


def configure(c, course_id: str = "rnn", root=None, kit: str | None = None) -> None:
    """Set nbgrader's configuration ``c`` for the kit's course (called from nbgrader_config.py;
    ``root``: the course folder, that file's own, where the kit keeps its feedback template; ``kit``: the
    kit the folder was built with, which must be the one imported here, else nbgrader stops in words)."""
    import os

    from autograder.grading.course import KIT_ROOT

    if kit is not None and Path(kit).resolve() != KIT_ROOT.resolve():
        raise KitMismatch(
            f"nbgrader_config.py: this course folder was built with the kit at {kit}, but this nbgrader imports "
            f"the kit at {KIT_ROOT}. Grading with another kit could judge with other checks or fail on every "
            f"cell, so nothing is done. Run nbgrader from that kit's environment ({kit}/.venv/bin/nbgrader), "
            f"or rebuild the folder's notebooks with this kit: python -m autograder nbgrader --out <this folder> "
            "(submitted/ and the gradebook stay).")
    os.environ[jupyter.KIT_ENV] = str(KIT_ROOT)   # the kernels nbgrader starts check that they run this kit
    _quiet_gradebook_warnings()
    course = load_course()
    c.CourseDirectory.course_id = course_id
    # Solution regions use the kit's delimiters (nbgrader's defaults, stated here on purpose).
    c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
    c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
    # The first graded cell to run grades the whole exercise (later cells reuse the
    # verdicts): allow twice the course's largest time budget, plus start-up.
    c.Execute.timeout = int(2 * max(e.time_limit for e in course.exercises.values()) + 120)
    c.Execute.kernel_name = KERNELSPEC["name"]
    c.Autograde.pre_convert_hook = read_submissions
    c.Autograde.exporter_class = KitNotebookExporter   # submitted/ is only read
    c.Autograde.sanitize_preprocessors = [
        ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreHiddenTests, OverwriteCells, OnlyKitCells,
        CheckCellMetadata]
    c.Autograde.autograde_preprocessors = [
        StageStudentFiles, Execute, NoGraderFailures, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    c.GenerateFeedback.preprocessors = [ShowStudentCode, ScrubHiddenTests, InertStudentContent, GetGrades,
                                        CSSHTMLHeaderPreprocessor]
    template_dirs = feedback_template(Path(root) if root else Path("."))
    if template_dirs:  # nbgrader's own page, with each graded cell named after its check
        c.HTMLExporter.template_name = FEEDBACK_TEMPLATE
        c.HTMLExporter.extra_template_basedirs = template_dirs
