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
(``graded_from``: the submission's hash, the exercise set, the kit's code and
course file); one that does not is graded again, and the run says why.

A student whose grading failed on the grader's side (status ``grader_error``:
the grader crashed, timed out as a whole, or a check hit a grader error) has a
result file that says so and is graded again on the next run, never scored.

DIR gets: gradebook.csv, results/<student>.json, reports/<student>.html,
summary.html, histogram.png, pass_rates.csv.
"""
from __future__ import annotations

import csv
import ctypes
import functools
import hashlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.grading.course import Course
from autograder.commands.executors import ClusterOptions, run_jobs
from autograder.commands.parallel import grade_command
from autograder.sandbox.failures import GRADER_ERROR
from autograder.publish.report import render_report, render_summary
from autograder.grading.results import SubmissionResult, failed_result, write_json_atomic, write_atomic
from autograder.grading.submission import holds_work

MAX_ZIP_BYTES = 200 * 1024 * 1024
MAX_ZIP_FILES = 2000
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1


def student_name(path: Path) -> str:
    name = path.name[:-4] if path.suffix == ".zip" else path.name
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name)


def discover(submissions: Path) -> dict[str, Path]:
    """Student name -> folder or zip, for every entry of the submissions folder."""
    found = {}
    for entry in sorted(submissions.iterdir()):
        if entry.name.startswith(".") or not (entry.is_dir() or entry.suffix == ".zip"):
            continue
        found.setdefault(student_name(entry), entry)
    return found


class SubmissionError(Exception):
    """The submission cannot be graded at all (e.g. a broken zip); the message says why."""


def _extract(z: zipfile.ZipFile, member: zipfile.ZipInfo, into: Path, left: int, name: str) -> int:
    """Write one member, counting the bytes it really inflates to (a zip bomb lies about its sizes)."""
    target = into / member.filename
    if member.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with z.open(member) as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > left:
                raise SubmissionError(f"{name} inflates to more than {MAX_ZIP_BYTES >> 20} MB, too large to grade")
            dst.write(chunk)
    return written


def unpack(archive: Path, into: Path) -> Path:
    """Extract a student's zip safely (no paths outside ``into``, bounded size)."""
    try:
        with zipfile.ZipFile(archive) as z:
            members = z.infolist()
            if len(members) > MAX_ZIP_FILES or sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{archive.name} is too large to grade")
            for m in members:
                target = (into / m.filename).resolve()
                if into.resolve() not in target.parents and target != into.resolve():
                    raise SubmissionError(f"{archive.name} contains a path outside the archive: {m.filename}")
            left = MAX_ZIP_BYTES
            for m in members:
                kind = stat.S_IFMT(m.external_attr >> 16)
                if kind == stat.S_IFLNK:
                    # Kept as a link that leads nowhere: grading refuses it by name ("a symbolic
                    # link, which is not accepted"), and nothing ever follows it.
                    link = into / m.filename
                    link.parent.mkdir(parents=True, exist_ok=True)
                    os.symlink("/nonexistent/link-in-the-zip", link)
                elif kind not in (0, stat.S_IFREG, stat.S_IFDIR) and not m.is_dir():
                    raise SubmissionError(f"{archive.name} contains {m.filename}, which is not a regular file "
                                          "(a device or a pipe), and is not accepted")
                else:
                    left -= _extract(z, m, into, left, archive.name)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive.name} is not a readable zip file ({exc})") from None
    entries = [p for p in into.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    # A zip of one folder (ana.zip holding ana/ex1_myrnn/...) is that folder.
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


@functools.lru_cache(maxsize=None)
def grader_version(course_file: Path) -> str:
    """A hash of what decides a verdict: the kit's code (suites included) and the course file."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]  # autograder/, suites included
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(Path(course_file).read_bytes())
    return digest.hexdigest()[:16]


def submission_hash(source: Path) -> str:
    """A hash of a student's folder (names and bytes, links by their target, never followed) or zip."""
    digest = hashlib.sha256()
    paths = [source] if source.is_file() else sorted(source.rglob("*"))
    for path in paths:
        rel = path.name if path == source else str(path.relative_to(source))
        if path.is_symlink():
            digest.update(f"link {rel} {os.readlink(path)}\0".encode())
        elif path.is_file():
            digest.update(f"file {rel}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def graded_from(course: Course, course_path: Path | None, source: Path, exercises: list[str] | None) -> dict:
    """What a result was graded from; a stored result that differs is stale and graded again."""
    return {"submission": submission_hash(source), "exercises": [e.id for e in course.select(exercises)],
            "grader": grader_version(Path(course_path or course.root / "course.yaml").resolve())}


def stale_reason(data: dict, current: dict) -> str | None:
    """Why a stored result no longer matches this run (None: it does)."""
    if status_of(data) == GRADER_ERROR:
        return "the grader failed last time"
    stored = data.get("graded_from")
    if not isinstance(stored, dict):
        return "no record of what it was graded from"
    for key, why in (("submission", "submission changed"), ("exercises", "other exercises asked for"),
                     ("grader", "grader or course.yaml changed")):
        if stored.get(key) != current[key]:
            return why
    return None


def _die_with_parent():
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


DIE_WITH_PARENT = _die_with_parent if _LIBC is not None else None  # Linux only; elsewhere the timeout ends it


def grade_one(course: Course, course_path: Path | None, student: str, source: Path, out: Path,
              exercises: list[str] | None, unprotected: bool = False, grade_jobs: int | None = 1) -> dict:
    """Grade one student in a child process; always returns a result (and writes it atomically)."""
    target = out / "results" / f"{student}.json"
    fingerprint = graded_from(course, course_path, source, exercises)  # before grading: what was graded
    work = Path(tempfile.mkdtemp(prefix=f"batch-{student}-"))
    selected = course.select(exercises)
    timeout = job_seconds(course, exercises)
    try:
        submission = None
        try:
            submission = unpack(source, work / "unpacked") if source.suffix == ".zip" else source
        except SubmissionError as exc:
            data = failed_result(selected, student, str(exc))
        else:
            tmp_json = work / "result.json"
            cmd = grade_command(course_path, submission, tmp_json, exercises, jobs=grade_jobs, unprotected=unprotected)
            try:
                proc = subprocess.run(cmd, cwd=course.root, capture_output=True, text=True, timeout=timeout,
                                      preexec_fn=DIE_WITH_PARENT)
                if proc.returncode not in (0, 3) or not tmp_json.exists():  # 3: some check is grader_error
                    raise RuntimeError(proc.stderr.strip()[-500:] or f"exit code {proc.returncode}")
                data = json.loads(tmp_json.read_text())
            except subprocess.TimeoutExpired:
                data = failed_result(selected, student, f"the grader did not finish within {timeout:.0f} s; "
                                     "it is not scored and will be graded again", GRADER_ERROR)
            except (RuntimeError, json.JSONDecodeError) as exc:
                data = failed_result(selected, student, f"the grader failed on this submission, not "
                                     f"the student's code: {exc}; it will be graded again", GRADER_ERROR)
        data["student"] = student
        data["graded_from"] = fingerprint
        if submission is not None and status_of(data) != GRADER_ERROR and not holds_work(submission, course, exercises):
            data["nothing_handed_in"] = True
        write_json_atomic(target, data)
        return data
    finally:
        shutil.rmtree(work, ignore_errors=True)


def load_results(out: Path) -> dict[str, dict]:
    results = {}
    for path in sorted((out / "results").glob("*.json")):
        try:
            results[path.stem] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # unreadable: that student is graded again on the next run
    return results


# The gradebook's status column (README, "Grading a class"):
GRADED = "graded"                        # every check ran: the score is final, whatever it is
NOTHING_HANDED_IN = "nothing_handed_in"  # graded 0: no file or notebook of the exercises was found
# GRADER_ERROR ("grader_error"): some check failed on the grader's side; not scored, graded again next run


def status_of(data: dict) -> str:
    tests = [t for e in data["exercises"] for t in e["tests"]]
    if any(t["status"] == GRADER_ERROR for t in tests):
        return GRADER_ERROR
    return NOTHING_HANDED_IN if data.get("nothing_handed_in") else GRADED


def write_gradebook(course: Course, out: Path, results: dict[str, dict]) -> None:
    buf = io.StringIO()
    ids = list(course.exercises)
    writer = csv.writer(buf)
    writer.writerow(["student", *ids, "total", "max_score", "status"])
    for student, data in sorted(results.items()):
        scores = {e["id"]: e["score"] for e in data["exercises"]}
        writer.writerow([student, *[f"{scores[i]:g}" if i in scores else "" for i in ids],
                         f"{data['score']:g}", f"{data['max_score']:g}", status_of(data)])
    write_atomic(out / "gradebook.csv", buf.getvalue())


def write_outputs(course: Course, out: Path, student: str | None = None) -> dict[str, dict]:
    """Rebuild the gradebook (and one student's report, or all) from the result files."""
    results = load_results(out)
    write_gradebook(course, out, results)
    for name, data in results.items():
        if student is None or name == student:
            write_atomic(out / "reports" / f"{name}.html",
                         render_report(SubmissionResult.from_json(data, name), course.title))
    return results


def write_summary(course: Course, out: Path, results: dict[str, dict]) -> None:
    rates = {}
    for data in results.values():
        for e in data["exercises"]:
            for t in e["tests"]:
                passed, total = rates.get((e["id"], t["name"]), (0, 0))
                rates[(e["id"], t["name"])] = (passed + (t["status"] == "passed"), total + 1)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["exercise", "check", "passed", "students", "pass_rate"])
    for (ex, name), (passed, total) in sorted(rates.items(), key=lambda kv: kv[1][0] / kv[1][1]):
        writer.writerow([ex, name, passed, total, f"{passed / total:.3f}"])
    write_atomic(out / "pass_rates.csv", buf.getvalue())
    # The run's maximum (its exercises), not the course's: a run of ex1 alone is out of 30.
    max_score = max((d["max_score"] for d in results.values()), default=course.max_score)
    png = histogram_png([d["score"] for d in results.values()], max_score)
    write_atomic(out / "histogram.png", png)
    students = {name: (data, status_of(data)) for name, data in results.items()}
    write_atomic(out / "summary.html", render_summary(course.title, students, rates, png, max_score))


def histogram_png(scores: list[float], max_score: float) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(scores, bins=20, range=(0, max_score or 1), color="tab:blue", edgecolor="white")
    ax.set_xlabel(f"total score (of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"Scores of {len(scores)} submissions")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=70)
    plt.close(fig)
    return buf.getvalue()


def job_seconds(course: Course, exercises: list[str] | None) -> float:
    """A student's worst case: every check of every exercise at its wall backstop, and 5 minutes more."""
    return sum(course.wall_backstop(e.time_limit) for e in course.select(exercises)) + 300


def job_minutes(course: Course, exercises: list[str] | None) -> int:
    """``job_seconds`` in whole minutes, rounded up (a cluster job's time limit)."""
    return int(job_seconds(course, exercises)) // 60 + 1


def _job(course, course_path, out, exercises, unprotected, grade_jobs, student: str, source: Path) -> dict:
    """One student's job, as an executor runs it (a top-level function: submitit pickles it)."""
    return grade_one(course, course_path, student, source, out, exercises, unprotected, grade_jobs)


def _job_died(course, course_path, todo, out, exercises, student: str, why: str) -> dict:
    """A job ended without returning: keep the result it wrote if it got that far, else grader_error."""
    target = out / "results" / f"{student}.json"
    fingerprint = graded_from(course, course_path, todo[student], exercises)
    try:
        data = json.loads(target.read_text())
        if data.get("graded_from") == fingerprint and status_of(data) != GRADER_ERROR:
            return data
    except (OSError, json.JSONDecodeError):
        pass
    data = failed_result(course.select(exercises), student, f"the grader failed on this submission, not the "
                         f"student's code: {why}; it will be graded again", GRADER_ERROR)
    data.update(student=student, graded_from=fingerprint)
    write_json_atomic(target, data)
    return data


def run_batch(course: Course, course_path: Path | None, submissions: Path, out: Path, jobs: int = 1,
              regrade: bool = False, exercises: list[str] | None = None, progress: bool = True,
              plan: dict | None = None, unprotected: bool = False, executor: str = "local",
              cluster: ClusterOptions | None = None) -> dict[str, dict]:
    """Grade every student whose stored result is missing or stale (``stale_reason``); keep the rest.

    ``plan`` (if given) receives {"kept": n, "reasons": {student: why graded}}.
    """
    plan = {} if plan is None else plan
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    students = discover(submissions)
    stored = load_results(out)
    reasons: dict[str, str] = {}
    for s, p in students.items():
        if regrade:
            reasons[s] = "--regrade"
        elif s not in stored:
            reasons[s] = "new"
        else:
            why = stale_reason(stored[s], graded_from(course, course_path, p, exercises))
            if why:
                reasons[s] = why
    todo = {s: p for s, p in students.items() if s in reasons}
    plan.update(kept=len(students) - len(todo), reasons=reasons)
    bar, done = None, len(students) - len(todo)
    if progress and sys.stderr.isatty():  # a live bar in a terminal; in a log, one line per student
        from tqdm import tqdm
        bar = tqdm(total=len(students), initial=done, unit="student", file=sys.stderr)
    # Here, --jobs students at once, each graded serially; a cluster job grades its student's
    # exercises side by side on the CPUs it was given (grade's default).
    grade_jobs = 1 if executor == "local" else None
    job = functools.partial(_job, course, course_path, out, exercises, unprotected, grade_jobs)
    died = functools.partial(_job_died, course, course_path, todo, out, exercises)
    for student, data in run_jobs(executor, todo, job, jobs, out, cluster or ClusterOptions.from_course(course.cluster),
                                  job_minutes(course, exercises), died):
        write_outputs(course, out, student)
        done += 1
        if bar:
            bar.update(1)
        elif progress:
            print(f"[{done}/{len(students)}] {student}: {data['score']:g} / {data['max_score']:g} "
                  f"({status_of(data)})", file=sys.stderr, flush=True)
    if bar:
        bar.close()
    results = write_outputs(course, out)
    results = {s: r for s, r in results.items() if s in students}
    write_summary(course, out, results)
    return results
