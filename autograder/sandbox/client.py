"""The grader's handle on one student process (see ``worker.py`` for the other end).

Student code never runs in the grader. A ``StudentProcess`` copies the
student's files and the exercise's probes into a fresh sandbox, starts a
worker under resource limits and, when the grader runs as root, as user
``nobody`` in a private mount namespace where the kit's own tree (reference
solutions, hidden checks, other students' work) is covered by an empty tmpfs.

Every way the student's code can go wrong becomes a ``StudentFailure`` with a
status (failed, error, timeout) and a message in words a student understands.
A failed call kills the worker; the next call starts a fresh one, so one bad
check never takes the others down with it.
"""
from __future__ import annotations

import ctypes
import os
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import wire

SANDBOX_CODE = Path(__file__).parent
NOBODY = 65534


# ---------------------------------------------------------------- failures

class StudentFailure(Exception):
    """A check could not get a usable answer from the student's code."""

    status = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotImplementedYet(StudentFailure):
    status = "failed"


class MissingSubmission(StudentFailure):
    status = "failed"


class StudentCodeError(StudentFailure):
    status = "error"


class StudentCrashed(StudentFailure):
    status = "error"


class StudentTimeout(StudentFailure):
    status = "timeout"


# Common error texts and the hint that teaches what to do about them.
HINTS = [
    ("same dtype", "create new tensors with the input's dtype, e.g. x.new_zeros(...) "
                   "or torch.zeros(..., dtype=x.dtype); the grader runs your code in float64"),
    ("expected scalar type", "create new tensors with the input's dtype, e.g. x.new_zeros(...)"),
    ("must match the size", "print the shapes of the tensors on that line; they must agree"),
    ("shapes cannot be multiplied", "print the shapes of the tensors on that line: "
                                    "(a, b) @ (b, c) needs the inner sizes to match"),
]


def _hint(text: str) -> str:
    for needle, hint in HINTS:
        if needle in text:
            return f" Hint: {hint}."
    return ""


def output_limit_message(output_kb: int) -> str:
    return f"your code printed or wrote more than {output_kb} KB; remove the prints inside loops"


def failure_from_error(err: dict, memory_mb: int, output_kb: int) -> StudentFailure:
    """Words for an error the worker reported from the student's code."""
    where = f" ({err['where']})" if err.get("where") else ""
    kind, etype, msg = err.get("kind"), err.get("type", "Exception"), err.get("message", "")
    if kind == "not_implemented":
        text = msg if "not implemented" in msg.lower() else f"not implemented yet: {msg}" if msg \
            else "not implemented yet"
        return NotImplementedYet(f"{text}{where}")
    if kind == "missing":
        return MissingSubmission(f"file not found: {msg}. Submit it to get points for this exercise.")
    if kind == "syntax":
        return StudentCodeError(f"your file has a syntax error{where}: {msg}")
    if kind == "memory":
        return StudentCodeError(f"your code ran out of memory (the limit is {memory_mb} MB){where}")
    if kind == "output":
        return StudentCodeError(output_limit_message(output_kb) + where)
    if kind == "exit":
        return StudentCodeError(f"your code called sys.exit() / exit(){where}; "
                                "remove it, the grader needs the process to keep running")
    tb = err.get("traceback", "").strip()
    tb_text = f"\n{tb}" if tb else ""
    return StudentCodeError(f"your code raised {etype}{where}: {msg}.{_hint(msg)}{tb_text}")


# ---------------------------------------------------------------- isolation

@dataclass
class Limits:
    memory_mb: int = 2048
    output_kb: int = 2048
    cpu_seconds: int = 600
    processes: int = 64


_LIBC = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS, MS_RDONLY, MS_BIND, MS_REC, MS_PRIVATE = 0x00020000, 1, 4096, 16384, 1 << 18


def _can_unshare() -> bool:
    """Whether this machine lets root make a private mount namespace."""
    pid = os.fork()
    if pid == 0:  # child: try, and report through the exit code
        os._exit(0 if _LIBC.unshare(CLONE_NEWNS) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _blocked_prefixes() -> dict[str, list[str]]:
    """Python installations that user nobody cannot reach, by the closed directory above them.

    A pyenv Python under /root (mode 0700) is the usual case: {"/root": [".../3.11.7"]}.
    """
    out: dict[str, list[str]] = {}
    for prefix in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}):
        closed = [a for a in reversed(prefix.parents) if not a.stat().st_mode & 0o001]
        if closed:
            out.setdefault(str(closed[0]), []).append(str(prefix))
    return out


_LEVEL: str | None = None


