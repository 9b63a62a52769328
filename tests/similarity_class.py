"""Classes for the similarity tests and benchmark, built from the kit's own independent implementations.

The independent implementations of an exercise are its reference solution and the zoo's whole
files (``suites/<id>/zoo/*.py``: written apart, each the way a different textbook or tutorial
writes it). ``planted_class`` hands each one to a student of its own, plants copies of them at
every disguise level of ``tests/disguise.py`` (each level copying another original, so no copy
ring is large enough to be common code), a notebook copy of a ``.py`` student, and blank-stub
students; it returns which pairs are copies.
"""
from __future__ import annotations

import itertools
import random
import shutil
from pathlib import Path

from autograder.grading.course import Course, Exercise
from tests.disguise import ALL_LEVELS, disguised


def independent(exercise: Exercise) -> dict[str, str]:
    """name -> code: the solution and the zoo's whole files."""
    main = exercise.files[0]
    out = {"solution": (exercise.solution_dir / main).read_text()}
    for path in sorted((exercise.suite_dir / "zoo").glob("*.py")):
        out[path.stem] = path.read_text()
    return out


def stub(exercise: Exercise) -> str:
    return (exercise.release_dir / exercise.files[0]).read_text()


def write_student(root: Path, student: str, exercise: Exercise, code: str) -> Path:
    folder = root / student / exercise.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / exercise.files[0]).write_text(code)
    return folder


def notebook_student(root: Path, student: str, course: Course, exercise: Exercise, code: str) -> Path:
    """A student who hands in the released notebook with ``code`` in its solution cell."""
    import nbformat

    from autograder.grading.notebooks import fill
    from autograder.publish.nbgrader_course import build_course

    released = root.parent / "nbgrader-course"
    if not released.exists():
        build_course(course, released)
    nb = nbformat.read(released / "source" / exercise.id / exercise.notebook, as_version=4)
    nb = fill(nb, {exercise.files[0]: code})
    (root / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, root / student / exercise.notebook)
    return root / student / exercise.notebook


def planted_class(root: Path, course: Course, exercises: list[Exercise]) -> dict:
    """Write the class under ``root``. Returns {"copies": {(ex, a, b)}: every pair of students whose code
    comes from one original (the original and its copies, each two of them), "levels": {(ex, original,
    copier): level}, "independent": {ex: [the originals' students]}, "blank": [the blank-stub students]}."""
    rings: dict[tuple[str, str], list[str]] = {}
    levels, names = {}, {}
    for exercise in exercises:
        originals = independent(exercise)
        names[exercise.id] = []
        for name, code in originals.items():
            student = f"{exercise.id[:3]}_{name}"
            write_student(root, student, exercise, code)
            names[exercise.id].append(student)
            rings[(exercise.id, name)] = [student]
        order = list(originals)
        for i, level in enumerate(ALL_LEVELS):
            source = order[i % len(order)]
            copier = f"{exercise.id[:3]}_copy_{level}_of_{source}"
            write_student(root, copier, exercise, disguised(originals[source], stub(exercise), level, seed=i))
            rings[(exercise.id, source)].append(copier)
            levels[(exercise.id, f"{exercise.id[:3]}_{source}", copier)] = level
    blank = []
    for i in range(3):
        student = f"blank_{i}"
        for exercise in exercises:
            text = stub(exercise)
            if i == 2:  # the stubs with one line changed
                text = text.replace("raise NotImplementedError", "return None", 1)
            write_student(root, student, exercise, text)
        blank.append(student)
    # A notebook student who copied a .py student's ex1 (renamed).
    first = exercises[0]
    name = list(independent(first))[1]
    notebook_student(root, "notebook_copier", course, first,
                     disguised(independent(first)[name], stub(first), "renamed", seed=7))
    rings[(first.id, name)].append("notebook_copier")
    levels[(first.id, f"{first.id[:3]}_{name}", "notebook_copier")] = "renamed, in a notebook"
    copies = {(ex, *sorted(pair)) for (ex, _), ring in rings.items() for pair in itertools.combinations(ring, 2)}
    return {"copies": copies, "levels": levels, "independent": names, "blank": blank}


def large_class(root: Path, exercises: list[Exercise], students: int, seed: int = 0) -> None:
    """``students`` students for the benchmark: each exercise an implementation of the kit's, disguised
    at a random level with a seed of its own (realistic file sizes and variety, not a test of verdicts)."""
    rng = random.Random(seed)
    pools = {e.id: list(independent(e).values()) for e in exercises}
    for s in range(students):
        for exercise in exercises:
            code = disguised(rng.choice(pools[exercise.id]), stub(exercise), rng.choice(ALL_LEVELS), seed=rng.randrange(10**6))
            write_student(root, f"student_{s:03d}", exercise, code)


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)
