"""Command line: ``python -m autograder COMMAND``; ``--help`` (TOP_HELP and HELP below) says what each does."""
from __future__ import annotations

import argparse
import shutil
import os
import sys
from pathlib import Path

from autograder.grading.course import KIT_ROOT, CourseError, load_course
from autograder.grading.neutral import for_terminal
from autograder.commands.help import HELP, STUDENT_TOP_HELP, TOP_HELP, UNPROTECTED_HELP
from autograder.grading.results import render_table, write_json_atomic


def _grade(args, course) -> int:
    from autograder.grading.engine import grade

    path = Path(args.submission)
    try:
        exists = path.exists()
    except OSError as exc:
        print(f"error: cannot read the submission at {path}: {exc.strerror}", file=sys.stderr)
        return 2
    if not exists:
        print(f"error: there is no submission at {path}", file=sys.stderr)
        return 2
    if path.is_file():  # one notebook, named after its exercise as released
        notebooks = {e.notebook: e.id for e in course.exercises.values()}
        if path.name not in notebooks:
            print(f"error: {path} is a file; grade takes a folder, or one notebook named after its exercise "
                  f"({', '.join(notebooks)})", file=sys.stderr)
            return 2
        args.exercise = args.exercise or [notebooks[path.name]]
    else:
        from autograder.grading.submission import looks_like_a_class

        if looks_like_a_class(path, course):
            print(f"error: {path} looks like a class folder (one folder per student, each with exercises): "
                  f"grade them all with `python -m autograder batch {path} --out RESULTS`", file=sys.stderr)
            return 2
    if not _protected_or_told(args):
        return 2
    from autograder.commands.parallel import available_cpus, grade_in_parallel

    jobs = args.jobs or available_cpus()
    warm = _warm_result(args, path) if getattr(args, "student_check", False) else None
    if warm is not None:
        result = warm
    elif jobs > 1 and len(course.select(args.exercise)) > 1:
        result = grade_in_parallel(path, course, args.course, args.exercise, args.public, args.check, jobs,
                                   args.unprotected)
    else:
        result = grade(path, course, args.exercise, "public" if args.public else None, args.check)
    args.result = result   # check's lessons read which exercises passed their public checks
    if getattr(args, "student_check", False) and warm is None:
        from autograder.commands import warm as warm_grader

        warm_grader.start(_course_file(args))   # the next check answers in about a second
    print(render_table(result, width=max(100, shutil.get_terminal_size((120, 24)).columns)))
    if args.json:
        write_json_atomic(Path(args.json), result.to_json())
    if args.gradescope:
        write_json_atomic(Path(args.gradescope), result.to_gradescope())
    if result.grader_errors:
        print(f"error: the grader failed on {len(result.grader_errors)} check(s), which are not scored: "
              f"{', '.join(result.grader_errors[:5])}. Grade again; if it persists, run "
              "`python -m autograder doctor` on this machine.", file=sys.stderr)
        return 3
    return 0


def _course_file(args) -> Path:
    from autograder.grading.course import KIT_ROOT

    return Path(args.course) if args.course else KIT_ROOT / "course.yaml"


def _warm_result(args, path: Path):
    """The student's check, answered by the warm grader (commands/warm.py) where one runs; else None."""
    from autograder.commands import warm
    from autograder.grading.results import SubmissionResult

    if not warm.usable():
        return None
    answer = warm.ask(_course_file(args), {"submission": str(Path(path).resolve()), "exercises": args.exercise,
                                           "public": args.public, "checks": args.check}, timeout=3600)
    if answer is None:
        return None
    return SubmissionResult.from_json(answer["result"], str(path))


def _protected_or_told(args) -> bool:
    """Say how student code is walled off. Where it is not (no sandbox here), check goes on
    (it runs the student's own code) and grade and batch need --unprotected."""
    from autograder.sandbox import isolation

    if getattr(args, "student_check", False):
        line = isolation.one_line()
        if line:
            print(line, file=sys.stderr)
        return True
    print(isolation.describe(), file=sys.stderr)
    if isolation.unprotected() and not args.unprotected:
        print(f"error: this machine cannot wall student code off ({', '.join(isolation.missing())}): it could read "
              "your files, the hidden checks and other students' work. Grade on a Linux machine with bubblewrap "
              "(python -m autograder doctor), or pass --unprotected to run anyway.", file=sys.stderr)
        return False
    return True


