"""Grade a whole class: ``python -m autograder batch SUBMISSIONS_DIR --out DIR [--jobs N] [--regrade]``.

Every entry of SUBMISSIONS_DIR is one student: a folder (laid out like
exercises/, or flat) or a .zip of one. Each student is graded by its own
``python -m autograder grade`` process, ``--jobs`` at a time, so a crash, a
hang or hostile code can only ever affect that student's result.

Interrupt safety: a student's result is written atomically to
``DIR/results/<student>.json`` when their grading ends, and nothing else holds
state. A run killed at any moment (SIGKILL included; the grading processes die
with it) and started again skips the students whose result exists and grades
the rest. The gradebook, reports and summary are rebuilt from the result files,
so no student is lost and no row is written twice. ``--regrade`` grades everyone again.

A stored result is kept only while it matches what it was graded from
(``fingerprints.graded_from``: per exercise, its files in the submission and its part
of the kit; the kit's shared code and settings): only the exercises that changed are
graded again, the others kept, and the run says why.

A student whose grading failed on the grader's side (status ``grader_error``:
the grader crashed, timed out as a whole, or a check hit a grader error) has a
result file that says so and is graded again on the next run, never scored.

DIR gets: gradebook.csv, results/<student>.json, reports/<student>.html,
summary.html, histogram.png, pass_rates.csv, mistakes.csv, and the similarity report
(similarity.csv, similarity.html; ``similarity=False`` skips it); where the course has written
questions, marks/<exercise>.<question>.csv for the marks a person gives them (and marks/rubrics.md),
which every run folds into the gradebook, reports and summary (``grading/marks.py``).
"""
from __future__ import annotations

import ctypes
import functools
import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading.neutral import for_terminal
from autograder.grading.course import Course, CourseError
from autograder.commands.executors import ClusterOptions, run_jobs
from autograder.commands.fingerprints import graded_from, what_to_grade
from autograder.commands.parallel import grade_command
from autograder.grading.archives import SubmissionError, unpack
from autograder.grading.marks import Marks
from autograder.grading.results import GRADER_ERROR, SubmissionResult, failed_result, write_json_atomic
from autograder.grading.submission import holds_work
from autograder.publish.classbook import write_gradebook, write_report, write_summary

GRADEBOOK_SECONDS = 5  # how often gradebook.csv is rewritten while students finish

_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1


def student_name(path: Path) -> str:
    name = path.name[:-4] if path.suffix == ".zip" else path.name
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name)


def discover(submissions: Path) -> dict[str, Path]:
    """Student name -> folder or zip, for every entry of the submissions folder.

    Two entries whose names clean up to one student ("ann lee" and "ann_lee", or "bob" and "bob.zip")
    stop the run with both named: grading one of them under that name would be a guess.
    """
    found, clashes = {}, []
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or not (entry.is_dir() or entry.suffix == ".zip"):
            continue
        name = student_name(entry)
        if name in found:
            clashes.append(f"{for_terminal(repr(found[name].name))} and {for_terminal(repr(entry.name))} "
                           f"would both be the student {name!r}")
            continue
        found[name] = entry
    if clashes:
        raise CourseError(f"{submissions}: " + "; ".join(clashes) + ". Rename one of each pair (a student is "
                          "graded under their cleaned-up folder name), then run batch again")
    return found


def _die_with_parent():
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


DIE_WITH_PARENT = _die_with_parent if _LIBC is not None else None  # Linux only; elsewhere the timeout ends it


