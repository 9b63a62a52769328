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

A job that ends without a result (killed, cancelled, out of memory, past its time, node lost)
leaves its student with status grader_error, which the next run grades again; a job that wrote
its result before it died keeps it. On Slurm the kit sees such a job end in ``squeue`` (which
keeps finished jobs for MinJobAge), not only in ``sacct``: a cluster without an accounting
database, where submitit's own look-ups fail and a dead job would look "UNKNOWN" forever, is
graded all the same. submitit's own files (pickles, logs) go to ``OUT/jobs``,
and ``OUT/jobs/students.json`` maps each student to its job id.
"""
from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from autograder.grading.results import write_json_atomic

EXECUTORS = ("local", "slurm", "submitit-local")
POLL_SECONDS = 1.0
QUEUE_SECONDS = 5.0    # how often squeue is asked which jobs ended (one call for the whole array)
RESULT_GRACE_S = 15.0  # a job Slurm says ended has this long for its result file to appear (shared disks lag)
# Slurm's job states in which nothing of the job runs any more (squeue --states=all shows them).
ENDED = {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
         "TIMEOUT", "REVOKED", "SPECIAL_EXIT"}


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
        minutes = options.time_min or time_min
        # submitit asks Slurm for a warning signal this long before the time limit, and ends a job
        # that is not checkpointable when it comes: 90 s by default, which for a limit of a minute
        # or two would end every job as it starts. A quarter of the limit, at most 90 s.
        params = dict(name="autograder", timeout_min=minutes, cpus_per_task=options.cpus,
                      mem_gb=options.memory_gb, slurm_array_parallelism=max(1, jobs),
                      slurm_signal_delay_s=max(10, min(90, minutes * 60 // 4)))
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
            try:
                with ex.batch():
                    handles = [ex.submit(job, s, p) for s, p in batch]
            except (FailedJobError, OSError, subprocess.SubprocessError) as exc:
                raise SystemExit(f"error: --executor slurm: sbatch did not take the jobs: {_last_error(exc)}. "
                                 "Is this a login node of a running cluster (sinfo)? Nothing was graded.") from None
        else:                # the local executor starts what it is given at once: the window is ours
            handles = [ex.submit(job, s, p) for s, p in batch]
        for (s, _), h in zip(batch, handles):
            running[s] = h
            index[s] = str(h.job_id)
        write_json_atomic(index_path, index)
        if kind == "slurm" and handles:   # the id README's scontrol/scancel lines need, said once
            array = str(handles[0].job_id).split("_")[0]
            print(f"submitted {len(handles)} student(s) as Slurm job array {array} (scontrol show job {array}; "
                  f"squeue -j {array}; one student: scancel {array}_<n>, {index_path} says which n)",
                  file=sys.stderr, flush=True)

    if kind == "slurm":
        submit(waiting)
        waiting = []
    queue = SlurmQueue() if kind == "slurm" else None
    while running or waiting:
        if kind != "slurm" and waiting and len(running) < max(1, jobs):
            room = max(1, jobs) - len(running)
            submit(waiting[:room])
            waiting = waiting[room:]
        ended = queue.ended({s: str(h.job_id) for s, h in running.items()}) if queue else {}
        for student, handle in list(running.items()):
            if not _finished(kind, handle):
                if student in ended:
                    del running[student]  # Slurm says it ended, and it left no result
                    yield student, died(student, f"its grading job {handle.job_id} ended without a result "
                                                 f"(Slurm: {ended[student]})")
                continue
            del running[student]
            try:
                yield student, handle.result()
            except (UncompletedJobError, FailedJobError) as exc:
                yield student, died(student, _why(handle, exc))
        time.sleep(POLL_SECONDS)


def _finished(kind: str, handle) -> bool:
    """Whether the job left its result. On Slurm, only the result file is looked at: submitit's ``done()``
    also asks ``sacct`` now and then, which on a cluster without accounting fails with a warning every
    time (on the console, twice, for every poll); whether a job ended without a result is SlurmQueue's
    (squeue's) to say."""
    if kind != "slurm":
        return handle.done()
    folder = handle.paths.folder
    with contextlib.suppress(OSError):
        folder.chmod(folder.stat().st_mode)   # refreshes a shared disk's view of the folder, as submitit does
    return handle.paths.result_pickle.exists()


class SlurmQueue:
    """Which of our jobs Slurm says have ended, and how (``squeue --states=all``, one call per poll).

    A job counts as ended (and without a result) once squeue has shown it in an ended state, or
    stopped listing it, for RESULT_GRACE_S: time for a result written at its end to become visible.
    If squeue itself fails, nothing is concluded (the cluster may be busy).
    """

    def __init__(self):
        self.asked_at = 0.0
        self.first_seen: dict[str, tuple[float, str]] = {}

    def ended(self, jobs: dict[str, str]) -> dict[str, str]:
        """student -> how its job ended, for the jobs past their grace."""
        now = time.monotonic()
        if jobs and now - self.asked_at >= QUEUE_SECONDS:
            self.asked_at = now
            states = self._states({j.split("_")[0] for j in jobs.values()})
            if states is not None:
                for student, job_id in jobs.items():
                    state, reason = states.get(job_id, ("no longer in Slurm's queue", ""))
                    if job_id not in states or state.split()[0] in ENDED:
                        why = f"{state}, {reason}" if reason and reason != "None" else state
                        self.first_seen.setdefault(student, (now, why))
                    else:
                        self.first_seen.pop(student, None)  # requeued, or running again
        return {s: why for s, (at, why) in self.first_seen.items() if s in jobs and now - at >= RESULT_GRACE_S}

    @staticmethod
    def _states(arrays: set[str]) -> dict[str, tuple[str, str]] | None:
        cmd = ["squeue", "--noheader", "--array", "--states=all", "--format=%i|%T|%r", "--jobs", ",".join(sorted(arrays))]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            return None
        if proc.returncode != 0:
            # squeue refuses ids it has forgotten (past MinJobAge) with "Invalid job id": all ended
            return {} if "Invalid job id" in proc.stderr else None
        states = {}
        for line in proc.stdout.splitlines():
            job_id, _, rest = line.strip().partition("|")
            state, _, reason = rest.partition("|")
            states[job_id] = (state, reason)
        return states


def _last_error(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()] or lines or [repr(exc)]
    return errors[-1][:300]


def _why(handle, exc) -> str:
    first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    if "timed-out" in first:  # submitit's words when Slurm's warning of the time limit came
        return (f"its grading job {handle.job_id} reached its time limit (Slurm: TIMEOUT; --time-min, or "
                "course.yaml's cluster time_min, sets it)")
    return f"its grading job {handle.job_id} ended without a result ({first})"