def _find_work(course, ids: list[str]) -> tuple[Path, list[str]]:
    """Where a student's exercises are, from wherever inside the bundle they run `check`."""
    from autograder.grading.submission import holds_work

    here = Path.cwd()
    inside = [e.id for e in course.exercises.values() if e.folder == here.name]
    if inside:                                 # inside exercises/<id>/: that exercise
        return here.parent, ids or inside
    for folder in (here, *here.parents):
        if holds_work(folder, course) and not (folder / "exercises").is_dir():
            return folder, ids                 # the exercises folder itself
        if (folder / "exercises").is_dir():
            return folder / "exercises", ids   # the bundle's root, or a folder below it
    return Path("exercises"), ids


def _check(args, course) -> int:
    where, ids = (Path(args.dir), args.ids) if args.dir else _find_work(course, args.ids)
    args.submission, args.public, args.check, args.json, args.gradescope = where, True, None, None, None
    args.student_check = True
    args.jobs, args.unprotected = None, True  # check runs the student's own code wherever it is
    args.exercise = ids or None
    code = _grade(args, course)
    if code == 0:
        full = _full_public_score(args.result)
        for ex in course.select(args.exercise):
            if ex.hidden_points:
                print(f"{ex.id}: your instructor's grader also runs hidden checks worth {ex.hidden_points:g} more "
                      f"points ({ex.hidden_points + sum(c.points for c in ex.checks_with('public')):g} in all)"
                      + (", which look at:" if ex.id in full and ex.hidden_summaries else "."))
                if ex.id in full:  # what is still unchecked, in words: worth testing before handing in
                    for summary in ex.hidden_summaries.values():
                        print(f"  - {summary}")
            said = _answers_said(ex, where)
            if said:
                print(said)
    if code == 0 and not args.no_lesson:
        _lessons(args, course, where, _full_public_score(args.result))
    return code


def _answers_said(exercise, where: Path) -> str:
    """What `check` says of the student's answers to the lesson questions: how many are answered and whether each
    choice starts with one of its options' letters; never whether one is right (the key is the instructor's).
    The questions are read from the released blank answers.md (a student bundle has no questions.yaml)."""
    from autograder.grading.questions import ANSWERS_FILE, chosen_letter, options_in, read_answers

    blank = exercise.release_dir / ANSWERS_FILE
    if not blank.is_file():
        return ""
    options = options_in(blank.read_text(encoding="utf-8", errors="replace"))
    names = list(options)
    nested, flat = where / exercise.folder / ANSWERS_FILE, where / ANSWERS_FILE
    path = nested if nested.is_file() or not flat.is_file() else flat
    if not path.is_file() or path.is_symlink():
        return f"{exercise.id}: {ANSWERS_FILE} not found: the lesson questions ({len(names)}) are answered there"
    answers = read_answers(path.read_text(encoding="utf-8", errors="replace"))
    missing = [n for n in names if not answers.get(n)]
    odd = [f"{n} (start it with one of {', '.join(options[n])})" for n in names
           if answers.get(n) and options.get(n) and chosen_letter(answers[n]) not in options[n]]
    line = (f"{exercise.id}: {ANSWERS_FILE}: {len(names) - len(missing)} of {len(names)} lesson questions answered"
            + (f" (not yet: {', '.join(missing)})" if missing else "")
            + "; your instructor grades them (multiple choice by the grader, written answers by a person)")
    return line + ("\n  not read as a letter: " + "; ".join(odd) if odd else "")


def _full_public_score(result) -> set[str]:
    """The exercises whose checks (check grades the public ones) all passed."""
    return {e.id for e in result.exercises if e.tests and all(t.status == "passed" for t in e.tests)}


def _lessons(args, course, where: Path, passed: set[str]) -> None:
    """The pictures the lessons promise, drawn from the student's code (grading/lessons.py), for each
    exercise whose public checks all passed (``passed``)."""
    from autograder.grading.engine import hidden_from_students
    from autograder.grading.lessons import lesson_module, run_lesson
    from autograder.grading.submission import Submission

    graded = {e.id for e in args.result.exercises}
    submission = Submission(where, course)
    hide = hidden_from_students(course, submission)
    try:
        for ex in course.select(args.exercise):
            module = lesson_module(ex)
            if module is None or ex.id not in graded:
                continue
            if ex.id not in passed:
                print(f"{ex.id}: {module.__doc__.strip().splitlines()[0].rstrip('.')}: drawn once its public "
                      "checks pass.")
                continue
            folder = Path(args.lesson_dir) if args.lesson_dir else \
                (where / ex.folder if (where / ex.folder).is_dir() else where)
            run_lesson(ex, submission.files_for(ex), folder, hide)
    finally:
        submission.cleanup()


