"""Benchmark (not a test): ``nbgrader autograde`` per student against ``python -m autograder grade``.

    python scripts/bench_nbgrader.py [--exercise ID ...] [--students N]

Builds the nbgrader course in a temporary folder, releases each exercise, and
hands in N copies of the reference notebook and one blank (released) notebook
per exercise. Then, on the same notebooks:

- ``nbgrader autograde <exercise>`` for all of them at once, divided per student;
- ``python -m autograder grade <student's folder> --exercise <exercise>``, once per student.

Prints seconds per student for each, and their ratio, per exercise and in total.
Both grade the same checks with the same sandbox; the difference is what
nbgrader adds: a Jupyter kernel per notebook, sanitising, the sqlite gradebook,
and one grader process started from the kernel.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

KIT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(KIT))

from autograder.grading.course import load_course  # noqa: E402
from autograder.grading.notebooks import fill  # noqa: E402


def run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> None:
    course = load_course()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercise", nargs="+", default=list(course.exercises))
    parser.add_argument("--students", type=int, default=2, help="reference students per exercise (default 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        root = Path(tmp)
        subprocess.run([sys.executable, "-m", "autograder", "nbgrader", "--out", str(root)], cwd=KIT,
                       check=True, capture_output=True)
        rows = []
        for ex_id in args.exercise:
            exercise = course.exercises[ex_id]
            run([sys.executable, "-m", "nbgrader", "generate_assignment", ex_id, "--force"], root)
            released = nbformat.read(root / "release" / ex_id / f"{ex_id}.ipynb", as_version=4)
            solution = fill(released, {n: (KIT / "solutions" / ex_id / n).read_text() for n in exercise.files})
            students = {f"ref{i}": solution for i in range(args.students)} | {"blank": released}
            for student, nb in students.items():
                target = root / "submitted" / student / ex_id / f"{ex_id}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, target)
            nbg = run([sys.executable, "-m", "nbgrader", "autograde", ex_id], root) / len(students)
            kit = sum(run([sys.executable, "-m", "autograder", "grade", str(root / "submitted" / s),
                           "--exercise", ex_id], KIT) for s in students) / len(students)
            rows.append((ex_id, nbg, kit))
            print(f"{ex_id:<16} nbgrader autograde {nbg:6.1f} s/student   autograder grade {kit:6.1f} s/student"
                  f"   ratio {nbg / kit:4.2f}x", flush=True)
        nbg_total, kit_total = sum(r[1] for r in rows), sum(r[2] for r in rows)
        print(f"{'all':<16} nbgrader autograde {nbg_total:6.1f} s/student   autograder grade {kit_total:6.1f} "
              f"s/student   ratio {nbg_total / kit_total:4.2f}x   ({args.students} reference + 1 blank "
              "notebook per exercise)")


if __name__ == "__main__":
    main()
