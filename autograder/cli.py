"""Command line: ``python -m autograder {grade,check,stubs} ...``.

    grade SUBMISSION [--exercise ID ...] [--check NAME ...] [--public] [--json F] [--gradescope F]
        Grade a submission folder; print a table. Exits 0 whenever grading ran.
    check [ID ...] [--dir DIR]
        For students: run the public checks on your exercises folder.
    stubs [--check]
        Rebuild exercises/ from solutions/ (or, with --check, report what is stale).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError, load_course
from .results import render_table, write_json_atomic


def _grade(args, course) -> int:
    from .engine import grade

    path = Path(args.submission)
    if not path.exists():
        print(f"error: there is no submission at {path}", file=sys.stderr)
        return 2
    result = grade(path, course, args.exercise, "public" if args.public else None, args.check)
    print(render_table(result))
    if args.json:
        write_json_atomic(Path(args.json), result.to_json())
    if args.gradescope:
        write_json_atomic(Path(args.gradescope), result.to_gradescope())
    return 0


def _check(args, course) -> int:
    args.submission, args.public, args.check, args.json, args.gradescope = args.dir, True, None, None, None
    args.exercise = args.ids
    return _grade(args, course)


def _stubs(args, course) -> int:
    from .stubs import build

    stale = build(course, course.select(args.exercise), write=not args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path.relative_to(course.root)}")
    if args.check and stale:
        print("exercises/ is out of date with solutions/: run `python -m autograder stubs`", file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course", type=Path, help="course.yaml to use (default: the kit's)")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade one submission")
    g.add_argument("submission", help="a folder laid out like exercises/, or holding the files flat")
    g.add_argument("--exercise", action="append", metavar="ID", help="only this exercise (repeatable)")
    g.add_argument("--check", action="append", metavar="NAME", help="only this check (repeatable)")
    g.add_argument("--public", action="store_true", help="only the public checks")
    g.add_argument("--json", metavar="FILE", help="write the result as JSON")
    g.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json")
    g.set_defaults(run=_grade)

    c = sub.add_parser("check", help="run the public checks on your own work")
    c.add_argument("ids", nargs="*", metavar="ID", help="exercise ids (default: all)")
    c.add_argument("--dir", default="exercises", help="your exercises folder (default: ./exercises)")
    c.set_defaults(run=_check)

    s = sub.add_parser("stubs", help="derive exercises/ from solutions/")
    s.add_argument("--exercise", action="append", metavar="ID")
    s.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    s.set_defaults(run=_stubs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        course = load_course(args.course)
        return args.run(args, course)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
