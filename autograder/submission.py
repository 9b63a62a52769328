"""Where a submission keeps each exercise's files.

Accepted layouts, tried in order for every exercise:

- a released notebook, ``SUBMISSION/<id>/<id>.ipynb`` (nbgrader's
  ``submitted/<student>/<assignment>/`` layout) or ``SUBMISSION/<id>.ipynb``:
  its solution cells are the files (``notebooks.py``). A notebook wins over
  ``.py`` files beside it, which may be stale copies its cells wrote earlier;
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

from .course import Course, Exercise
from .notebooks import NotebookProblem, extract, notebook_name


@dataclass
class Submission:
    path: Path
    course: Course
    _extracted: dict[str, dict[str, Path]] = field(default_factory=dict)
    _problems: dict[str, str] = field(default_factory=dict)
    _tmp: Path | None = None

    def notebook_for(self, exercise: Exercise) -> Path | None:
        if self.path.is_file():  # a single notebook was given
            return self.path if self.path.name == notebook_name(exercise.id) else None
        for candidate in (self.path / exercise.id / notebook_name(exercise.id), self.path / notebook_name(exercise.id)):
            if candidate.is_file():
                return candidate
        return None

    def _from_notebook(self, exercise: Exercise, notebook: Path) -> dict[str, Path]:
        if exercise.id not in self._extracted and exercise.id not in self._problems:
            try:
                files = extract(notebook, exercise.files)
            except NotebookProblem as exc:
                self._problems[exercise.id] = str(exc)
                files = {}
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="autograder-notebooks-"))
            folder = self._tmp / exercise.id
            folder.mkdir()
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
            self._extracted[exercise.id] = {name: folder / name for name in exercise.files}
        return self._extracted[exercise.id]

    def files_for(self, exercise: Exercise) -> dict[str, Path]:
        notebook = self.notebook_for(exercise)
        if notebook is not None:
            return self._from_notebook(exercise, notebook)
        out = {}
        for name in exercise.files:
            nested, flat = self.path / exercise.id / name, self.path / name
            out[name] = nested if nested.is_file() or not flat.is_file() else flat
        return out

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

    def cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
