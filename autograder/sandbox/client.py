"""The grader's handle on one student process (``worker.py`` is the other end).

A ``StudentProcess`` stages the worker's code, the exercise's probes and the
student's files in a scratch folder, starts the worker under the isolation in
force (``isolation``), and waits for it to say "ready": Python, torch, numpy
and the probes are loaded, and no student code has run. Anything that fails
before that is the grader's failure (``GraderError``), never the student's.

Each call then has a budget of CPU seconds, measured on the worker's whole
process tree by the ``watchdog`` (which also enforces the memory limit on
resident memory), and a generous wall-clock backstop against code that sleeps
or blocks. A failed call kills the worker; the next call starts a fresh one,
so one bad check never takes the others down with it.
"""
from __future__ import annotations

import collections
import os
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox import cgroups, isolation, wire
from autograder.sandbox.channels import Channels, open_channels
from autograder.sandbox.failures import (GraderError, MissingSubmission, StudentCrashed, StudentFailure, StudentTimeout,
                       cpu_timeout_message, failure_from_error, memory_message, missing_file,
                       output_limit_message, syntax_failure, wall_timeout_message)
from autograder.sandbox.isolation import Limits
from autograder.sandbox.watchdog import Watchdog
from autograder.sandbox.worker import AUDIT_CLOSED

SANDBOX_CODE = Path(__file__).parent
READY_SECONDS = 300      # wall seconds for the worker's own start (importing torch on a slow, loaded machine)
POLL_SECONDS = 0.05


def _copy_regular(src: Path, dst: Path) -> str | None:
    """Copy a student's file without following links; the reason when it is not accepted."""
    try:
        st = os.lstat(src)
    except FileNotFoundError:
        return None  # not submitted: StudentProcess says "file not found" at once
    if stat.S_ISLNK(st.st_mode):
        return f"{src.name} is a symbolic link, which is not accepted: submit the file itself"
    if not stat.S_ISREG(st.st_mode):
        return f"{src.name} is not a regular file, which is not accepted: submit the file itself"
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb", opener=lambda p, f: os.open(p, f | getattr(os, "O_NOFOLLOW", 0))) as fin, \
            open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    return None


def _then(first, second):
    """A preexec_fn that runs ``first`` then ``second``."""
    def both():
        first()
        second()
    return both


