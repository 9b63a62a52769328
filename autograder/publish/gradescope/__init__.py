"""Gradescope: ``python -m autograder gradescope --out DIR`` builds DIR/autograder.zip
(``--exercise ID``, repeatable: DIR/autograder-ID.zip, an assignment that grades those alone).

The zip holds ``setup.sh`` and ``run_autograder`` at its top, beside the kit
(Gradescope unpacks the zip into ``/autograder/source``, which becomes the kit's
root): the grading engine, the suites (hidden ones included: the
zip is the instructor's upload), course.yaml, exercises/ (whose given files,
such as the names data, grading reads) and solutions/ of the exercises it grades: the
reference the grader runs a check on before it calls a failure its own rather than the
student's (``grading.attribution``), hidden from student code as the hidden checks are.
Never the kit's tests or the zoo.

``setup.sh`` makes a virtual environment with a supported Python and the CPU-only
torch; ``run_autograder`` grades ``/autograder/submission`` into
``/autograder/results/results.json`` and never lets a grader failure show as a 0
(both are files beside this module; their comments say how). ``AUTOGRADER_ROOT``
replaces ``/autograder`` (the kit's test runs both in a temporary folder).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from autograder.grading.course import KIT_ROOT

HERE = Path(__file__).resolve().parent


def torch_version() -> str:
    """The exact torch pin, read from pyproject.toml (its one source) for setup.sh."""
    import tomllib

    deps = tomllib.loads((KIT_ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(d.split("==", 1)[1] for d in deps if d.startswith("torch=="))


def scripts(exercise_ids: list[str] | None = None) -> dict[str, str]:
    """setup.sh and run_autograder as they go in the zip (see the comments at their tops);
    ``exercise_ids``: the exercises this assignment grades (its total is theirs), else all."""
    only = " ".join(f"--exercise {e}" for e in exercise_ids or ())
    return {"setup.sh": (HERE / "setup.sh").read_text().replace("@TORCH_VERSION@", torch_version())
            .replace("@EXERCISES@", only),
            "run_autograder": (HERE / "run_autograder").read_text().replace("@EXERCISES@", only)}


# Not README.md: the instructor's README has no business in a grading image.
INCLUDE = ["pyproject.toml", "course.yaml", "autograder", "exercises"]


def files_to_ship(exercise_ids: list[str] | None = None) -> list[Path]:
    from autograder.grading.course import load_course

    course = load_course()
    chosen = course.select(exercise_ids)
    # An assignment of some exercises carries their suites and given files alone (the others' hidden checks
    # have no business in it); the whole course carries all.
    others = {f for e in course.exercises.values() if e.id not in {c.id for c in chosen}
              for f in (e.suite_dir, e.release_dir)}
    out = []
    for exercise in chosen:
        folder = exercise.solution_dir
        out += [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts] \
            if folder.is_dir() else []
    for name in INCLUDE:
        path = KIT_ROOT / name
        for p in sorted(path.rglob("*")) if path.is_dir() else [path]:
            # zoo/: the kit's own wrong and correct implementations, for its tests only (never next to
            # students' code on a grading machine)
            if p.is_file() and not {"__pycache__", "zoo"} & set(p.relative_to(KIT_ROOT).parts) \
                    and not p.name.endswith(".pyc") and not any(p.is_relative_to(f) for f in others):
                out.append(p)
    return out


def zip_name(exercise_ids: list[str] | None = None) -> str:
    """autograder.zip for the whole course; autograder-<id>[-<id>...].zip for a chosen set (one
    Gradescope assignment per exercise: the zips of a term side by side in one folder)."""
    return "autograder.zip" if not exercise_ids else f"autograder-{'-'.join(exercise_ids)}.zip"


def build_zip(out_dir: Path, exercise_ids: list[str] | None = None) -> Path:
    """The upload for one Gradescope assignment: the whole course, or only ``exercise_ids``
    (course.yaml's ids, in its order), graded and totalled alone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / zip_name(exercise_ids)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in scripts(exercise_ids).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, text)
        for path in files_to_ship(exercise_ids):
            z.write(path, path.relative_to(KIT_ROOT).as_posix())
    return target