def _stubs(args, course) -> int:
    from autograder.publish.stubs import build

    stale = build(course, course.select(args.exercise), write=not args.check)
    for path in stale:
        shown = path.relative_to(course.root) if path.is_relative_to(course.root) else path
        print(f"{'stale' if args.check else 'wrote'}: {shown}")
    if args.check and stale:
        print("exercises/ is out of date with solutions/: run `python -m autograder stubs`", file=sys.stderr)
        return 1
    return 0


REFERENCE_HELP = ("known sources for the similarity report (the tutorial the class was pointed to, the course's "
                  "own example code, last year's solutions): every .py and .ipynb under DIR; a student whose code "
                  "comes from one is listed as matching it, and two who both adapted it are not a pair")


def _batch(args, course) -> int:
    from autograder.commands.batch import run_batch
    from autograder.commands.executors import ClusterOptions
    from autograder.grading.results import GRADER_ERROR

    if not Path(args.submissions).is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    if args.reference is not None and not Path(args.reference).is_dir():
        print(f"error: --reference {args.reference} is not a folder", file=sys.stderr)
        return 2
    if not _protected_or_told(args):
        return 2
    plan: dict = {}
    results = run_batch(course, args.course, Path(args.submissions), Path(args.out), jobs=args.jobs,
                        regrade=args.regrade, exercises=args.exercise, progress=not args.quiet, plan=plan,
                        unprotected=args.unprotected, executor=args.executor, similarity=not args.no_similarity,
                        reference=args.reference and Path(args.reference),
                        cluster=ClusterOptions.from_course(course.cluster, cpus=args.cpus, memory_gb=args.memory_gb,
                                                           time_min=args.time_min, partition=args.partition))
    failed = sorted(s for s, result in results.items() if result.status == GRADER_ERROR)
    from collections import Counter
    why = Counter(plan.get("reasons", {}).values())
    new = why.pop("new", 0)
    parts = [f"{new} new"] if new else []
    parts += [f"{n} regraded: {reason}" for reason, n in sorted(why.items())]
    parts.append(f"{plan.get('kept', 0)} kept")
    print(f"{len(results)} submissions ({'; '.join(parts)}): {Path(args.out) / 'gradebook.csv'}, "
          f"reports in {Path(args.out) / 'reports'}, summary in {Path(args.out) / 'summary.html'}")
    if plan.get("similarity"):
        print(for_terminal(plan["similarity"]),   # it names students: their folder names, made inert
              file=sys.stderr if plan["similarity"].startswith("warning") else sys.stdout)
    from autograder.grading.marks import MARKS_DIR, pending_count

    waiting, points = pending_count(results)
    if waiting:
        print(f"{waiting} student(s) have written answers to grade by hand ({points:g} points in all, status "
              f"to_grade_by_hand): enter the marks in {Path(args.out) / MARKS_DIR}/*.csv (rubrics.md beside them) "
              "and run the same command again")
    for problem in plan.get("marks", []):
        print(f"warning: marks: {for_terminal(problem)}", file=sys.stderr)
    if failed:
        print(f"error: the grader failed for {len(failed)} student(s) ({', '.join(failed[:10])}): status "
              "grader_error, not scored. Run the same command again to grade them again.", file=sys.stderr)
        return 3
    return 0


def _similarity(args, course) -> int:
    from autograder.commands.similarity import similarity_report

    if not Path(args.submissions).is_dir():
        print(f"error: {args.submissions} is not a folder of submissions", file=sys.stderr)
        return 2
    if args.reference is not None and not Path(args.reference).is_dir():
        print(f"error: --reference {args.reference} is not a folder", file=sys.stderr)
        return 2
    if args.threshold is not None and not 0 < args.threshold <= 1:
        print("error: --threshold is a similarity in (0, 1]", file=sys.stderr)
        return 2
    if args.common_share is not None and not 0 < args.common_share <= 1:
        print("error: --common-share is a share of the class in (0, 1]", file=sys.stderr)
        return 2
    print(for_terminal(similarity_report(course, Path(args.submissions), Path(args.out), args.exercise,
                                         args.reference and Path(args.reference), args.threshold,
                                         args.common_share, args.jobs)))
    return 0