def isolation_level() -> str:
    """How the student process is isolated here.

    'namespace': root; the worker runs as nobody in a private mount namespace
                 where the kit's tree is hidden (the normal case for graders).
    'user':      root, but no namespaces: privileges dropped only.
    'none':      not root (a student running the public checks): rlimits only.
    """
    global _LEVEL
    if _LEVEL is None:
        if os.geteuid() != 0:
            _LEVEL = "none"
        elif _can_unshare():
            _LEVEL = "namespace"
        else:  # without a namespace, nobody must reach Python as it is
            _LEVEL = "none" if _blocked_prefixes() else "user"
    return _LEVEL


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    enc = (lambda v: None if v is None else v.encode())
    if _LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _enter_namespace(hide: list[str], stash: Path):
    """Private mounts: hide the kit, and make Python reachable for user nobody."""
    if _LIBC.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    blocked = _blocked_prefixes()
    prefixes = [p for group in blocked.values() for p in group]
    for i, prefix in enumerate(prefixes):           # keep a handle on each Python ...
        (stash / str(i)).mkdir(exist_ok=True)
        _mount(prefix, str(stash / str(i)), None, MS_BIND | MS_REC)
    for closed in blocked:                          # ... cover its closed parent (e.g. /root) ...
        _mount("tmpfs", closed, "tmpfs", 0, "mode=755,size=64k")
    for i, prefix in enumerate(prefixes):           # ... and put only Python back, at its own path
        os.makedirs(prefix, exist_ok=True)
        _mount(str(stash / str(i)), prefix, None, MS_BIND | MS_REC)
    for path in hide:
        _mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=4k,mode=000")


def _hide_and_drop(hide: list[str], limits: Limits, level: str, stash: Path):
    """Runs in the child between fork and exec (``preexec_fn``)."""
    if level == "namespace":
        _enter_namespace(hide, stash)
    mem = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_kb << 10, limits.output_kb << 10))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if level != "none":
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def paths_to_hide(kit_root: Path, extra: list[Path]) -> list[str]:
    """The kit's tree and the extra paths, minus anything the worker needs to run.

    If Python itself lives inside the kit (a virtualenv in the checkout), hide
    the kit's other top-level entries instead of the whole tree.
    """
    needed = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(tempfile.gettempdir()).resolve()]

    def contains_needed(p: Path) -> bool:
        return any(n == p or p in n.parents for n in needed)

    candidates = []
    for p in [kit_root, *extra]:
        p = p.resolve()
        if not p.exists():
            continue
        if contains_needed(p):
            candidates += [c.resolve() for c in sorted(p.iterdir()) if c.is_dir() and not contains_needed(c.resolve())]
        else:
            candidates.append(p)
    # Once a folder is covered, what lies inside it is gone (and cannot be mounted on).
    unique = sorted(set(candidates))
    return [str(p) for p in unique if not any(q in p.parents for q in unique)]


# ---------------------------------------------------------------- the process

