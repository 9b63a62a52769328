"""A changed copy of the course, as an instructor adapting the kit to their term makes it, for the kit's
tests to run on (issue 40: tests that follow the course):

    python scripts/changed_course.py DEST [--run -m "not slow and not sandbox"]

DEST gets a copy of this checkout (its tracked and untracked, not ignored, files) with three changes
made through the kit's own commands and course.yaml:

1. the first public check of the first exercise is worth 3 more points;
2. a new exercise, ``ex9_added``, from ``python -m autograder course scaffold``;
3. the course's fourth exercise (ex4_dates in the kit's own course) dropped with ``course drop``.

With ``--run ARGS...``, pytest then runs there with ARGS, and the script exits with its status.
tests/test_changed_course.py runs the quick tier there in CI, less the files whose subject is the
sandbox (``-m "not slow and not sandbox"``: tests/conftest.py's SANDBOX_FILES).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parents[1]
ADDED = "ex9_added"


def copy_checkout(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=KIT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = KIT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def kit(dest: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=dest, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"python -m autograder {' '.join(args)} failed in {dest}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def change(dest: Path) -> dict:
    """Make the three changes in ``dest``; what was changed."""
    import yaml

    course_yaml = dest / "course.yaml"
    raw = yaml.safe_load(course_yaml.read_text())
    ids = list(raw["exercises"])
    first = ids[0]
    check, spec = next((n, c) for n, c in raw["exercises"][first]["checks"].items() if c.get("visibility") == "public")
    old = spec["points"]
    text = course_yaml.read_text()
    # the check's own `points:` line, edited in place (comments and layout kept, as an instructor would)
    marker = f"      {check}:\n        points: {old}\n"
    if marker not in text:
        raise SystemExit(f"course.yaml: could not find `{check}: points: {old}` as the kit writes it")
    course_yaml.write_text(text.replace(marker, f"      {check}:\n        points: {old + 3}\n", 1))
    kit(dest, "course", "scaffold", ADDED, "--title", "An exercise added from the scaffold")
    dropped = ids[3] if len(ids) > 3 else ids[-1]
    kit(dest, "course", "drop", dropped)
    kit(dest, "stubs")   # the READMEs' check tables follow the points
    return {"points": f"{first}/{check}: {old} -> {old + 3}", "added": ADDED, "dropped": dropped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--run", nargs=argparse.REMAINDER, help="run pytest there with these arguments")
    args = parser.parse_args()
    if args.dest.exists() and any(args.dest.iterdir()):
        raise SystemExit(f"{args.dest} is not empty")
    args.dest.mkdir(parents=True, exist_ok=True)
    copy_checkout(args.dest)
    print(f"changed copy of the course in {args.dest}: {change(args.dest)}", flush=True)
    if args.run is None:
        return 0
    # The copy's own pytest run, with the arguments given and none of the calling run's (PYTEST_ADDOPTS: its
    # --basetemp or --junitxml would point the copy's run at the caller's folders).
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", *args.run], cwd=args.dest, env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main())