def _system_env(home: str) -> dict[str, str]:
    """The little of the grader's environment a worker needs to start (none of its secrets)."""
    if os.name != "nt":
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home}
    # Windows: Python cannot seed its hashes without SYSTEMROOT, and torch finds its DLLs on PATH.
    keep = {k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR", "PATH", "PATHEXT", "COMSPEC") if k in os.environ}
    return {**keep, "HOME": home, "USERPROFILE": home, "TEMP": home, "TMP": home}


def remove_tree(path: Path) -> None:
    """Remove a sandbox folder; never raises (a 3000-deep tree breaks shutil.rmtree's recursion)."""
    try:
        shutil.rmtree(path, ignore_errors=True)
    except RecursionError:
        pass
    if path.exists() and shutil.which("rm"):
        subprocess.run(["rm", "-rf", "--", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
    _cpu_prior: float = 0.0          # student CPU of workers that ended
    _cpu_base: float = 0.0           # this worker's CPU when it became ready (the grader's, not the student's)
    _cpu_last: float = 0.0
    # What the worker's audit channel reported (see worker.py), over every worker this process started:
    # "kernel" (a switched-off kernel was called), "tamper <event>". Read by the grader, never by the student.
    evidence: collections.Counter = field(default_factory=collections.Counter)
    _channels: Channels | None = None
    _audit_partial: bytes = b""

    def __post_init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="autograder-", dir=isolation.scratch_root()))
        # bubblewrap reads the stage as root, or as the grader's own user: nobody else needs it.
        # Workers that run as nobody without it must enter a known path (but not list it).
        os.chmod(self.base, 0o700 if isolation.mode() in ("bwrap", "none") else 0o711)
        self.code_dir = self.base / "code"
        self.student_dir = self.base / "student"
        self.code_dir.mkdir()
        self.student_dir.mkdir()
        for name in ("worker.py", "wire.py", "probekit.py"):
            shutil.copy(SANDBOX_CODE / name, self.code_dir / name)
        if self.probes.is_file():
            shutil.copy(self.probes, self.code_dir / "probes.py")
        else:  # an exercise whose checks need only probekit's built-in probes
            (self.code_dir / "probes.py").write_text("")
        for name, src in self.student_files.items():
            refused = _copy_regular(Path(src), self.student_dir / name)
            if refused and name == f"{self.module}.py":
                self._load_failure = MissingSubmission(refused)
            elif name == f"{self.module}.py" and not (self.student_dir / name).exists():
                self._load_failure = missing_file(f"{name} was not submitted")
            elif not refused and name.endswith(".py") and self._load_failure is None:
                self._load_failure = syntax_failure(self.student_dir / name)  # at once, not once per check
        for name, src in self.given.items():  # after the student's: a submitted copy cannot replace it
            target = self.student_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.is_file():
                target.unlink()
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                shutil.copy(src, target)
        for p in [self.code_dir, self.student_dir, *self.code_dir.rglob("*"), *self.student_dir.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)  # readable, not writable, by the student
        self.home = self.base / "home"
        self.home.mkdir()
        (self.base / "stash").mkdir()

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
        env = {**_system_env(plan.home), "LANG": "C.UTF-8",
               # One thread per math library: CPU seconds then mean the same on every machine,
               # and spinning BLAS threads cannot make an oversubscribed machine crawl.
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg", "MPLCONFIGDIR": plan.home,
               # Evaluation never depends on a GPU: the worker sees none, on any machine.
               "CUDA_VISIBLE_DEVICES": "",
               # torch or numpy installed outside the prefix (a user site): on the worker's path too
               "AUTOGRADER_EXTRA_PATH": os.pathsep.join(
                   str(r) for r in isolation.python_roots() if (r / "torch").is_dir() or (r / "numpy").is_dir())}
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
        self._watchdog = Watchdog(self._proc.pid, self.limits.memory_mb)
        self._await_ready()

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
        self._cpu_base = self._cpu_last = self._watchdog.cpu_seconds()

    def close(self):
        if self._proc is None:
            return
        self._cpu_prior += max(0.0, self._cpu_last - self._cpu_base)
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
        self._channels.close()
        self._channels = None
        self._drop_cgroup()
        self._proc = None

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
            self._cpu_last = self._watchdog.cpu_seconds()
            return self._cpu_prior + max(0.0, self._cpu_last - self._cpu_base)
        return self._cpu_prior

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
            self.evidence["tamper closed the audit channel"] += 1
            return StudentCrashed("your code closed or replaced one of the grader's private channels; "
                                  "that is tampering with the grader, and your instructor sees this message")
        tail = self._printed_tail()
        over_memory = self._watchdog.over_memory or (self._cgroup is not None and self._cgroup.oom_killed())
        self.close()
        if over_memory:
            return StudentCrashed(memory_message(self.limits.memory_mb) + tail)
        if rc < 0:
            sig = -rc
            if sig == getattr(signal, "SIGXFSZ", None):
                return StudentCrashed(output_limit_message(self.limits.output_kb) + tail)
            if sig == getattr(signal, "SIGXCPU", None):
                return StudentTimeout(cpu_timeout_message(self.limits.cpu_seconds))
            if sig == signal.SIGSEGV:
                return StudentCrashed("your code crashed the Python process (segmentation fault)" + tail)
            if sig == signal.SIGKILL:
                return StudentCrashed("your code's process was killed, most likely for using too much "
                                      f"memory (the limit is {self.limits.memory_mb} MB)" + tail)
            return StudentCrashed(f"your code's process died from signal {signal.Signals(sig).name}" + tail)
        if rc == 0xC0000005 or rc == 0xC00000FD:  # Windows: access violation, stack overflow
            return StudentCrashed("your code crashed the Python process (access violation or stack overflow)" + tail)
        return StudentCrashed(f"your code ended the process (exit code {rc}); do not call os._exit() "
                              "or exit() in your module" + tail)

    def _drain_audit(self) -> None:
        """Read what the audit channel holds now (non-blocking); a full channel would stall the worker."""
        if self._channels is None:
            return
        chunk = self._channels.audit_now()
        if not chunk:
            return
        lines = (self._audit_partial + chunk).split(b"\n")
        self._audit_partial = lines.pop()[-200:]
        for line in lines:
            event = line.decode("utf-8", "replace")[:120]
            if event in self.evidence or len(self.evidence) < 50:  # bounded, whatever is written
                self.evidence[event] += 1

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
            self._cpu_last = self._watchdog.cpu_seconds()
            # Memory first: a tree that thrashed at the kernel's limit burns CPU seconds too, and
            # was stopped for its memory (the same sample may have found both).
            if self._watchdog.over_memory:
                raise self._died()
            if self._cpu_last > cpu_limit:
                thrashed = self._cgroup is not None and self._cgroup.oom_killed()
                self.close()
                if thrashed:
                    raise StudentCrashed(memory_message(self.limits.memory_mb))
                raise StudentTimeout(cpu_timeout_message(self._current_cpu))

    def _write_all(self, data: bytes):
        view = memoryview(data)
        while view:
            self._wait(for_write=True)
            try:
                view = view[self._channels.write(view):]
            except OSError:  # a broken pipe: the worker is gone
                raise self._died() from None

    def _read_exactly(self, n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            self._wait(for_write=False)
            chunk = self._channels.read(min(1 << 20, n - got))
            if not chunk:
                raise self._died()
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _read_message(self):
        (n,) = wire.HEADER.unpack(self._read_exactly(wire.HEADER.size))
        if n > wire.MAX_MESSAGE_BYTES:
            self.close()
            raise StudentCrashed("your code wrote garbage to the grader's channel")
        payload = self._read_exactly(n)
        try:
            return wire.decode(payload)
        except wire.WireError as exc:
            self.close()
            raise StudentCrashed(f"your code returned something the grader cannot read ({exc})") from None

    def _reply(self, message):
        # A fresh id per request: a reply must echo it, so bytes the student's
        # code writes into the channel cannot pass for the worker's answer.
        message["id"] = request_id = secrets.token_hex(8)
        self._write_all(wire.frame(wire.encode(message)))
        reply = self._read_message()
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            self.close()
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
        if self._proc is None:
            started = time.monotonic()
            try:
                self._start()
            except GraderError as exc:
                self._start_failure = exc
                raise
            wall_deadline += time.monotonic() - started  # the worker's own start is not the student's time
            cpu_limit = self._cpu_base + cpu_budget
            self._current, self._current_cpu = (cpu_limit, wall_deadline), cpu_budget
            self._current_wall = max(0.0, wall_deadline - time.monotonic())
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
            self._cpu_last = self._watchdog.cpu_seconds()
            cpu_budget -= max(0.0, self._cpu_last - self._cpu_base)  # importing their module is their time
        self._current_cpu = cpu_budget
        self._current = (self._watchdog.cpu_seconds() + cpu_budget, wall_deadline)
        self._current_wall = max(0.0, wall_deadline - time.monotonic())
        if cpu_budget <= 0 or self._current_wall <= 0:
            self.close()
            raise StudentTimeout(cpu_timeout_message(max(cpu_budget, 0)))
        return self._reply({"op": _op, "probe": probe, "args": args})