@dataclass
class StudentProcess:
    """One exercise's student code, in its own process, answering probe calls."""

    module: str                      # e.g. "myrnn"
    student_files: dict[str, Path]   # file name -> path in the submission (may not exist)
    probes: Path                     # the exercise's probes.py
    given: dict[str, Path] = field(default_factory=dict)  # kit files beside the student's (kit's copy wins)
    limits: Limits = field(default_factory=Limits)
    hide: list[str] = field(default_factory=list)
    _proc: subprocess.Popen | None = None
    _load_failure: StudentFailure | None = None
    _starts: int = 0

    def __post_init__(self):
        self.level = isolation_level()
        self.base = Path(tempfile.mkdtemp(prefix="autograder-"))
        os.chmod(self.base, 0o711)  # others may enter a known path but not list it
        self.code_dir = self.base / "code"
        self.student_dir = self.code_dir / "student"
        self.student_dir.mkdir(parents=True)
        for name in ("worker.py", "wire.py", "probekit.py"):
            shutil.copy(SANDBOX_CODE / name, self.code_dir / name)
        shutil.copy(self.probes, self.code_dir / "probes.py")
        for name, src in self.student_files.items():
            if src.is_file():
                shutil.copy(src, self.student_dir / name)
        for name, src in self.given.items():  # after the student's: a submitted copy cannot replace it
            target = self.student_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                shutil.copy(src, target)
        for p in [self.code_dir, self.student_dir, *self.code_dir.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)  # readable, not writable, by the student
        self.home = self.base / "home"
        self.home.mkdir()
        (self.base / "stash").mkdir()
        if self.level != "none":
            os.chown(self.home, NOBODY, NOBODY)

    # -- lifecycle

    def _start(self):
        self._starts += 1
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        self._log_path = self.base / f"output-{self._starts}.log"
        log = open(self._log_path, "wb")
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home), "LANG": "C.UTF-8",
               # One thread per math library: spinning BLAS threads make an oversubscribed
               # machine (a batch with --jobs, CI) crawl, and grading must not depend on cores.
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": str(self.home), "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", str(self.code_dir / "worker.py"), str(req_r), str(rep_w),
                 str(self.code_dir), str(self.student_dir), self.module],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=(req_r, rep_w), cwd=self.home, env=env, start_new_session=True,
                preexec_fn=lambda: _hide_and_drop(self.hide, self.limits, self.level, self.base / "stash"))
        finally:
            os.close(req_r)
            os.close(rep_w)
            log.close()
        # Non-blocking: a worker that stops reading must not be able to block the
        # grader's write past the check's deadline (see _write_all).
        os.set_blocking(req_w, False)
        self._req, self._rep = req_w, rep_r

    def close(self):
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait()
            os.close(self._req)
            os.close(self._rep)
            self._proc = None

    def cleanup(self):
        self.close()
        shutil.rmtree(self.base, ignore_errors=True)

    # -- talking to it

    def _printed_tail(self) -> str:
        try:
            data = self._log_path.read_bytes()[-600:].decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f"\nLast output of your code:\n{data}" if data else ""

    def _died(self) -> StudentFailure:
        rc = self._proc.wait()
        tail = self._printed_tail()
        self.close()
        if rc < 0:
            sig = -rc
            if sig == signal.SIGXFSZ:
                return StudentCrashed(output_limit_message(self.limits.output_kb) + tail)
            if sig in (signal.SIGXCPU,):
                return StudentTimeout(f"your code used more than {self.limits.cpu_seconds} s of CPU time")
            if sig == signal.SIGSEGV:
                return StudentCrashed("your code crashed the Python process (segmentation fault)" + tail)
            if sig == signal.SIGKILL:
                return StudentCrashed("your code's process was killed, most likely for using too much "
                                      f"memory (the limit is {self.limits.memory_mb} MB)" + tail)
            return StudentCrashed(f"your code's process died from signal {signal.Signals(sig).name}" + tail)
        return StudentCrashed(f"your code ended the process (exit code {rc}); do not call os._exit() "
                              "or exit() in your module" + tail)

    def _exchange(self, message, deadline: float):
        if self._proc is None:
            raise RuntimeError("worker not running")
        try:
            self._write_all(wire.frame(wire.encode(message)), deadline)
        except OSError:  # a broken pipe: the worker is gone
            raise self._died() from None
        header = self._read_exactly(wire.HEADER.size, deadline)
        (n,) = wire.HEADER.unpack(header)
        if n > wire.MAX_MESSAGE_BYTES:
            self.close()
            raise StudentCrashed("your code wrote garbage to the grader's channel")
        try:
            return wire.decode(self._read_exactly(n, deadline))
        except wire.WireError as exc:
            self.close()
            raise StudentCrashed(f"the grader could not read your code's answer: {exc}") from None

    def _write_all(self, data: bytes, deadline: float):
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout()
            _, ready, _ = select.select([], [self._req], [], remaining)
            if ready:
                try:
                    view = view[os.write(self._req, view[:65536]):]
                except BlockingIOError:
                    continue

    def _read_exactly(self, n: int, deadline: float) -> bytes:
        parts, got = [], 0
        while got < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout()
            ready, _, _ = select.select([self._rep], [], [], remaining)
            if not ready:
                raise self._timeout()
            chunk = os.read(self._rep, min(1 << 20, n - got))
            if not chunk:
                raise self._died()
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _timeout(self) -> StudentTimeout:
        self.close()
        return StudentTimeout(f"your code did not finish within {self._current_timeout:.0f} s "
                              "(an endless loop, or much slower than needed?)")

    def _reply(self, message, timeout: float):
        self._current_timeout = timeout
        # A fresh id per request: a reply must echo it, so bytes the student's
        # code writes into the channel cannot pass for the worker's answer.
        message["id"] = request_id = secrets.token_hex(8)
        reply = self._exchange(message, time.monotonic() + timeout)
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            self.close()
            raise StudentCrashed("your code wrote into the grader's private channel; "
                                 "its answer cannot be trusted")
        if "error" in reply:
            raise failure_from_error(reply["error"], self.limits.memory_mb, self.limits.output_kb)
        return reply.get("value")

    def call(self, probe: str, timeout: float, **args):
        """Run ``probes.probe_<probe>(student_module, **args)`` and return its plain data."""
        if self._load_failure is not None:
            raise self._load_failure
        started = time.monotonic()
        if self._proc is None:
            self._start()
            try:
                self._reply({"op": "load"}, timeout)
            except StudentFailure as exc:
                # What goes wrong on import goes wrong for every check: remember it
                # (an endless loop at the top of the file then costs one timeout, not one per check).
                if isinstance(exc, StudentTimeout):
                    exc = StudentTimeout(f"importing {self.module}.py did not finish within {timeout:.0f} s: "
                                         "is there an endless loop or long work at the top level of your file?")
                self._load_failure = exc
                self.close()
                raise exc from None
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            raise self._timeout()
        return self._reply({"op": "call", "probe": probe, "args": args}, remaining)
