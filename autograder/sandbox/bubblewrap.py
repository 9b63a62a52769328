"""Bubblewrap, the ``bwrap`` mode of ``isolation``: the command line that walls a worker in.

The worker sees an allow-list only: /usr, the Python runtime, /sys's CPU description (torch
picks its kernels from it), its own staged code and files read-only under ``INSIDE``, a
private bounded /tmp and /dev/shm, its own /proc; its own PID, IPC, network, UTS and mount
namespaces; and it dies with the grader.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.sandbox.host import PORTABLE, Limits, is_root, python_roots

INSIDE = Path("/sandbox")           # where a bwrap worker finds its staged files


def base_args(root: bool, limits: Limits) -> list[str]:
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if not root:
        args += ["--unshare-user", "--disable-userns"]
    args += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    # /tmp first: a Python that lives under /tmp (a virtual environment made there) is bound
    # below on top of the private /tmp, instead of being covered by it.
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(16 << 20), "--tmpfs", "/dev/shm"]
    made: set[Path] = {Path("/tmp"), Path("/dev"), Path("/proc")}

    def parents(dest: str) -> list[str]:
        # bwrap makes a mount point's missing parents 0700 (or copies a closed parent's
        # mode, /root's): make each one 0755 first, so the worker's uid can pass.
        out = []
        for parent in reversed(Path(dest).parents):
            if str(parent) != "/" and parent not in made:
                made.add(parent)
                out += ["--perms", "0755", "--dir", str(parent)]
        return out

    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives"):
        if os.path.exists(etc):
            args += [*parents(etc), "--ro-bind", etc, etc]
    for r in python_roots():
        args += [*parents(str(r)), "--ro-bind", str(r), str(r)]
    cpu = "/sys/devices/system/cpu"  # torch picks its CPU kernels from here, as outside
    if os.path.isdir(cpu):
        args += [*parents(cpu), "--ro-bind", cpu, cpu]
    args += [*parents(str(INSIDE / "code"))]
    return args


@functools.lru_cache(maxsize=None)
def works() -> bool:
    if sys.platform != "linux" or PORTABLE or not shutil.which("bwrap"):
        return False
    probe = [*base_args(is_root(), Limits()), "--", sys.executable, "-I", "-c", "import os"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
