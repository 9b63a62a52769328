"""``grade --jobs N``: a submission's exercises graded side by side in N grading processes.

The exercises are shared out among N ``python -m autograder grade --exercise ... --jobs 1``
processes, each grading its share as serial grading would (every exercise has its own
sandboxed worker either way), and the results are put back together in course order.
Budgets are CPU seconds of the student's process tree, so a neighbour on the next core
changes no verdict (tests/test_parallel.py compares serial and parallel results check by
check). A child that dies leaves its
exercise's checks grader_error, never a 0.

The default N is the CPUs this process may use (``available_cpus``): its affinity mask
(Slurm's and taskset's allocation) and a container's CPU quota (cgroups), whichever is less.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.grading.course import Course
from autograder.grading.results import SubmissionResult, failed_result
from autograder.sandbox.failures import GRADER_ERROR


def _cgroup_quota() -> float | None:
    """CPUs a container's quota allows (cgroup v2 cpu.max, or v1 cfs), None where unlimited."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def available_cpus() -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_quota()
    if quota is not None:
        cpus = min(cpus, max(1, math.floor(quota)))
    return max(1, cpus)


def grade_command(course_path: Path | None, submission: Path, json_out: Path, exercise_ids, *, jobs: int | None,
                  unprotected: bool, public: bool = False, check_names=()) -> list[str]:
    """The command of a child grading process (a share here, a student in ``batch``)."""
    cmd = [sys.executable, "-m", "autograder", *(["--course", str(course_path)] if course_path else []),
           "grade", str(submission), "--json", str(json_out)]
    cmd += [a for e in exercise_ids or [] for a in ("--exercise", e)]
    cmd += ["--public"] * public + [a for c in check_names or [] for a in ("--check", c)]
    cmd += ["--unprotected"] * unprotected + (["--jobs", str(jobs)] if jobs else [])
    return cmd


def grade_in_parallel(path: Path, course: Course, course_path: Path | None, exercise_ids: list[str] | None,
                      public: bool, check_names: list[str] | None, jobs: int, unprotected: bool) -> SubmissionResult:
    exercises = course.select(exercise_ids)
    bins = _share(exercises, jobs)
    work = Path(tempfile.mkdtemp(prefix="autograder-parallel-"))

    def one(i: int, share: list) -> SubmissionResult:
        """One grading process for a share of the exercises (a process costs ~2 s of imports: one per core, not per exercise)."""
        out = work / f"{i}.json"
        cmd = grade_command(course_path, path, out, [e.id for e in share], jobs=1, unprotected=unprotected,
                            public=public, check_names=check_names)
        proc = subprocess.run(cmd, cwd=course.root, capture_output=True, text=True)
        try:
            if proc.returncode not in (0, 3):
                raise ValueError(proc.stderr.strip()[-500:] or f"exit code {proc.returncode}")
            return SubmissionResult.from_json(json.loads(out.read_text()), str(path))
        except (OSError, ValueError, KeyError) as exc:  # json's errors are ValueErrors
            why = f"the grader failed on this exercise, not your code ({exc}); it is not scored"
            return failed_result(share, str(path), why, GRADER_ERROR)

    try:
        with ThreadPoolExecutor(max_workers=len(bins)) as pool:
            parts = list(pool.map(one, range(len(bins)), bins))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    graded = {e.id: e for part in parts for e in part.exercises}
    return SubmissionResult(str(path), [graded[e.id] for e in exercises])  # course order, as serial gives it


def _share(exercises: list, jobs: int) -> list[list]:
    """Exercises into at most ``jobs`` shares of about equal length, longest first into the
    shortest share (their time limits stand in for their lengths)."""
    shares: list[list] = [[] for _ in range(min(max(1, jobs), len(exercises)))]
    for exercise in sorted(exercises, key=lambda e: -e.time_limit):
        min(shares, key=lambda s: sum(e.time_limit for e in s)).append(exercise)
    return shares