def _export(args, course) -> int:
    from autograder.publish import lms

    if (args.canvas is None) == (args.moodle is None):
        print("error: say which LMS: --canvas CANVAS_EXPORT.csv or --moodle [MOODLE_EXPORT.csv]", file=sys.stderr)
        return 2
    if args.exercise and args.exercise not in course.exercises:
        print(f"error: no exercise {args.exercise!r}; the course has {', '.join(course.exercises)}", file=sys.stderr)
        return 2
    out, target = Path(args.graded), Path(args.out)
    moodle = None if args.moodle in (None, "") else Path(args.moodle)
    canvas = args.canvas and Path(args.canvas)
    roster = args.roster and Path(args.roster)
    try:
        exercise_max = course.exercises[args.exercise].max_score if args.exercise else 0.0
        grades = lms.read_gradebook(out, args.exercise, exercise_max)
        people = lms.read_roster(roster)
        if canvas:
            export = lms.fill_canvas(canvas, grades, people, args.assignment, course.max_score)
        else:
            export = lms.fill_moodle(moodle, grades, people, args.assignment, course.max_score, course.title)
        unmatched = lms.write_export(export, target, [canvas, moodle, roster, out / "gradebook.csv"])
    except lms.ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {target}: {export.filled} grades in {export.column!r}")
    if export.note:
        print(f"note: {export.note}")
    if export.unmatched:
        print(f"{len(export.unmatched)} left blank or unmatched, listed in {unmatched}:")
        for row in export.unmatched[:20]:
            print(f"  {row['student'] or row['lms_name'] or row['lms_id']}: {row['why']}")
        if len(export.unmatched) > 20:
            print(f"  ... and {len(export.unmatched) - 20} more")
    else:
        print(f"every student accounted for ({unmatched} is empty)")
    return 0


def _gradescope(args, course) -> int:
    from autograder.commands.course_tools import refuse_unlisted   # instructor code: not in a student bundle
    from autograder.publish.gradescope import build_zip

    selected = course.select(args.exercise)
    refuse_unlisted(course, "gradescope")
    target = build_zip(Path(args.out), [e.id for e in selected] if args.exercise else None)
    written = [(e, c) for e in selected for c in e.checks.values() if c.by_person]
    auto = sum(e.max_score - e.by_person_points for e in selected)
    print(f"wrote {target}: grades {', '.join(e.id for e in selected)} ({auto:g} points in all)")
    if written:   # Gradescope grades them by hand, as questions of the assignment beside the autograder
        print(f"and {len(written)} written question(s) the zip does not score: set each up in Gradescope as a "
              "manually graded question (Edit Outline), with its points and the rubric in "
              "autograder/suites/<exercise>/questions.yaml:")
        for e, c in written:
            print(f"  {e.id}: {c.name} ({c.points:g} points): {c.summary}")
    return 0


def _release(args, course) -> int:
    from autograder.commands.course_tools import refuse_unlisted
    from autograder.publish.release import build_release

    refuse_unlisted(course, "release")
    target = build_release(course, Path(args.out))
    print(f"wrote {target} and {target}.zip")
    return 0


def _nbgrader(args, course) -> int:
    from autograder.commands.course_tools import refuse_unlisted
    from autograder.publish.nbgrader_course import build_course

    refuse_unlisted(course, "nbgrader")
    target = build_course(course, Path(args.out), course_id=args.course_id)
    # Every command printed here is run as printed by tests/test_nbgrader.py (nbgrader takes one assignment a run).
    ids = list(course.exercises)
    print(f"wrote the nbgrader course in {target}: source/<exercise>/<exercise>.ipynb for {', '.join(ids)}; "
          "next, in that folder (nbgrader takes one assignment a run):")
    print("release: write release/<exercise>/ for the students")
    for exercise_id in ids:
        print(f"  nbgrader generate_assignment {exercise_id}")
    print("when they have handed in: `nbgrader collect <exercise>` (or their notebooks in "
          "submitted/<student>/<exercise>/), then grade")
    for exercise_id in ids:
        print(f"  nbgrader autograde {exercise_id}")
    print("the grades (grades.csv) and each student's feedback page (feedback/<student>/<exercise>/)")
    print("  nbgrader export --to grades.csv")
    for exercise_id in ids:
        print(f"  nbgrader generate_feedback {exercise_id}")
    return 0