def grade_one(course: Course, course_path: Path | None, student: str, source: Path, out: Path,
              exercises: list[str] | None, unprotected: bool = False, grade_jobs: int | None = 1,
              only: list[str] | None = None) -> SubmissionResult:
    """Grade one student in a child process; always returns a result (and writes it atomically).

    ``only``: grade these of ``exercises`` now and keep the others from the stored result
    (``what_to_grade``); where that cannot be read, all of them are graded."""
    target = out / "results" / f"{student}.json"
    kept = read_result(target) if only else None
    if kept is None or kept.status == GRADER_ERROR:
        kept, only = None, None
    work = Path(tempfile.mkdtemp(prefix=f"batch-{student}-"))
    selected = course.select(only or exercises)
    timeout = job_seconds(course, only or exercises)
    try:
        submission = None
        try:
            submission = unpack(source, work / "unpacked") if source.suffix == ".zip" else source
        except SubmissionError as exc:
            result = failed_result(selected, student, str(exc))
        # What is graded, hashed before grading reads it (a zip: from the folder it was just unpacked
        # to). run_batch hashed it too, to plan; this is the record, taken when the job runs (a
        # cluster job may start long after the plan).
        fingerprint = graded_from(course, course_path, source, exercises,
                                  unpacked=None if submission is source else submission)
        if submission is not None:
            tmp_json = work / "result.json"
            cmd = grade_command(course_path, submission, tmp_json, only or exercises, jobs=grade_jobs,
                                unprotected=unprotected)
            try:
                proc = subprocess.run(cmd, cwd=course.root, capture_output=True, text=True, timeout=timeout,
                                      preexec_fn=DIE_WITH_PARENT)
                if proc.returncode < 0:  # killed from outside: a cancelled job, a node going down
                    raise RuntimeError(f"its grading process was stopped by {_signal_name(-proc.returncode)} "
                                       "(was its job cancelled, or past its time?)")
                if proc.returncode not in (0, 3) or not tmp_json.exists():  # 3: some check is grader_error
                    raise RuntimeError(proc.stderr.strip()[-500:] or f"exit code {proc.returncode}")
                result = SubmissionResult.from_json(json.loads(tmp_json.read_text()), student)
            except subprocess.TimeoutExpired:
                result = failed_result(selected, student, f"the grader did not finish within {timeout:.0f} s; "
                                     "it is not scored and will be graded again", GRADER_ERROR)
            except (RuntimeError, json.JSONDecodeError, KeyError, TypeError) as exc:
                result = failed_result(selected, student, f"the grader failed on this submission, not "
                                     f"the student's code: {_in_words(exc)}; it will be graded again", GRADER_ERROR)
        if kept is not None:
            result = merged(course, exercises, kept, result)
        result.student, result.graded_from = student, fingerprint
        if submission is not None and result.status != GRADER_ERROR and not holds_work(submission, course, exercises):
            result.nothing_handed_in = True
        write_json_atomic(target, result.to_json())
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def merged(course: Course, exercises: list[str] | None, kept: SubmissionResult, new: SubmissionResult) -> SubmissionResult:
    """A stored result with some exercises graded again: the new ones replace theirs, in course order;
    exercises no longer asked for are dropped."""
    by_id = {e.id: e for e in kept.exercises} | {e.id: e for e in new.exercises}
    return SubmissionResult(new.submission, [by_id[e.id] for e in course.select(exercises) if e.id in by_id],
                            peak_rss_mb={**kept.peak_rss_mb, **new.peak_rss_mb})


def kept_as_is(result: SubmissionResult, current: dict, out: Path) -> SubmissionResult:
    """A kept result, with its record brought up to date where the submission changed outside every
    exercise's files (a README added, a file no exercise reads)."""
    if result.graded_from != current:
        result.graded_from = current
        write_json_atomic(out / "results" / f"{result.student}.json", result.to_json())
    return result


def _in_words(exc: Exception) -> str:
    # submitit raises its UncompletedJobError (a RuntimeError) in a Slurm job when the warning
    # of the job's time limit comes, wherever the job is: here, while the grading process runs.
    if type(exc).__name__ == "UncompletedJobError" and "timed-out" in str(exc):
        return ("its job reached its time limit (Slurm: TIMEOUT; --time-min, or course.yaml's cluster "
                "time_min, sets it)")
    return str(exc)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def read_result(path: Path) -> SubmissionResult | None:
    """A stored result file, or None when it cannot be read (that student is graded again)."""
    try:
        return SubmissionResult.from_json(json.loads(path.read_text()), path.stem)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_results(out: Path) -> dict[str, SubmissionResult]:
    """The readable stored results of ``out/results``."""
    found = {path.stem: read_result(path) for path in sorted((out / "results").glob("*.json"))}
    return {student: result for student, result in found.items() if result is not None}


def job_seconds(course: Course, exercises: list[str] | None) -> float:
    """A student's worst case: every check of every exercise at its wall backstop, and 5 minutes more."""
    return sum(course.wall_backstop(e.time_limit) for e in course.select(exercises)) + 300


def job_minutes(course: Course, exercises: list[str] | None) -> int:
    """``job_seconds`` in whole minutes, rounded up (a cluster job's time limit)."""
    return int(job_seconds(course, exercises)) // 60 + 1


def _job(course, course_path, out, exercises, unprotected, grade_jobs, only: dict, student: str,
         source: Path) -> SubmissionResult:
    """One student's job, as an executor runs it (a top-level function: submitit pickles it)."""
    return grade_one(course, course_path, student, source, out, exercises, unprotected, grade_jobs,
                     only.get(student))


def _job_died(course, course_path, todo, out, exercises, student: str, why: str) -> SubmissionResult:
    """A job ended without returning: keep the result it wrote if it got that far, else grader_error."""
    target = out / "results" / f"{student}.json"
    fingerprint = graded_from(course, course_path, todo[student], exercises)
    written = read_result(target)
    if written is not None and written.graded_from == fingerprint and written.status != GRADER_ERROR:
        return written
    result = failed_result(course.select(exercises), student, f"the grader failed on this submission, not the "
                           f"student's code: {why}; it will be graded again", GRADER_ERROR)
    result.student, result.graded_from = student, fingerprint
    write_json_atomic(target, result.to_json())
    return result


