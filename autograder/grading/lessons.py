"""What the lesson promises, from the student's own code: ``python -m autograder check`` draws it.

An exercise may have a ``lesson.py`` beside its public checks (shipped with them to students).
It holds one function::

    def lesson(student, exercise, params) -> Lesson

which calls the student's code through the sandbox (``student.call(probe, **args)``, as a check
does, within the exercise's own CPU budget: the one grading gives it) and draws, in the grader's
process, what the lessons promise from what came back: ex2's learning curves of the student's
LSTM and vanilla RNN against the 1/6 baseline, ex3's confusion matrix and per-language accuracy,
ex4's exact match per input format, ex5's PCA picture. A lesson judges nothing and
scores nothing; it runs once the exercise's public checks pass (before that it could only fail),
and never for the instructor's grade.

``check`` writes the picture into the exercise's folder (``<name>.png``) with a text that says
what it shows in numbers (the figure's text alternative), and keeps it with a digest of the code
it was drawn from: the same code is not trained again. Ctrl-C stops a run; its sandbox goes with it.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.course import Exercise
from autograder.sandbox.client import Budget
from autograder.sandbox.failures import GraderError, StudentFailure

SIDECAR = ".lesson-{}.json"   # per exercise: several may share a folder


@dataclass
class Lesson:
    name: str          # the picture's file name, without .png ("learning_curves")
    title: str         # one line: what the picture is
    png: bytes
    text: str          # what it shows, in numbers: the figure's text alternative


def lesson_module(exercise: Exercise):
    """The exercise's lesson.py as a module of its suite's package (relative imports work), or None."""
    path = exercise.suite_dir / "lesson.py"
    if not path.is_file():
        return None
    package = f"_kit_lesson_{exercise.id}"
    if package not in sys.modules:
        spec = importlib.util.spec_from_file_location(package, exercise.suite_dir / "__init__.py",
                                                      submodule_search_locations=[str(exercise.suite_dir)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module
        spec.loader.exec_module(module)
    return importlib.import_module(f"{package}.lesson")


def digest(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for name, path in sorted(files.items()):
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<missing>") + b"\0")
    return h.hexdigest()


def run_lesson(exercise: Exercise, files: dict[str, Path], out_dir: Path, hide: list[str],
               say=print) -> Path | None:
    """Draw the exercise's lesson from ``files`` into ``out_dir``; the PNG's path, or None (said why)."""
    from autograder.grading.plugin import student_process

    module = lesson_module(exercise)
    if module is None:
        return None
    key = digest(files)
    sidecar = out_dir / SIDECAR.format(exercise.id)
    kept = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    if kept.get("digest") == key and (out_dir / kept.get("png", "")).is_file():
        say(f"{exercise.id}: {kept['title']} (your code is unchanged since it was drawn): {out_dir / kept['png']}")
        say(kept["text"])
        return out_dir / kept["png"]
    say(f"{exercise.id}: {getattr(module, 'RUNNING', 'drawing the lesson from your code')} "
        f"(at most {exercise.time_limit:g} CPU s; Ctrl-C stops it) ...", flush=True)
    process = student_process(exercise, files, hide)
    try:
        drawn = module.lesson(Budget(process, exercise.time_limit, 4 * exercise.time_limit + 60),
                              exercise, exercise.params)
    except (StudentFailure, GraderError) as exc:
        say(f"{exercise.id}: the lesson's picture could not be drawn: {exc.message}")
        return None
    except KeyboardInterrupt:
        say(f"{exercise.id}: stopped")
        raise
    finally:
        process.cleanup()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{drawn.name}.png"
    target.write_bytes(drawn.png)
    sidecar.write_text(json.dumps({"digest": key, "png": target.name, "title": drawn.title, "text": drawn.text}))
    say(f"{exercise.id}: {drawn.title}: {target}")
    say(drawn.text)
    return target
