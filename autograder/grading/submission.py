"""Where a submission keeps each exercise's files.

Accepted layouts, tried in order for every exercise:

- a released notebook, ``SUBMISSION/<id>/<id>.ipynb`` (nbgrader's
  ``submitted/<student>/<assignment>/`` layout) or ``SUBMISSION/<id>.ipynb``:
  its solution cells are the files (``notebooks.py``). A notebook wins over
  ``.py`` files beside it, which are never used (they may be stale copies its
  cells wrote, or a file that is not the notebook's code); the report says so.
  Where both places hold a notebook, the one nbgrader would grade wins: the
  top-level one when SUBMISSION is the assignment's own folder (named after the
  exercise, or any ``submitted/<student>/<assignment>/``), the nested one otherwise
  (a student's folder); the report names the one ignored;
- ``SUBMISSION/<id>/<file>``: laid out like ``exercises/`` (the contract);
- ``SUBMISSION/<file>``: a flat upload (Gradescope, or one exercise handed in alone).

``SUBMISSION`` may also be one notebook file, ``<id>.ipynb``.

A file that is in none of these places is reported as missing by the student
process, so every check of that exercise fails with "file not found". A
notebook that cannot be read fails every check of its exercise with ``problem``.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.course import Course, Exercise
from autograder.grading.notebooks import (NotebookProblem, answer_cell_ids, answers_in, extract,
                                         repaired_original)


@dataclass
class Submission:
    path: Path
    course: Course
    _extracted: dict[str, dict[str, Path]] = field(default_factory=dict)
    _problems: dict[str, str] = field(default_factory=dict)
    _tmp: Path | None = None

    def _notebooks(self, exercise: Exercise) -> list[Path]:
        """The exercise's notebooks in this submission, the one graded first (see the module's docstring)."""
        if self.path.is_file():  # a single notebook was given
            return [self.path] if self.path.name == exercise.notebook else []
        nested, top = self.path / exercise.folder / exercise.notebook, self.path / exercise.notebook
        order = (top, nested) if self._is_assignment_folder(exercise) else (nested, top)
        return [c for c in order if c.is_file()]

    def _is_assignment_folder(self, exercise: Exercise) -> bool:
        """Whether SUBMISSION is one assignment's folder, whose top-level notebook is the one nbgrader
        grades: named after the exercise, or nbgrader's submitted/<student>/<assignment>/ whatever the
        assignment is called (a course's own "week1"). Otherwise it is a student's folder, whose
        <id>/<id>.ipynb is nbgrader's."""
        return self.path.name == exercise.folder or self.path.parent.parent.name == "submitted"

    def notebook_for(self, exercise: Exercise) -> Path | None:
        found = self._notebooks(exercise)
        return found[0] if found else None

    def notes(self, exercise: Exercise) -> list[str]:
        """What was chosen or ignored in this exercise's files, in words (shown with its result)."""
        found = self._notebooks(exercise)
        if not found:
            return []
        notebook, others = found[0], found[1:]
        out = []
        for other in others:
            out.append(f"graded {notebook.relative_to(self.path)}; ignored the other notebook "
                       f"{other.relative_to(self.path)}")
        beside = [name for name in exercise.files if (notebook.parent / name).is_file()]
        if beside:
            out.append(f"ignored {', '.join(beside)} handed in beside the notebook: only the notebook's "
                       "solution cell is graded")
        return out

    def _from_notebook(self, exercise: Exercise, notebook: Path) -> dict[str, Path]:
        if exercise.id not in self._extracted and exercise.id not in self._problems:
            try:
                files = extract(repaired_original(notebook) or notebook, exercise.files, label=notebook.name)
            except NotebookProblem as exc:
                self._problems[exercise.id] = str(exc)
                files = {}
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="autograder-notebooks-"))
            folder = self._tmp / exercise.folder
            folder.mkdir()
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
            self._extracted[exercise.id] = {name: folder / name for name in exercise.files}
        return self._extracted[exercise.id]

    def _plain_files(self, exercise: Exercise) -> dict[str, Path]:
        """Where each of the exercise's files is, without a notebook: nested, else flat."""
        out = {}
        for name in exercise.files:
            nested, flat = self.path / exercise.folder / name, self.path / name
            out[name] = nested if nested.is_file() or not flat.is_file() else flat
        return out

    def handed_in(self, exercise: Exercise) -> dict[str, Path]:
        """What grading reads of the exercise, as handed in (nothing extracted yet): its notebook, or
        where each of its files is (nested, else flat; a path that may not exist)."""
        notebook = self.notebook_for(exercise)
        if notebook is not None:
            return {notebook.name: notebook}
        files = self._plain_files(exercise)
        if exercise.answers_file:   # the answers are graded too: a changed answers file is graded again
            nested, flat = self.path / exercise.folder / exercise.answers_file, self.path / exercise.answers_file
            files[exercise.answers_file] = nested if nested.is_file() or not flat.is_file() else flat
        return files

    def files_for(self, exercise: Exercise) -> dict[str, Path]:
        notebook = self.notebook_for(exercise)
        if notebook is not None:
            return self._from_notebook(exercise, notebook)
        return self._plain_files(exercise)

    def holds(self, exercise: Exercise) -> bool:
        """Whether anything of the exercise was handed in (a notebook or one of its files); reads nothing."""
        return any(p.is_file() for p in self.handed_in(exercise).values())

    def problem(self, exercise: Exercise) -> str | None:
        """Why this exercise's notebook cannot be graded (None when it can, or is not a notebook)."""
        self.files_for(exercise)
        return self._problems.get(exercise.id)

    def source(self, exercise: Exercise) -> str | None:
        path = self.files_for(exercise)[exercise.files[0]]
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def answers(self, exercise: Exercise) -> tuple[str | None, str]:
        """(the text of the exercise's answers file, or None; where it was read, or why it could not be, in words:
        "" when there is no answers file at all).

        From the notebook's answer cells where a notebook is graded, else ``answers.md`` (nested, else flat).
        Read as text by the grader (nothing of it runs): a link is not followed (it could name any file the
        grader may read) and no more than ``MAX_ANSWERS_BYTES`` are read."""
        from autograder.grading.questions import MAX_ANSWERS_BYTES, read_answers

        name = exercise.answers_file
        if name is None:
            return None, ""
        notebook = self.notebook_for(exercise)
        if notebook is not None:
            try:
                return (answers_in(repaired_original(notebook) or notebook, answer_cell_ids(exercise)),
                        f"the answer cells of {notebook.name}")
            except NotebookProblem as exc:   # the words every check of the exercise says
                return None, str(exc)
        nested, flat = self.path / exercise.folder / name, self.path / name
        path = nested if nested.exists() or nested.is_symlink() or not (flat.exists() or flat.is_symlink()) else flat
        if path.is_symlink():
            return None, f"{name}, which is a link (hand in the file itself)"
        if not path.is_file():
            return None, ""
        try:
            with open(path, "rb") as f:
                text = f.read(MAX_ANSWERS_BYTES).decode("utf-8", errors="replace")
        except OSError as exc:
            return None, f"{name} could not be read ({exc.strerror or exc})"
        if path == flat and not set(read_answers(text)) & {c.name for c in exercise.checks.values() if c.question}:
            return None, ""   # a flat upload's answers.md that answers another exercise's questions, not this one's
        return text, name

    def cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def holds_work(folder: Path, course: Course, exercises: list[str] | None = None) -> bool:
    """Whether ``folder`` holds any (selected) exercise's notebook or file, in any accepted layout."""
    submission = Submission(folder, course)
    return any(submission.holds(ex) for ex in course.select(exercises))


def looks_like_a_class(folder: Path, course: Course) -> bool:
    """A folder of students' folders (batch's input) handed to grade: nothing of its own, work one level down."""
    try:
        folders = {e.folder for e in course.exercises.values()}
        children = [c for c in folder.iterdir() if c.is_dir() and c.name not in folders]
    except OSError:
        return False
    return not holds_work(folder, course) and any(holds_work(c, course) for c in children)
