"""Limits the kernel enforces per worker: a cgroup of its own, where the grader may make one.

The watchdog samples every 20 ms, so a process that allocates faster than that,
or forks faster, can outrun it. Where this grader may create cgroups (root with
cgroup v1 or a writable cgroup v2 hierarchy with the memory and pids
controllers), each worker starts inside a cgroup of its own:

- ``pids.max`` bounds its processes and threads, whatever uid they run as;
- a memory limit above the watchdog's is the kernel's backstop: the watchdog
  still gives the message, the kernel stops what the watchdog is too slow for;
- at the end every process left in the cgroup is killed and the cgroup removed;
- its CPU time (v2's cpu.stat, v1's cpuacct where mounted) and its memory as the kernel
  charges it are what the watchdog counts, besides what it reads of the processes it sees.

Elsewhere (an instructor without root, a laptop, most hosted containers)
``WorkerCgroup.create`` returns None, and ``describe()`` says so: the
per-worker uid's RLIMIT_NPROC (root) or the user namespace's own RLIMIT_NPROC
(bubblewrap without root) and the watchdog stand alone.
"""
from __future__ import annotations

import functools
import os
import secrets
import signal
import time
from pathlib import Path

from autograder.sandbox.host import PORTABLE

CGROUP_FS = Path("/sys/fs/cgroup")
PARENT = "autograder"
HELPER_TASKS = 8            # bubblewrap's own processes beside the worker's
MEMORY_HEADROOM = 1.5       # kernel limit = this x the watchdog's limit (+ 64 MB for page cache)


def _write(path: Path, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _try_parent(base: Path, controllers_needed: tuple[str, ...] = ()) -> Path | None:
    """``base/autograder``, made if need be, if this process may make cgroups below it."""
    parent = base / PARENT
    try:
        parent.mkdir(exist_ok=True)
        if controllers_needed:  # v2: children get a controller only where the parent hands it down
            _write(parent / "cgroup.subtree_control", " ".join(f"+{c}" for c in controllers_needed))
        probe = parent / f"probe-{secrets.token_hex(4)}"
        probe.mkdir()
        probe.rmdir()
        return parent
    except OSError:
        return None


@functools.lru_cache(maxsize=None)
def hierarchy() -> tuple[str, dict[str, Path]] | None:
    """("v1"|"v2", controller -> parent folder), or None where no per-worker cgroup can be made."""
    if PORTABLE or not hasattr(os, "geteuid") or not CGROUP_FS.is_dir():
        return None
    if (CGROUP_FS / "cgroup.controllers").exists():  # pure v2
        try:
            available = (CGROUP_FS / "cgroup.controllers").read_text().split()
            if {"memory", "pids"} <= set(available):
                _write(CGROUP_FS / "cgroup.subtree_control", "+memory +pids")
                parent = _try_parent(CGROUP_FS, ("memory", "pids"))
                if parent:
                    return "v2", {"unified": parent}
        except OSError:
            pass
        return None
    found = {}
    for controller in ("pids", "memory", "cpuacct"):  # cpuacct: optional, the kernel's count of CPU time
        if (CGROUP_FS / controller / "cgroup.procs").exists():
            parent = _try_parent(CGROUP_FS / controller)
            if parent:
                found[controller] = parent
    return ("v1", found) if {"pids", "memory"} <= set(found) else None


def describe() -> str:
    h = hierarchy()
    if h is None:
        return "no cgroup (processes: RLIMIT_NPROC)"
    return f"a cgroup per worker ({h[0]}: processes and memory bounded by the kernel)"


class WorkerCgroup:
    """One worker's cgroup(s): made before it starts, joined between fork and exec, removed at the end."""

    def __init__(self, version: str, dirs: dict[str, Path]):
        self.version, self.dirs = version, dirs

    @classmethod
    def create(cls, memory_mb: int, processes: int) -> "WorkerCgroup | None":
        h = hierarchy()
        if h is None:
            return None
        version, parents = h
        name = f"w{os.getpid()}-{secrets.token_hex(4)}"
        made = {}
        try:
            for controller, parent in parents.items():
                made[controller] = parent / name
                made[controller].mkdir()
            cg = cls(version, made)
            tasks = str(processes + HELPER_TASKS)
            memory = str(int(memory_mb * MEMORY_HEADROOM + 64) << 20)
            if version == "v2":
                _write(made["unified"] / "pids.max", tasks)
                _write(made["unified"] / "memory.max", memory)
                if (made["unified"] / "memory.swap.max").exists():
                    _write(made["unified"] / "memory.swap.max", "0")
            else:
                _write(made["pids"] / "pids.max", tasks)
                _write(made["memory"] / "memory.limit_in_bytes", memory)
            return cg
        except OSError:
            cls(version, made).remove()
            return None

    def join(self) -> None:
        """Called in the child before exec (preexec_fn): this process and all it starts belong here."""
        pid = str(os.getpid())
        for folder in self.dirs.values():
            _write(folder / "cgroup.procs", pid)

    def pids(self) -> set[int]:
        out = set()
        for folder in self.dirs.values():
            try:
                out.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return out

    def cpu_seconds(self) -> float | None:
        """CPU time of everything that ever ran in the cgroup, as the kernel counts it: a process that
        nobody waited for (its parent ignores SIGCHLD), however short its life, is in it too."""
        try:
            if self.version == "v2":
                for line in (self.dirs["unified"] / "cpu.stat").read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "usage_usec":
                        return int(value) / 1e6
                return None
            if "cpuacct" not in self.dirs:
                return None
            return int((self.dirs["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return None

    def memory_bytes(self) -> int | None:
        """The worker's memory as the kernel charges it, less the page cache of files it read (torch's
        libraries are cached once for everyone): anonymous, shared (tmpfs, shm, memfd) and kernel memory."""
        try:
            if self.version == "v2":
                stat = dict(line.split() for line in (self.dirs["unified"] / "memory.stat").read_text().splitlines())
                return sum(int(stat.get(k, 0)) for k in ("anon", "shmem", "kernel"))
            folder = self.dirs["memory"]
            stat = dict(line.split() for line in (folder / "memory.stat").read_text().splitlines())
            kmem = folder / "memory.kmem.usage_in_bytes"
            kernel = int(kmem.read_text()) if kmem.exists() else 0
            return int(stat.get("total_rss", stat.get("rss", 0))) + int(stat.get("total_shmem", stat.get("shmem", 0))) \
                + kernel
        except (OSError, ValueError):
            return None

    def oom_killed(self) -> bool:
        """Whether the kernel killed something here for memory."""
        try:
            if self.version == "v2":
                events = (self.dirs["unified"] / "memory.events").read_text()
            else:
                events = (self.dirs["memory"] / "memory.oom_control").read_text()
            counts = dict(line.split() for line in events.splitlines() if len(line.split()) == 2)
            return int(counts.get("oom_kill", 0)) > 0
        except (OSError, ValueError, KeyError):
            return False

    def kill_all(self) -> None:
        """SIGKILL whatever is still in the cgroup (nothing may outlive its worker)."""
        kill_file = self.dirs.get("unified", Path("/nonexistent")) / "cgroup.kill"
        if kill_file.exists():
            try:
                _write(kill_file, "1")
            except OSError:
                pass
        for _ in range(3):  # a process may fork while we kill: go round again
            left = self.pids()
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and remove the cgroup; never raises."""
        self.kill_all()
        for folder in self.dirs.values():
            for _ in range(50):  # a killed process leaves the cgroup when it is reaped
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