def run_batch(course: Course, course_path: Path | None, submissions: Path, out: Path, jobs: int = 1,
              regrade: bool = False, exercises: list[str] | None = None, progress: bool = True,
              plan: dict | None = None, unprotected: bool = False, executor: str = "local",
              cluster: ClusterOptions | None = None, similarity: bool = True,
              reference: Path | None = None) -> dict[str, SubmissionResult]:
    """Grade every student whose stored result is missing or stale (``stale_reason``); keep the rest.

    ``plan`` (if given) receives {"kept": n, "reasons": {student: why graded}, "similarity": one line}.
    ``similarity``: write the class's similarity report beside the gradebook (after it: a report
    that fails is a warning, and no grade depends on it); ``reference``: its known sources (similarity --reference).
    """
    plan = {} if plan is None else plan
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    students = discover(submissions)
    stored = load_results(out)
    reasons: dict[str, str] = {}
    only: dict[str, list[str]] = {}   # student -> the exercises graded again (the others kept)
    for s, p in students.items():
        if regrade:
            reasons[s] = "--regrade"
        elif s not in stored:
            reasons[s] = "new"
        else:
            current = graded_from(course, course_path, p, exercises)
            why, changed = what_to_grade(stored[s], current)
            if why:
                reasons[s] = why
                if changed:
                    only[s] = changed
            else:
                stored[s] = kept_as_is(stored[s], current, out)
    todo = {s: p for s, p in students.items() if s in reasons}
    plan.update(kept=len(students) - len(todo), reasons=reasons)
    # The bar counts the class (the kept students are done); a log line counts the students graded by this run.
    bar, done, graded = None, len(students) - len(todo), 0
    if progress and sys.stderr.isatty():  # a live bar in a terminal; in a log, one line per student
        from tqdm import tqdm
        bar = tqdm(total=len(students), initial=done, unit="student", file=sys.stderr)
    # Here, --jobs students at once, each graded serially; a cluster job grades its student's
    # exercises side by side on the CPUs it was given (grade's default).
    grade_jobs = 1 if executor == "local" else None
    job = functools.partial(_job, course, course_path, out, exercises, unprotected, grade_jobs, only)
    died = functools.partial(_job_died, course, course_path, todo, out, exercises)
    # The class in memory, read once: each finished student updates it, and the gradebook is
    # rewritten from it (at most every GRADEBOOK_SECONDS while jobs finish, and at the end).
    results = {s: r for s, r in stored.items() if s in students and s not in todo}
    # The marks people gave written answers (grading/marks.py), folded into what the class's files show; the
    # stored results never hold them, so a regrade loses none.
    marks = Marks.read(course, out)
    plan["marks"] = marks.problems
    shown = {s: marks.apply(course, s, r) for s, r in results.items()}
    written_at = 0.0
    for student, result in run_jobs(executor, todo, job, jobs, out,
                                    cluster or ClusterOptions.from_course(course.cluster),
                                    job_minutes(course, exercises), died):
        results[student] = result
        shown[student] = marks.apply(course, student, result)
        write_report(course, out, student, shown[student])
        if time.monotonic() - written_at > GRADEBOOK_SECONDS:
            write_gradebook(course, out, shown)
            written_at = time.monotonic()
        done += 1
        graded += 1
        if bar:
            bar.update(1)
        elif progress:
            kept = f", {len(students) - len(todo)} kept" if len(todo) < len(students) else ""
            print(f"[{graded}/{len(todo)} graded{kept}] {for_terminal(student)}: {result.score:g} / "
                  f"{result.max_score:g} ({result.status})", file=sys.stderr, flush=True)
    if bar:
        bar.close()
    for student, result in shown.items():
        # a kept result whose report was lost, or whose written answers have marks (entered since, perhaps)
        if student not in todo and (not (out / "reports" / f"{student}.html").exists()
                                    or marks.given):
            write_report(course, out, student, result)
    write_gradebook(course, out, shown)
    marks.write_templates(course, out, shown)
    words = None
    if similarity:
        plan["similarity"], words = _similarity(course, submissions, out, exercises, reference)
    if words is None and (out / "similarity.html").exists():
        words = "written by an earlier run (this one did not compare the class)"
    write_summary(course, out, shown, similarity=words)
    return dict(sorted(shown.items()))


def _similarity(course: Course, submissions: Path, out: Path, exercises: list[str] | None,
                reference: Path | None) -> tuple[str, str | None]:
    """The console's line, and the report in words for the summary (None: no report this run)."""
    from autograder.commands.similarity import write_report

    try:
        return write_report(course, submissions, out, exercises, reference)
    except Exception as exc:  # noqa: BLE001 - the grades are written; a report that failed must not hide them
        again = f" --reference {reference}" if reference else ""
        return (f"warning: the similarity report failed ({type(exc).__name__}: {exc}); the grades are unaffected. "
                f"Run `python -m autograder similarity {submissions} --out {out}{again}` to try again.", None)
