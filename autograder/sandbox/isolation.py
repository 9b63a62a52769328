"""How a worker is walled off from the machine: one place decides, and says so in one line.

Modes, best first (``mode()`` picks the first that works here; the environment
variable AUTOGRADER_ISOLATION forces one, for tests and for ``doctor``):

``bwrap``      Bubblewrap (the sandbox behind Flatpak). The worker gets its own
               PID, IPC, network, UTS and mount namespaces, dies with the grader,
               and sees an allow-list only: /usr, the Python runtime, its own
               staged code and files (read-only), a private bounded /tmp and
               /dev/shm, its own /proc. As root, bwrap runs privileged and the
               worker drops to a uid of its own before any student code runs;
               as an ordinary user, bwrap runs in a user namespace, where the
               worker's RLIMIT_NPROC counts that namespace's processes only.
``namespace``  root without bwrap: a uid per worker in a private mount namespace
               where the kit's tree and the submission's parent are covered.
``user``       root without namespaces (a hosted container): a uid per worker;
               the kit, the course and the submission's folder are made private
               (``protect``: chmod o-rwx, the one way left to hide them).
``none``       not root and no bwrap (a student's laptop): a separate process with
               limits; it can read what the user can.

In every mode: memory and CPU are measured by ``watchdog`` (resident memory of
the process tree, CPU seconds), output by RLIMIT_FSIZE, and a generous
RLIMIT_DATA and RLIMIT_CPU stand behind the watchdog. Where the grader may make
cgroups (root), ``cgroups`` adds a cgroup per worker: the kernel bounds its
processes and memory, and kills whatever is left of it at the end.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox import bubblewrap, cgroups, hiding
# The shared facts live below every module of the sandbox (host.py); named here too, for the callers.
from autograder.sandbox.host import (MODES, NOBODY, PORTABLE, PROCESS_GROUPS, WORKER_UID_BASE,  # noqa: F401
                                     Limits, is_root, python_roots, resource)

# ---------------------------------------------------------------- which mode
# (bubblewrap.py builds bwrap's command line; hiding.py is the fallback without it.)

@functools.lru_cache(maxsize=None)
def mode() -> str:
    forced = os.environ.get("AUTOGRADER_ISOLATION")
    if forced:
        if forced not in MODES:
            raise ValueError(f"AUTOGRADER_ISOLATION={forced}: expected one of {', '.join(MODES)}")
        return forced
    if bubblewrap.works():
        return "bwrap"
    if not is_root() or hiding.LIBC is None:
        return "none"
    if hiding.can_unshare():
        return "namespace"
    return "none" if hiding.blocked_prefixes() else "user"  # nobody must reach Python as it is


def describe() -> str:
    """One line: which isolation is in force, for grade, batch and doctor."""
    m = mode()
    return {
        "bwrap": "isolation: bubblewrap (own PID, network, IPC and mount namespaces; only Python and the "
                 "worker's own files visible" + ("; a uid per worker)" if is_root() else ")"),
        "namespace": "isolation: a uid per worker in a private mount namespace (bubblewrap not available): the "
                     "kit and the submission's folder are hidden, the rest of the machine is readable",
        "user": "isolation: a uid per worker (no bubblewrap, no namespaces): the kit, the course and the "
                "submission's folder are made private (chmod o-rwx); what else others may read stays readable",
        "none": "isolation: NONE beyond a separate process with memory and CPU limits (" + ", ".join(missing()) +
                "): student code can read your files",
    }[m] + ("; " + cgroups.describe() if m != "none" else "") + "; " + seccomp_line() + \
        "; memory: resident-memory watchdog (with memfds, private tmpfs" + \
        (" and the cgroup's count)" if cgroups.hierarchy() else ")") + "; time: CPU-second budgets"


@functools.lru_cache(maxsize=None)
def seccomp_off() -> str | None:
    """Why workers here get no seccomp filter (sandbox/syscalls.py), or None: they do."""
    if sys.platform != "linux" or PORTABLE:
        return "not on this system"
    try:
        import pyseccomp  # noqa: F401  (loads libseccomp.so, as the worker will)
    except (ImportError, OSError) as exc:
        return f"libseccomp not available ({type(exc).__name__})"
    return None


def seccomp_line() -> str:
    off = seccomp_off()
    return "seccomp: on (no other programs, the grader's channels fixed, escape calls killed)" if off is None \
        else f"seccomp: off ({off})"


def missing() -> list[str]:
    """What this machine lacks of the sandbox, in words (empty where the sandbox is whole)."""
    out = []
    if mode() == "none":
        out.append("no bubblewrap" if sys.platform == "linux" and not PORTABLE else "no sandbox on this system")
        if not is_root() and not PORTABLE and hasattr(os, "geteuid"):
            out.append("not root: no user per worker")
    if resource is None:
        out.append("no kernel rlimits")
    return out


def unprotected() -> bool:
    """Student code can read this user's files (and the kit's hidden checks): grade and batch
    then run only when told so (--unprotected); check is for the student's own code."""
    return mode() == "none"


