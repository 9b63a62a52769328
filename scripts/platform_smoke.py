"""What a student's laptop must do: the public checks, with their usual verdicts, without the Linux sandbox.

Run on Windows and macOS by .github/workflows/platforms.yml, and on Linux by
tests/test_machines.py with AUTOGRADER_PORTABLE=1 (the same path: no rlimits,
no namespaces, no cgroups; channels read by threads). Three runs of
``python -m autograder check``:

1. the solutions: every public point (``--no-lesson``: the trained lessons' pictures are
   tests/test_lessons.py's, and they would double the smoke's time), then ex5's picture, the one
   lesson that trains nothing, which proves a lesson is drawn without the sandbox too;
2. an endless loop in ex1's ``rnn_cell``: a timeout "in s of CPU time";
3. a memory hog in the same place: "ran out of memory".

Exit 0 when all three hold; otherwise it prints what did not and exits 1.
Usage: python scripts/platform_smoke.py
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))

from autograder.publish.authoring import render  # noqa: E402
from autograder.grading.course import load_course  # noqa: E402

SOLUTIONS = KIT / "solutions"
CASES = {  # ex1's rnn_cell body -> words its check must say, and whether the short course grades it
    "loop": ("while True:\n    pass", "s of CPU time", True),
    # the course's own 30 s a check: touching 3 GB costs CPU (the kernel zeroes each page), and 5 s were
    # seen spent before the memory limit on a loaded machine; a time limit must not win that race
    "memory": ('block = b"\\x01" * (3 << 30)\nreturn torch.zeros(1)', "ran out of memory", False),
}


def check(folder: Path, *ids: str, course: Path | None = None, lesson: bool = False) -> subprocess.CompletedProcess:
    options = ["--course", str(course)] if course else []
    drawn = [] if lesson else ["--no-lesson"]
    return subprocess.run([sys.executable, "-m", "autograder", *options, "check", "--dir", str(folder), *ids, *drawn],
                          cwd=KIT, capture_output=True, text=True, timeout=1200)


def short_course(folder: Path) -> Path:
    """course.yaml with 5 CPU seconds per ex1 check (the reference uses 0.3 s for all of ex1): an endless
    loop is stopped, with the same words, in 5 s per check that calls it instead of 30."""
    import yaml

    data = yaml.safe_load((KIT / "course.yaml").read_text())
    for spec in data["exercises"]["ex1_myrnn"]["checks"].values():
        spec["timeout"] = 5
    path = folder / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def main() -> int:
    course = load_course()
    public = sum(c.points for e in course.exercises.values() for c in e.checks_with("public"))
    problems = []
    proc = check(SOLUTIONS)
    print(proc.stderr.strip().splitlines()[:1], proc.stdout.strip().splitlines()[-1:], sep="\n")
    if proc.returncode != 0 or f"Total: {public:g} / {public:g}" not in proc.stdout:
        problems.append(f"solutions: expected {public:g}/{public:g} public points (exit {proc.returncode})\n"
                        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    solution = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:  # Windows: a worker may hold a file
        if "ex5_hidden_pca" in course.exercises:
            shutil.copytree(SOLUTIONS / "ex5_hidden_pca", Path(tmp) / "pca" / "ex5_hidden_pca")
            proc = check(Path(tmp) / "pca", "ex5_hidden_pca", lesson=True)
            drawn = re.search(r"hidden states: (\S+\.png)", proc.stdout)
            print(f"ex5's picture: exit {proc.returncode}; {'drawn' if drawn else 'MISSING'}")
            if proc.returncode != 0 or not drawn or not Path(drawn.group(1)).is_file():
                problems.append(f"ex5: expected its PCA picture\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        for name, (cell, says, short) in CASES.items():
            folder = Path(tmp) / name / "ex1_myrnn"
            folder.mkdir(parents=True)
            (folder / "myrnn.py").write_text(render(solution, regions={"rnn_cell": cell}))
            proc = check(folder.parent, "ex1_myrnn", course=short_course(Path(tmp)) if short else None)
            verdicts = [ln for ln in proc.stdout.splitlines() if "rnn_cell_values" in ln]
            print(f"{name}: exit {proc.returncode}; {says!r} {'found' if says in proc.stdout else 'MISSING'}")
            if proc.returncode != 0 or says not in proc.stdout:
                problems.append(f"{name}: expected {says!r} in rnn_cell_values' message\n{verdicts}\n"
                                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    for p in problems:
        print("FAILED", p, sep=" ")
    print("platform smoke:", "ok" if not problems else f"{len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
