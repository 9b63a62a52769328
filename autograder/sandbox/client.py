"""The grader's handle on one student process (``worker.py`` is the other end).

A ``StudentProcess`` stages the worker's code, the exercise's probes and the
student's files (``staging``), starts the worker under the isolation in force
(``isolation``), and waits for it to say "ready": Python, torch, numpy and the
probes are loaded, and no student code has run. Anything that fails before that
is the grader's failure (``GraderError``), never the student's.

Each call then has a budget of CPU seconds, measured on the worker's whole
process tree by the ``watchdog`` (which also enforces the memory limit on
resident memory), and a generous wall-clock backstop against code that sleeps
or blocks. A failed call kills the worker; the next call starts a fresh one,
so one bad check never takes the others down with it. Messages travel framed
by ``wire`` over ``channels``; what a dead worker's exit means, in words, is
``failures.exit_failure``'s. The student's share of the CPU count is kept by
``accounting``, what the audit channel reports by ``evidence``; this module keeps
the lifecycle and the waits, which read together since every wait is a budget check.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox import cgroups, isolation, wire
from autograder.sandbox.accounting import CpuAccount
from autograder.sandbox.channels import Channels, open_channels
from autograder.sandbox.evidence import AuditLog
from autograder.sandbox.failures import (GraderError, StudentCrashed, StudentFailure, StudentTimeout, cpu_timeout_message,
                                         exit_failure, failure_from_error, memory_message, wall_timeout_message,
                                         SECCOMP_EVIDENCE)
from autograder.sandbox.staging import make_stage, remove_tree, worker_env
from autograder.sandbox.isolation import Limits
from autograder.sandbox.watchdog import Watchdog
from autograder.sandbox.worker import AUDIT_CLOSED

# A reply the worker never sends (unreadable, or not the answer to the request in flight): the worker's
# own replies are whole messages that echo their request's id, so only the student's code makes one.
REPLY_FORGED = "tamper wrote into the grader's reply channel"
READY_SECONDS = 300      # wall seconds for the worker's own start (importing torch on a slow, loaded machine)
POLL_SECONDS = 0.05


def _then(first, second):
    """A preexec_fn that runs ``first`` then ``second``."""
    def both():
        first()
        second()
    return both


@dataclass
class StudentProcess:
    """One exercise's student code, in its own process, answering probe calls."""

    module: str                      # e.g. "myrnn"
    student_files: dict[str, Path]   # file name -> path in the submission (may not exist)
    probes: Path                     # the exercise's probes.py
    given: dict[str, Path] = field(default_factory=dict)  # kit files beside the student's (kit's copy wins)
    limits: Limits = field(default_factory=Limits)
    hide: list[str] = field(default_factory=list)       # what the 'namespace' fallback covers
    _proc: subprocess.Popen | None = None
    _cgroup: cgroups.WorkerCgroup | None = None
    _watchdog: Watchdog | None = None
    _load_failure: StudentFailure | None = None
    _start_failure: GraderError | None = None
    _starts: int = 0
    _ready: bool = False   # the worker said it was ready (after _start, which does not wait for it)
    _loaded: bool = False  # the load request was sent: student code may have run in a worker of this process
    cpu: CpuAccount = field(default_factory=CpuAccount)  # the student's CPU seconds (accounting.py)
    # What the worker's audit channel reported (evidence.py), over every worker this process started.
    audit: AuditLog = field(default_factory=AuditLog)
    _channels: Channels | None = None
    start_wall: float = 0.0          # real seconds spent starting workers (the grader's time, not the student's)
    seccomp_off: str | None = "not started"   # why the worker has no seccomp filter; None: it has one

    @property
    def evidence(self):
        """Event -> times seen: "kernel", "tamper <event>", "import <package>" (read by the grader only)."""
        return self.audit.events

    def __post_init__(self):
        stage = make_stage(self.module, self.probes, self.student_files, self.given)
        self.base, self.code_dir, self.student_dir, self.home = stage.base, stage.code_dir, stage.student_dir, stage.home
        self._load_failure = stage.refused

    # -- lifecycle

    def _start(self):
        self._starts += 1
        channels = open_channels(isolation.PORTABLE)
        request, reply, audit = channels.child_args()
        self._log_path = self.base / f"output-{self._starts}.log"
        uid = isolation.worker_uid()
        if uid is not None and isolation.mode() != "bwrap":
            os.chown(self.home, uid, uid)  # its home outside bubblewrap (inside, /tmp is its own)

        def worker_args(where, drop_to):
            return [request, reply, where.code_dir, where.student_dir, self.module,
                    "-" if drop_to is None else str(drop_to), audit]

        plan = isolation.launch(self.code_dir, self.student_dir, self.home, worker_args, self.limits,
                                self.hide, self.base / "stash", uid)
        self._cgroup = cgroups.WorkerCgroup.create(self.limits.memory_mb, self.limits.processes)
        preexec = plan.preexec if self._cgroup is None else _then(self._cgroup.join, plan.preexec)
        env = worker_env(plan.home)
        if isolation.mode() == "bwrap":
            # The worker sets its own RLIMIT_NPROC once it is its own user: inside bubblewrap's
            # user namespace (grader not root) that counts this worker's processes only.
            env["AUTOGRADER_NPROC"] = str(self.limits.processes)
        with open(self._log_path, "wb") as log:
            try:
                self._proc = subprocess.Popen(
                    plan.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    cwd=self.base, env=env, start_new_session=isolation.PROCESS_GROUPS,
                    preexec_fn=preexec, **channels.popen_kwargs())
            except (OSError, subprocess.SubprocessError) as exc:
                channels.close()
                self._drop_cgroup()
                raise GraderError(f"could not start the sandbox ({exc})") from None
            finally:
                channels.started()
        self._channels = channels
        self.audit.new_worker()
        cg = self._cgroup
        self._watchdog = Watchdog(self._proc.pid, self.limits.memory_mb, cg and cg.memory_bytes, cg and cg.cpu_seconds)
        self._ready = False

    def adopt(self, student_files: dict[str, Path]) -> None:
        """Hand a warm process (started, perhaps ready, no student code loaded yet) the student's files: the
        grader's warm server keeps one started per exercise so that a student's next check skips the
        worker's start. Refused once the student's module has been loaded: a worker imports it once."""
        from autograder.sandbox.staging import fill_student_dir

        if self._starts > 1 or self._loaded:
            raise RuntimeError("adopt() on a process that has run a student's code")
        self.student_files = student_files
        self._load_failure = fill_student_dir(self.module, student_files, self.given, Path(self.student_dir))

    def prestart(self) -> None:
        """Start the worker now, without waiting for it: it loads torch, numpy and the probes (the
        grader's code, none of the student's) while the grader collects its checks, instead of after.
        The first call waits for it to be ready, then loads the student's module, as it would have;
        nothing of the student's time or budgets changes. A worker that cannot start is said at that call."""
        if self._proc is not None or self._load_failure is not None or self._start_failure is not None:
            return
        try:
            self._start()
        except GraderError as exc:
            self._start_failure = exc

    def _await_ready(self):
        """The worker's first message; until then only the grader's code has run."""
        try:
            self._current = (float("inf"), time.monotonic() + READY_SECONDS)
            reply = self._read_message()
        except (StudentFailure, wire.WireError) as exc:
            tail = self._printed_tail(2000, "The sandbox printed")
            self.close()
            reason = "it did not start in time" if isinstance(exc, StudentTimeout) else "it ended before it was ready"
            raise GraderError(f"the sandbox's Python could not load torch, numpy and the probes ({reason}; "
                              f"{isolation.mode()} isolation){tail}") from None
        if not isinstance(reply, dict) or reply.get("id") != "ready":
            self.close()
            raise GraderError("the sandbox's worker did not say it was ready")
        self.seccomp_off = reply.get("seccomp_off")  # None: the filter is on (said before any student code ran)
        self.cpu.ready(self._watchdog.cpu_seconds())

    def close(self):
        if self._proc is None:
            return
        self.cpu.ended()
        self._watchdog.kill()
        self._watchdog.stop()
        if isolation.PROCESS_GROUPS:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._drain_audit()
        self.audit.worker_ended()
        self._channels.close()
        self._channels = None
        self._drop_cgroup()
        self._proc = None
        self._ready = False

    def _drop_cgroup(self):
        if self._cgroup is not None:
            self._cgroup.remove()  # kills anything of the worker's that is still there
            self._cgroup = None

    def cleanup(self):
        """Stop the worker and remove its folder; never raises."""
        try:
            self.close()
        except Exception:  # noqa: BLE001 - cleanup must not lose a result
            pass
        remove_tree(self.base)

    @property
    def cpu_spent(self) -> float:
        """Student CPU seconds so far, over every worker this process started (after each was ready)."""
        if self._proc is not None:
            self.cpu.seen(self._watchdog.cpu_seconds())
        return self.cpu.spent

    @property
    def peak_rss_mb(self) -> float:
        return (self._watchdog.peak_rss / 2 ** 20) if self._watchdog else 0.0

    # -- talking to it

    def _printed_tail(self, size: int = 600, label: str = "Last output of your code") -> str:
        try:
            data = self._log_path.read_bytes()[-size:].decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f"\n{label}:\n{data}" if data else ""

    def _died(self) -> StudentFailure:
        try:
            rc = self._proc.wait(timeout=1)
        except subprocess.TimeoutExpired:  # it closed the channel but lives on: end it
            self.close()
            return StudentCrashed("your code closed the grader's channel; the grader cannot talk to it")
        if rc > 128 and isolation.mode() == "bwrap":
            rc = -(rc - 128)  # bubblewrap exits with 128 + the signal that ended the worker
        if rc == AUDIT_CLOSED:
            self.close()
            self.audit.add("tamper closed the audit channel")
            return StudentCrashed("your code closed or replaced one of the grader's private channels; "
                                  "that is tampering with the grader, and your instructor sees this message")
        tail = self._printed_tail()
        over_memory = self._watchdog.over_memory or (self._cgroup is not None and self._cgroup.oom_killed())
        self.close()
        if over_memory:
            return StudentCrashed(memory_message(self.limits.memory_mb) + tail)
        if rc == -getattr(signal, "SIGSYS", -1) and self.seccomp_off is None:
            self.audit.add(SECCOMP_EVIDENCE)
        return exit_failure(rc, self.limits, tail)

    def _drain_audit(self) -> None:
        """Read what the audit channel holds now (non-blocking); a full channel would stall the worker."""
        if self._channels is not None:
            self.audit.feed(self._channels.audit_now())

    def _wait(self, for_write: bool) -> None:
        """Wait until a request can be written (or a reply read), within this call's CPU budget and wall backstop."""
        cpu_limit, wall_deadline = self._current
        while True:
            self._drain_audit()
            remaining = wall_deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                if cpu_limit == float("inf"):
                    raise StudentTimeout("the worker did not start in time")
                raise StudentTimeout(wall_timeout_message(self._current_wall))
            ready = self._channels.wait(for_write, min(POLL_SECONDS, remaining))
            if self._watchdog.over_memory:
                raise self._died()
            if ready:
                return
            used = self.cpu.seen(self._watchdog.cpu_seconds())
            # Memory first: a tree that thrashed at the kernel's limit burns CPU seconds too, and
            # was stopped for its memory (the same sample may have found both).
            if self._watchdog.over_memory:
                raise self._died()
            if used > cpu_limit:
                thrashed = self._cgroup is not None and self._cgroup.oom_killed()
                self.close()
                if thrashed:
                    raise StudentCrashed(memory_message(self.limits.memory_mb))
                raise StudentTimeout(cpu_timeout_message(self._current_cpu))

    def _write_some(self, view) -> int:
        self._wait(for_write=True)
        try:
            return self._channels.write(view)
        except OSError:  # a broken pipe: the worker is gone
            raise self._died() from None

    def _read_some(self, n: int) -> bytes:
        self._wait(for_write=False)
        return self._channels.read(n)

    def _ended(self):
        raise self._died()

    def _read_message(self):
        try:
            return wire.read_message(self._read_some, self._ended)
        except wire.WireError as exc:
            if self._ready:  # after "ready" only the student's code can garble the worker's replies
                self.audit.add(REPLY_FORGED)
            self.close()
            raise StudentCrashed(f"your code wrote something the grader cannot read into its channel ({exc})") \
                from None

    def _reply(self, message):
        # A fresh id per request: a reply must echo it, so bytes the student's
        # code writes into the channel cannot pass for the worker's answer.
        message["id"] = request_id = secrets.token_hex(8)
        wire.write_message(self._write_some, message)
        reply = self._read_message()
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            self.close()
            self.audit.add(REPLY_FORGED)
            raise StudentCrashed("your code wrote into the grader's private channel; "
                                 "its answer cannot be trusted")
        self._drain_audit()
        if "error" in reply:
            raise failure_from_error(reply["error"], self.limits.memory_mb, self.limits.output_kb)
        return reply.get("value")

    def guards_hold(self, cpu_budget: float, wall_deadline: float) -> bool:
        """Ask the worker to prove that the probes' guards still work (see worker.py's ``audit``).

        True when the check reported on the audit channel, as an intact guard does;
        a guard that was removed or replaced reports nothing.
        """
        before = self.evidence["kernel"]
        self.call("", cpu_budget, wall_deadline, _op="audit")
        return self.evidence["kernel"] > before

    def call(self, probe: str, cpu_budget: float, wall_deadline: float, _op: str = "call", **args):
        """Run ``probes.probe_<probe>(student_module, **args)`` and return its plain data.

        ``cpu_budget``: CPU seconds the student's code may use in this call (import
        included on a fresh worker); ``wall_deadline``: time.monotonic() backstop.
        """
        if self._load_failure is not None:
            raise self._load_failure
        if self._start_failure is not None:  # the sandbox could not start: fail the rest fast, not once per check
            raise self._start_failure
        if not self._ready:
            started = time.monotonic()
            try:
                if self._proc is None:
                    self._start()
                self._await_ready()
                self._ready = True
            except GraderError as exc:
                self._start_failure = exc
                raise
            self.start_wall += time.monotonic() - started
            wall_deadline += time.monotonic() - started  # the worker's own start is not the student's time
            cpu_limit = self.cpu.base + cpu_budget
            self._current, self._current_cpu = (cpu_limit, wall_deadline), cpu_budget
            self._current_wall = max(0.0, wall_deadline - time.monotonic())
            self._loaded = True
            try:
                self._reply({"op": "load"})
            except StudentFailure as exc:
                # What goes wrong on import goes wrong for every check: remember it
                # (an endless loop at the top of the file then costs one timeout, not one per check).
                if isinstance(exc, StudentTimeout):
                    exc = StudentTimeout(f"importing {self.module}.py did not finish within the check's time: "
                                         "is there an endless loop or long work at the top level of your file?")
                self._load_failure = exc
                self.close()
                raise exc from None
            self.cpu.seen(self._watchdog.cpu_seconds())
            cpu_budget -= self.cpu.this_worker()  # importing their module is their time
        self._current_cpu = cpu_budget
        self._current = (self._watchdog.cpu_seconds() + cpu_budget, wall_deadline)
        self._current_wall = max(0.0, wall_deadline - time.monotonic())
        if cpu_budget <= 0 or self._current_wall <= 0:
            self.close()
            raise StudentTimeout(cpu_timeout_message(max(cpu_budget, 0)))
        return self._reply({"op": _op, "probe": probe, "args": args})


class Budget:
    """One CPU budget and one real-time deadline over several calls of a ``StudentProcess``: what the
    grader runs outside a graded check (the reference solution behind an attribution, a lesson's
    training run), charged to nobody's grade."""

    def __init__(self, process: StudentProcess, cpu_seconds: float, wall_seconds: float):
        self.process, self.cpu_seconds, self.used = process, cpu_seconds, 0.0
        self.deadline = time.monotonic() + wall_seconds

    def run(self, call):
        """``call(process, cpu_budget, wall_deadline)`` with what is left of the budget."""
        from autograder.sandbox.failures import StudentTimeout

        left = self.cpu_seconds - self.used
        if left <= 0:
            raise StudentTimeout(cpu_timeout_message(self.cpu_seconds))
        before = self.process.cpu_spent
        try:
            return call(self.process, left, self.deadline)
        finally:
            self.used += self.process.cpu_spent - before

    def call(self, probe: str, **args):
        return self.run(lambda proc, budget, deadline: proc.call(probe, cpu_budget=budget, wall_deadline=deadline,
                                                                 **args))
