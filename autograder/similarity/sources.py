"""What is compared: each student's files of each exercise, read exactly as grading reads them.

A class folder is read with ``batch``'s own ``discover`` (the same student names as the
gradebook), a zip is unpacked with grading's ``archives.unpack``, and a student's files
come from ``Submission.files_for``: nested, flat or the solution cells of the exercise's
notebook. A notebook student and a ``.py`` student who share code are therefore compared
on the same code.

What cannot be compared is never a crash: a student with no file for an exercise, an
unreadable notebook or zip, a binary file or one over ``MAX_BYTES`` each get a line
(``Code.problem``) that the report shows, and the rest of the class is compared as usual.

``--reference DIR`` adds known sources (a tutorial, last year's solutions): every
``.py`` file and notebook under DIR is one source, named by its path in DIR.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.archives import SubmissionError, unpack
from autograder.grading.course import Course, Exercise
from autograder.grading.submission import Submission

MAX_BYTES = 1 << 20   # a file larger than this (1 MB: fifty times the largest solution) is not compared
MAX_SOURCES = 500     # files read from --reference


@dataclass
class Code:
    """One student's (or one known source's) code for one exercise."""
    owner: str
    files: dict[str, str] = field(default_factory=dict)  # file name -> text, as handed in
    problem: str | None = None                            # why nothing of it is compared

    @property
    def text(self) -> str:
        """The exercise's files as one text (the report shows it; a single file is itself)."""
        if len(self.files) == 1:
            return next(iter(self.files.values()))
        return "\n".join(f"# ==== {name} ====\n{text}" for name, text in self.files.items())


def _read_text(path: Path, shown: str) -> tuple[str | None, str | None]:
    """(text, None), or (None, why it is not compared)."""
    try:
        if path.is_symlink():
            return None, f"{shown} is a symbolic link"
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, f"{shown} is {size / 2**20:.1f} MB, over the {MAX_BYTES >> 20} MB compared"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"{shown} cannot be read ({exc.strerror or exc})"
    if b"\0" in data:
        return None, f"{shown} is a binary file, not code"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, f"{shown} is not UTF-8 text"


def exercise_code(submission: Submission, exercise: Exercise, owner: str) -> Code:
    """A student's code of one exercise, or why there is none to compare."""
    if not submission.holds(exercise):
        return Code(owner, problem="nothing handed in for this exercise")
    problem = submission.problem(exercise)
    if problem:
        return Code(owner, problem=f"the notebook cannot be read: {problem}")
    code = Code(owner)
    for name, path in submission.files_for(exercise).items():
        if not path.is_file() and not path.is_symlink():
            continue  # one of several files missing: the others are still compared
        text, why = _read_text(path, name)
        if why:
            return Code(owner, problem=why)
        code.files[name] = text
    if not code.files:
        return Code(owner, problem="nothing handed in for this exercise")
    return code


@contextlib.contextmanager
def opened(source: Path, course: Course):
    """A student's folder or zip as a Submission (a zip unpacked for the duration); SubmissionError if unreadable."""
    work = None
    try:
        if source.is_file():
            work = Path(tempfile.mkdtemp(prefix="similarity-"))
            source = unpack(source, work)
        submission = Submission(source, course)
        try:
            yield submission
        finally:
            submission.cleanup()
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def read_class(course: Course, students: dict[str, Path], exercises: list[Exercise]) -> dict[str, list[Code]]:
    """exercise id -> every student's Code for it (in student order), problems included."""
    out: dict[str, list[Code]] = {e.id: [] for e in exercises}
    for student, source in students.items():
        try:
            with opened(source, course) as submission:
                for exercise in exercises:
                    out[exercise.id].append(exercise_code(submission, exercise, student))
        except SubmissionError as exc:
            for exercise in exercises:
                out[exercise.id].append(Code(student, problem=str(exc)))
    return out


# What ``nbgrader generate_assignment`` puts in place of a solution region (ClearSolutions' code_stub
# for Python): a notebook student starts from this, not from exercises/'s TODO.
NBGRADER_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def template(exercise: Exercise) -> list[str]:
    """What every student was given for the exercise: the released stubs and given .py files, and the
    stubs as nbgrader releases them in the notebook (the same file, cleared the nbgrader way)."""
    from autograder.publish.authoring import AuthoringError, find_regions, render

    texts = []
    folder = exercise.release_dir
    for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
        text, _ = _read_text(path, path.name)
        if text:
            texts.append(text)
    for name in exercise.files:
        solution = exercise.solution_dir / name
        if not solution.is_file():
            continue
        try:
            text = solution.read_text(encoding="utf-8")
            texts.append(render(text, {r.qualname: NBGRADER_STUB for r in find_regions(text)}))
        except (AuthoringError, SyntaxError, OSError, UnicodeDecodeError):
            pass  # a solution without regions: exercises/ already holds what students get
    return texts


def _notebook_code(path: Path) -> str | None:
    import nbformat

    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - any damage: the source is listed as unreadable
        return None
    cells = [c.get("source", "") for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return "\n\n".join(c.split("\n", 1)[1] if c.startswith("%%") else c for c in cells if isinstance(c, str))


def read_references(folder: Path) -> tuple[list[Code], list[str]]:
    """Every .py file and notebook under ``folder`` as a known source, and the files that could not be read."""
    sources, problems = [], []
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb") and not p.name.startswith("."))
    for path in paths[:MAX_SOURCES]:
        name = str(path.relative_to(folder))
        text, why = _read_text(path, name)
        if text is not None and path.suffix == ".ipynb":
            text = _notebook_code(path)
            why = None if text is not None else f"{name} is not a readable notebook"
        if why:
            problems.append(why)
        else:
            sources.append(Code(name, {path.name: text}))
    if len(paths) > MAX_SOURCES:
        problems.append(f"{len(paths) - MAX_SOURCES} more files under {folder} were not read "
                        f"(at most {MAX_SOURCES} known sources)")
    return sources, problems