def one_line() -> str:
    """What check prints: the protections that are off, or nothing where none is."""
    if not unprotected():
        return ""
    return ("protections off on this machine: " + ", ".join(missing()) +
            ". Your code runs in a separate process with time and memory limits; that is enough for "
            "checking your own work.")


# ---------------------------------------------------------------- staging

def _reachable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def scratch_root() -> Path:
    """A folder to stage workers in that the worker's user can reach, whatever TMPDIR is.

    bwrap mounts what it needs (as root) or runs as the grader's own user, and
    'none' runs as that user: any writable folder does. Workers that run as a
    uid of their own without bwrap need every folder above the stage to be enterable.
    """
    candidates = [Path(tempfile.gettempdir())]
    if mode() in ("namespace", "user"):
        candidates += [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]
        candidates = [c for c in candidates if c.is_dir() and _reachable_by_others(c.resolve())]
    for c in candidates:
        if os.access(c, os.W_OK | os.X_OK):
            return c
    from autograder.sandbox.failures import GraderError
    raise GraderError("no scratch folder that the sandbox user can reach; set TMPDIR to a world-enterable folder")


_uid_counter = 0


def worker_uid() -> int | None:
    """A uid of this worker's own (grader as root), or None (workers run as the grader's user).

    One per worker, never shared: a process limit, a signal or a file mode can
    then only ever reach the worker itself, never a classmate's worker.
    """
    global _uid_counter
    if not is_root() or mode() == "none":
        return None
    _uid_counter += 1
    return WORKER_UID_BASE + (os.getpid() % (1 << 22)) * 64 + _uid_counter % 64


# ---------------------------------------------------------------- launching

@dataclass
class Launch:
    argv: list[str]           # the whole command: bwrap ... -- python worker.py ...
    preexec: object           # run in the child before exec (rlimits, namespace, privileges)
    code_dir: str             # where the worker sees its code, the student's files, its home
    student_dir: str
    home: str


def launch(code_dir: Path, student_dir: Path, home: Path, worker_args, limits: Limits,
           hide: list[str], stash: Path, uid: int | None) -> Launch:
    """The command that starts a worker under the mode in force.

    ``worker_args(where, uid)``: the worker's arguments, given where it sees its
    files and the uid it must drop to itself ("-": none, it already runs as it).
    """
    m = mode()
    python = [sys.executable, "-I"]
    if m == "bwrap":
        inside = Launch([], None, str(bubblewrap.INSIDE / "code"), str(bubblewrap.INSIDE / "student"), "/tmp")
        wrap = [*bubblewrap.base_args(is_root(), limits),
                "--ro-bind", str(code_dir), inside.code_dir, "--ro-bind", str(student_dir), inside.student_dir,
                "--chdir", inside.home, "--"]
        inside.argv = [*wrap, *python, f"{inside.code_dir}/worker.py", *worker_args(inside, uid)]
        inside.preexec = functools.partial(_limit, limits, drop=None)
        return inside
    out = Launch([], None, str(code_dir), str(student_dir), str(home))
    out.argv = [*python, f"{code_dir}/worker.py", *worker_args(out, None)]
    if m == "none" and resource is None:
        out.preexec = None  # nothing to do between fork and exec (and Windows has no fork)
    else:
        out.preexec = functools.partial(_hide_and_drop, hide, limits, m, stash, uid)
    return out


def _limit(limits: Limits, drop: int | None) -> None:
    """rlimits for the worker (in the child, before exec). Memory is the watchdog's job."""
    if resource is None:
        return
    data = max(4 * limits.memory_mb, 8192) << 20  # private writable memory only: reservations don't count
    wanted = [(resource.RLIMIT_DATA, data), (resource.RLIMIT_FSIZE, limits.output_kb << 10),
              (resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_CORE, 0)]
    if is_root():  # counted per worker uid; root itself is exempt until it drops
        wanted.append((resource.RLIMIT_NPROC, limits.processes))
    for which, soft in wanted:
        hard = soft + 5 if which == resource.RLIMIT_CPU else soft
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            # macOS refuses some limits above its own hard ones: keep what it allows there (the
            # watchdog measures memory and time either way). Elsewhere a limit that cannot be
            # set is the grader's failure, as before: the sandbox does not start.
            if sys.platform != "darwin":
                raise
    if drop is not None:
        os.setgroups([])
        os.setgid(drop)
        os.setuid(drop)


def _hide_and_drop(hide: list[str], limits: Limits, level: str, stash: Path, uid: int | None):
    """Runs in the child between fork and exec (``preexec_fn``)."""
    if level == "namespace":
        hiding.enter_namespace(hide, stash)
    _limit(limits, drop=uid if level in ("namespace", "user") else None)

