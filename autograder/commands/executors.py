"""Where batch's students are graded: ``batch --executor local|slurm|submitit-local``.

Every executor runs the same job, ``batch.grade_one`` for one student, which grades in a
child ``python -m autograder grade`` and writes ``results/<student>.json`` atomically. So
the guarantees of ``batch`` (resumable, atomic, no student lost or written twice) hold
whichever runs it; this module only decides where, and notices jobs that died.

``local``           this machine, ``--jobs`` students at once (threads, each with its own
                    grading process). The default.
``slurm``           one Slurm job per student, submitted as one job array through submitit;
                    ``--jobs`` is the array's parallelism. Needs a folder every node sees
                    (``--out`` and the kit). Resources: ``cluster`` in course.yaml, then options.
``submitit-local``  the slurm path run by submitit's LocalExecutor on this machine (each job
                    its own process, ``--jobs`` at a time): try the cluster path, and test it.

A job that ends without a result (killed, out of memory, past its time, node lost) leaves
its student with status grader_error, which the next run grades again; a job that wrote its
result before it died keeps it. submitit's own files (pickles, logs) go to ``OUT/jobs``,
and ``OUT/jobs/students.json`` maps each student to its job id.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from autograder.grading.results import write_json_atomic

EXECUTORS = ("local", "slurm", "submitit-local")
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class ClusterOptions:
    """A student's job on a cluster. course.yaml's ``cluster`` section sets them; options override."""
    cpus: int = 2              # the grader and one worker run at once
    memory_gb: float = 4.0     # measured peak of a full submission x 2 (README, "Where courses run")
    time_min: int | None = None  # default: the course's own worst case (batch.job_minutes)
    partition: str | None = None

    @classmethod
    def from_course(cls, raw: dict, **overrides) -> "ClusterOptions":
        values = {k: raw[k] for k in ("cpus", "memory_gb", "time_min", "partition") if raw.get(k) is not None}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def run_jobs(executor: str, todo: dict[str, Path], job: Callable[[str, Path], dict], jobs: int, out: Path,
             options: ClusterOptions, time_min: int, died: Callable[[str, str], dict]) -> Iterator[tuple[str, dict]]:
    """Run ``job(student, source)`` for every student; yield (student, result) as each ends.

    ``died(student, why)``: the result to record for a job that ended without one.
    """
    if executor == "local":
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(job, s, p): s for s, p in todo.items()}
            for future in as_completed(futures):
                yield futures[future], future.result()
        return
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; known: {', '.join(EXECUTORS)}")
    yield from _submitit(executor, todo, job, jobs, out, options, time_min, died)


def _executor(kind: str, folder: Path, jobs: int, options: ClusterOptions, time_min: int):
    try:
        import submitit
    except ImportError:
        raise SystemExit(f"error: --executor {kind} needs submitit: pip install 'rnn-autograder[cluster]'") from None

    if kind == "slurm":
        try:
            ex = submitit.AutoExecutor(folder=folder, cluster="slurm")
        except RuntimeError as exc:  # no srun here: not a Slurm login node
            raise SystemExit(f"error: --executor slurm: {exc} Run batch on the cluster's login node, or use "
                             "--executor local here.") from None
        params = dict(name="autograder", timeout_min=options.time_min or time_min, cpus_per_task=options.cpus,
                      mem_gb=options.memory_gb, slurm_array_parallelism=max(1, jobs))
        if options.partition:
            params["slurm_partition"] = options.partition
        ex.update_parameters(**params)
        return ex
    return submitit.LocalExecutor(folder=folder)


def _submitit(kind, todo, job, jobs, out, options, time_min, died):
    folder = out / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    ex = _executor(kind, folder, jobs, options, time_min)
    from submitit.core.utils import FailedJobError, UncompletedJobError
    index_path = folder / "students.json"
    index: dict[str, str] = {}
    waiting = list(todo.items())
    running: dict[str, object] = {}

    def submit(batch: list[tuple[str, Path]]):
        if kind == "slurm":  # one job array: Slurm schedules it, --jobs at a time
            with ex.batch():
                handles = [ex.submit(job, s, p) for s, p in batch]
        else:                # the local executor starts what it is given at once: the window is ours
            handles = [ex.submit(job, s, p) for s, p in batch]
        for (s, _), h in zip(batch, handles):
            running[s] = h
            index[s] = str(h.job_id)
        write_json_atomic(index_path, index)

    if kind == "slurm":
        submit(waiting)
        waiting = []
    while running or waiting:
        if kind != "slurm" and waiting and len(running) < max(1, jobs):
            room = max(1, jobs) - len(running)
            submit(waiting[:room])
            waiting = waiting[room:]
        for student, handle in list(running.items()):
            if not handle.done():
                continue
            del running[student]
            try:
                yield student, handle.result()
            except (UncompletedJobError, FailedJobError) as exc:
                yield student, died(student, _why(handle, exc))
        time.sleep(POLL_SECONDS)


def _why(handle, exc) -> str:
    state = getattr(handle, "state", "UNKNOWN")
    first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return f"its grading job {handle.job_id} ended without a result (state {state}: {first})"

