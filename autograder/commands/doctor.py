"""``python -m autograder doctor``: is this machine fit to grade on?

Run it once on every machine you grade on (a grading VM, a cluster node,
Gradescope's image). It prints the torch build, the threads, the isolation and
the memory and time mechanisms in force, then grades the reference solutions
and the blank stubs and shows, per exercise and per check, the CPU seconds the
reference used against its budget in course.yaml.

Exit 1, with a WARNING line for each, when:
- a reference check does not pass (a grade on this machine would be wrong);
- a reference exercise or check uses more than half its CPU budget (margin
  under 2x: a slower machine could time it out);
- a blank stub earns points, or any check fails on the grader's side;
- the course is out of step with course.yaml (``course_tools.problems``: stale stubs, folders of no
  exercise, zoos below the minimum, an installed kit that is not this folder's).
"""
from __future__ import annotations

import platform
import sys

from autograder.grading.course import KIT_ROOT, Course
from autograder.grading.results import PENDING, out_of

MIN_MARGIN = 2.0


def machine_lines() -> list[str]:
    import numpy
    import psutil
    import torch

    from autograder.sandbox import isolation, watchdog

    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU only"
    try:
        scratch = str(isolation.scratch_root())
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        scratch = f"NONE ({exc})"
    return [
        f"python:    {platform.python_version()} ({sys.executable})",
        f"torch:     {torch.__version__} ({build}); numpy {numpy.__version__}; CPU kernel "
        f"{torch.backends.cpu.get_cpu_capability()}; student code runs with 1 thread and no GPU",
        f"machine:   {platform.platform()}, {psutil.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2 ** 30:.1f} GiB",
        isolation.describe(),
        f"memory:    resident memory of the worker's process tree, its memfds and private tmpfs (bytes and "
        f"inodes), and where it has a cgroup the kernel's own count, sampled every "
        f"{watchdog.SAMPLE_SECONDS * 1000:.0f} ms "
        f"(psutil {psutil.__version__}); address space is not limited",
        f"scratch:   {scratch}",
    ]


def budget_rows(course: Course, result) -> tuple[list[str], list[str]]:
    """Per exercise and check: reference CPU seconds against the budget; warnings."""
    lines, warnings = [], []
    lines.append(f"{'exercise / check':<42} {'CPU s':>8} {'budget':>8} {'margin':>8}")
    for er in result.exercises:
        ex = course.exercises[er.id]
        used = sum(t.cpu_seconds for t in er.tests)
        margin = ex.time_limit / used if used > 0 else float("inf")
        lines.append(f"{er.id:<42} {used:>8.1f} {ex.time_limit:>8.0f} {margin:>7.1f}x   "
                     f"{er.score:g}/{er.max_score:g} points")
        if margin < MIN_MARGIN:
            warnings.append(f"{er.id}: the reference used {used:.1f} of {ex.time_limit:g} CPU s (margin {margin:.1f}x)")
        for t in er.tests:
            budget = ex.checks[t.name].timeout
            m = budget / t.cpu_seconds if t.cpu_seconds > 0 else float("inf")
            if t.cpu_seconds >= 1 or m < MIN_MARGIN:
                lines.append(f"  {t.name:<40} {t.cpu_seconds:>8.1f} {budget:>8.0f} {m:>7.1f}x")
            if m < MIN_MARGIN:
                warnings.append(f"{er.id}/{t.name}: the reference used {t.cpu_seconds:.1f} of {budget:g} CPU s "
                                f"(margin {m:.1f}x)")
            if t.status not in ("passed", PENDING):   # pending: a written answer, for a person to mark
                warnings.append(f"{er.id}/{t.name}: the reference does not pass here ({t.status}): "
                                f"{t.output.splitlines()[0] if t.output else ''}")
    return lines, warnings


def run_doctor(course: Course, exercise_ids: list[str] | None) -> int:
    from autograder.grading.engine import grade

    from autograder.commands.course_tools import problems

    print("\n".join(machine_lines()))
    warnings: list[str] = list(problems(course, exercise_ids))   # out of step with course.yaml; another kit
    solutions, stubs = KIT_ROOT / "solutions", KIT_ROOT / "exercises"
    if solutions.is_dir():
        print("\nGrading the reference solutions (solutions/) ...", flush=True)
        reference = grade(solutions, course, exercise_ids)
        lines, found = budget_rows(course, reference)
        print("\n".join(lines))
        warnings += found
        print(f"reference: {out_of(reference.score, reference.max_score, reference.pending_points)}; peak memory "
              f"of one worker's tree {max(reference.peak_rss_mb.values() or [0]):.0f} MB")
    else:
        print("\nno solutions/ here (a student bundle or Gradescope's zip): budgets not measured")
    if stubs.is_dir():
        print("Grading the blank stubs (exercises/) ...", flush=True)
        blank = grade(stubs, course, exercise_ids)
        earned = [f"{e.id}/{t.name}" for e in blank.exercises for t in e.tests if t.score > 0]
        silent = [f"{e.id}/{t.name}" for e in blank.exercises for t in e.tests if not t.output.strip()]
        print(f"blank stubs: {blank.score:g} / {blank.max_score:g}")
        if earned:
            warnings.append(f"blank stubs earn points on {', '.join(earned)}")
        if silent:
            warnings.append(f"blank stubs fail without a message on {', '.join(silent)}")
        warnings += [f"{name}: grader error on the blank stubs" for name in blank.grader_errors]
    for w in warnings:
        print(f"WARNING: {w}")
    print("doctor: " + ("this machine grades as the kit expects" if not warnings else
                        f"{len(warnings)} problem(s); grades on this machine may be wrong"))
    return 1 if warnings else 0
