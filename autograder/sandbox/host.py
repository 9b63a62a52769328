"""Facts about this machine that the sandbox's modules share: what the kernel offers the grader here.

Below ``isolation``, ``bubblewrap``, ``hiding`` and ``cgroups``, which all read these and none of
which this module imports: every arrow between them points one way (isolation -> bubblewrap,
hiding, cgroups -> host).
"""
from __future__ import annotations

import functools
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: no rlimits; the watchdog still limits memory and time
    resource = None

# A machine with none of the kernel's help: no rlimits, no switching users, no namespaces,
# no cgroups, no process groups (Windows). AUTOGRADER_PORTABLE=1 makes a Linux machine act
# as one, so the kit's tests prove that path: a separate process, CPU-time and wall
# budgets and the memory watchdog (psutil) are all that remains.
PORTABLE = sys.platform == "win32" or os.environ.get("AUTOGRADER_PORTABLE") == "1"
if PORTABLE:
    resource = None
# A worker in a session (process group) of its own, ended as a group; without them, the
# watchdog ends its tree process by process.
PROCESS_GROUPS = hasattr(os, "setsid") and not PORTABLE

MODES = ("bwrap", "namespace", "user", "none")
NOBODY = 65534
# Workers run as uids of their own when the grader is root: one per worker, so a
# process limit or a signal can only ever reach the worker itself.
WORKER_UID_BASE = 2_000_000_000


@dataclass
class Limits:
    memory_mb: int = 2048      # resident memory of the whole tree (watchdog)
    output_kb: int = 2048      # any one file written, the output log included
    cpu_seconds: int = 600     # RLIMIT_CPU per process: a backstop behind the budgets
    processes: int = 64        # processes and threads: RLIMIT_NPROC per worker uid or user namespace, pids.max
    tmp_mb: int = 64           # private /tmp (bwrap)


def is_root() -> bool:
    """Root, and able to act as root (switch users, mount); never on the portable path."""
    return not PORTABLE and hasattr(os, "geteuid") and os.geteuid() == 0



@functools.lru_cache(maxsize=None)
def python_roots() -> tuple[Path, ...]:
    """Folders the worker's Python needs: its prefixes, and site folders outside them."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent.parent}
    for name in ("numpy", "torch"):
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            roots.add(Path(spec.origin).resolve().parent.parent)
    roots = {r for r in roots if r != Path("/usr") and Path("/usr") not in r.parents}  # /usr is bound whole
    return tuple(sorted(r for r in roots if not any(o != r and o in r.parents for o in roots)))