def _course(args, course) -> int:
    from autograder.commands import course_tools

    if args.action == "scaffold":
        written = course_tools.scaffold(course, args.id, title=args.title, file_name=args.file)
        print(f"wrote the exercise {args.id} (a working example: a leaky accumulator; replace it with yours):")
        print("\n".join(f"  {path}" for path in written))
        print(f"next: edit solutions/{args.id}/ and autograder/suites/{args.id}/, then `python -m autograder stubs`, "
              f"`make test-exercise EX={args.id}`, and rebuild what you hand out (release, nbgrader, Gradescope)")
    elif args.action == "drop":
        removed = course_tools.drop(course, args.id)
        print(f"dropped {args.id}:")
        print("\n".join(f"  {what}" for what in removed))
        print("next: rebuild what you hand out (release, nbgrader, Gradescope); graded results stay as they are")
    else:
        found = course_tools.problems(course)
        for line in found:
            print(f"WARNING: {line}")
        print("course: " + ("in step with course.yaml" if not found else f"{len(found)} problem(s)"))
        return 1 if found else 0
    return 0


def _doctor(args, course) -> int:
    from autograder.commands.doctor import run_doctor

    return run_doctor(course, args.exercise)


STUDENT_COMMANDS = ("check", "grade")  # what a student bundle offers (the rest needs solutions/ or hidden checks)


def _student_bundle(argv: list[str]) -> tuple[bool, str | None]:
    """Whether the course (--course, or the kit's) is a student bundle, and the command word typed;
    read before the parser is built, which offers a bundle only its own commands."""
    import yaml

    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--course", type=Path)
    known, rest = pre.parse_known_args(argv)
    word = rest[0] if rest and not rest[0].startswith("-") else None
    try:
        raw = yaml.safe_load(Path(known.course or KIT_ROOT / "course.yaml").read_text())
        return bool(isinstance(raw, dict) and raw.get("student_bundle")), word
    except (OSError, yaml.YAMLError):  # load_course says what is wrong with it, after parsing
        return False, word


