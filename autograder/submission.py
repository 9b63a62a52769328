"""Where a submission keeps each exercise's files.

Accepted layouts, tried in order for every exercise file:

- ``SUBMISSION/<exercise id>/<file>``: laid out like ``exercises/`` (the contract);
- ``SUBMISSION/<file>``: a flat upload (Gradescope, or one exercise handed in alone).

A file that is in neither place is reported as missing by the student process,
so every check of that exercise fails with "file not found".
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .course import Course, Exercise


@dataclass
class Submission:
    path: Path
    course: Course

    def files_for(self, exercise: Exercise) -> dict[str, Path]:
        out = {}
        for name in exercise.files:
            nested, flat = self.path / exercise.id / name, self.path / name
            out[name] = nested if nested.is_file() or not flat.is_file() else flat
        return out

    def source(self, exercise: Exercise) -> str | None:
        path = self.files_for(exercise)[exercise.files[0]]
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