def parser(student_bundle: bool = False) -> argparse.ArgumentParser:
    """The command line; in a student bundle, only the commands the bundle runs (its --help lists
    no instructor command that it would then refuse)."""
    from autograder.commands.executors import EXECUTORS

    p = argparse.ArgumentParser(prog="python -m autograder", description=STUDENT_TOP_HELP if student_bundle else TOP_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course", type=Path, help="course.yaml to use (default: the kit's)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str):
        summary, description = HELP[name]
        if student_bundle and name not in STUDENT_COMMANDS:  # built, never attached: main refused it already
            return argparse.ArgumentParser(add_help=False)
        return sub.add_parser(name, help=summary, description=description,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    g = command("grade")
    g.add_argument("submission", help="a student's folder (or one notebook)")
    g.add_argument("--exercise", action="append", metavar="ID", help="only this exercise (repeatable)")
    g.add_argument("--check", action="append", metavar="NAME", help="only this check (repeatable)")
    g.add_argument("--public", action="store_true", help="only the public checks")
    g.add_argument("--json", metavar="FILE", help="write the result as JSON")
    g.add_argument("--gradescope", metavar="FILE", help="write Gradescope's results.json")
    g.add_argument("--jobs", type=int, metavar="N",
                   help="exercises graded at once, each in its own process (default: the CPUs available)")
    g.add_argument("--unprotected", action="store_true", help=UNPROTECTED_HELP)
    g.set_defaults(run=_grade)

    c = command("check")
    c.add_argument("ids", nargs="*", metavar="ID", help="exercise ids (default: all, or the one you are in)")
    c.add_argument("--dir", help="your exercises folder (default: found from where you are: the bundle's "
                                "exercises/, or the exercise folder you are in)")
    c.add_argument("--no-lesson", action="store_true",
                   help="do not draw the lessons' pictures (ex2's learning curves, ex5's PCA) from your code")
    c.add_argument("--lesson-dir", metavar="DIR", help="where the lessons' pictures go (default: each exercise's "
                                                       "folder)")
    c.set_defaults(run=_check)

    s = command("stubs")
    s.add_argument("--exercise", action="append", metavar="ID")
    s.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    s.set_defaults(run=_stubs)

    b = command("batch")
    b.add_argument("submissions", help="one folder or .zip per student")
    b.add_argument("--out", required=True, help="where the gradebook, results and reports go")
    b.add_argument("--jobs", type=int, default=1, help="students graded at once (default 1)")
    b.add_argument("--regrade", action="store_true", help="grade students that already have a result")
    b.add_argument("--exercise", action="append", metavar="ID")
    b.add_argument("--quiet", action="store_true", help="no progress")
    b.add_argument("--executor", choices=EXECUTORS, default="local",
                   help="where students are graded: this machine (default), one Slurm job each (submitit), "
                        "or submitit's local executor (the Slurm path on this machine)")
    b.add_argument("--cpus", type=int, help="CPUs per student's job (slurm; default: course.yaml's cluster, else 2)")
    b.add_argument("--memory-gb", type=float, help="memory per student's job (slurm; default 4)")
    b.add_argument("--time-min", type=int, help="time limit per student's job (slurm; default: the course's worst case)")
    b.add_argument("--partition", help="Slurm partition")
    b.add_argument("--unprotected", action="store_true", help=UNPROTECTED_HELP)
    b.add_argument("--no-similarity", action="store_true",
                   help="skip the similarity report (OUT/similarity.html) at the end")
    b.add_argument("--reference", metavar="DIR", help=REFERENCE_HELP)
    b.set_defaults(run=_batch)

    m = command("similarity")
    m.add_argument("submissions", help="one folder or .zip per student (as for batch)")
    m.add_argument("--out", required=True, help="where similarity.csv and similarity.html go")
    m.add_argument("--exercise", action="append", metavar="ID", help="only this exercise (repeatable)")
    m.add_argument("--reference", metavar="DIR", help=REFERENCE_HELP)
    m.add_argument("--threshold", type=float, metavar="S",
                   help="flag pairs at or above this similarity (default: from the class's distribution)")
    m.add_argument("--common-share", type=float, metavar="F",
                   help="code at least this share of the class has is common code, not compared (default 0.3)")
    m.add_argument("--jobs", type=int, metavar="N", help="exercises compared at once (default: the CPUs)")
    m.set_defaults(run=_similarity)

    x = command("export")
    x.add_argument("graded", metavar="OUT", help="a folder batch wrote (its gradebook.csv)")
    x.add_argument("--canvas", metavar="CSV", help="a gradebook exported from Canvas (Grades > Export)")
    x.add_argument("--moodle", metavar="CSV", nargs="?", const="",
                   help="write Moodle's grade import (from --roster, or filling this Moodle grade export)")
    x.add_argument("--roster", metavar="CSV", help="student (folder name) -> sis_login_id, sis_user_id, email or "
                                                  "id_number (default: folder names are the LMS logins)")
    x.add_argument("--assignment", metavar="NAME", help="the LMS column to fill (needed when there are several)")
    x.add_argument("--exercise", metavar="ID", help="send one exercise's score, not the total (one LMS assignment "
                                                   "per exercise)")
    x.add_argument("--out", required=True, metavar="FILE", help="the file to import into the LMS; unmatched.csv "
                                                               "is written beside it")
    x.set_defaults(run=_export)

    z = command("gradescope")
    z.add_argument("--out", required=True)
    z.add_argument("--exercise", action="append", metavar="ID",
                   help="an assignment that grades only this exercise (repeatable; default: all of them)")
    z.set_defaults(run=_gradescope)

    r = command("release")
    r.add_argument("--out", required=True)
    r.set_defaults(run=_release)

    n = command("nbgrader")
    n.add_argument("--out", required=True, help="the course directory (created if needed)")
    n.add_argument("--course-id", default="rnn", help="nbgrader's course id (default: rnn)")
    n.set_defaults(run=_nbgrader)

    k = command("course")
    actions = k.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("scaffold", help="add a new exercise that already grades (a worked example to replace)")
    a.add_argument("id", help="the exercise id, e.g. ex6_lstm")
    a.add_argument("--title", help="its title (default: the id)")
    a.add_argument("--file", help="the student's file (default: the id without exN_, plus .py)")
    a = actions.add_parser("drop", help="remove an exercise: its course.yaml section, folders and calibration data")
    a.add_argument("id")
    actions.add_parser("check", help="what is out of step with course.yaml (exit 1 if anything)")
    k.set_defaults(run=_course)

    d = command("doctor")
    d.add_argument("--exercise", action="append", metavar="ID", help="only this exercise (repeatable)")
    d.set_defaults(run=_doctor)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    bundle, word = _student_bundle(argv)
    if bundle and word in HELP and word not in STUDENT_COMMANDS:
        print(f"error: `{word}` is for instructors; this student bundle has "
              f"{' and '.join(f'`{c}`' for c in STUDENT_COMMANDS)} (python -m autograder check --help)",
              file=sys.stderr)
        return 2
    args = parser(bundle).parse_args(argv)
    try:
        course = load_course(args.course)
        return args.run(args, course)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
