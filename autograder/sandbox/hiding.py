"""Hiding the kit from student code where bubblewrap is missing (``isolation``'s ``namespace`` and ``user`` modes).

``namespace`` (root, private mount namespaces allowed): the worker's child enters a mount
namespace of its own (``enter_namespace``, between fork and exec) where the kit's tree and
the submission's parent folder (``paths_to_hide``) are covered by empty read-only tmpfs,
and a Python installed under a closed folder (/root) is put back at its own path.
``user`` (root, no namespaces: a hosted container): nothing can be covered, so those
folders are closed to others instead (``protect``); workers run as uids of their own.
"""
from __future__ import annotations

import ctypes
import os
import stat
import sys
import tempfile
from pathlib import Path

from autograder.sandbox.host import PORTABLE

LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" and not PORTABLE else None
CLONE_NEWNS, MS_RDONLY, MS_BIND, MS_REC, MS_PRIVATE = 0x00020000, 1, 4096, 16384, 1 << 18


def can_unshare() -> bool:
    """Whether this machine lets root make a private mount namespace."""
    pid = os.fork()
    if pid == 0:  # child: try, and report through the exit code
        os._exit(0 if LIBC.unshare(CLONE_NEWNS) == 0 else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def blocked_prefixes() -> dict[str, list[str]]:
    """Python installations that other users (a worker's uid) cannot reach, by the closed directory above them.

    A pyenv Python under /root (mode 0700) is the usual case: {"/root": [".../3.11.7"]}.
    """
    out: dict[str, list[str]] = {}
    for prefix in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}):
        closed = [a for a in reversed(prefix.parents) if not a.stat().st_mode & 0o001]
        if closed:
            out.setdefault(str(closed[0]), []).append(str(prefix))
    return out


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    enc = (lambda v: None if v is None else v.encode())
    if LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def enter_namespace(hide: list[str], stash: Path):
    """Private mounts: hide the kit, and make Python reachable for the worker's uid."""
    if LIBC.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    blocked = blocked_prefixes()
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


def protect(paths: list[str], scratch: Path) -> list[str]:
    """``user`` mode: make each of these folders private (o-rwx), since no mount can cover it.

    Workers run as uids of their own with no groups, so only the "others" bits
    let them in; clearing them on the top folder closes everything beneath it.
    The owner and group keep their access, and nothing is put back afterwards:
    a kit that student code must not read is better left closed to others (on
    Gradescope, the container is thrown away after each submission).
    Never a shared folder (sticky, like /tmp), one at the top of the tree, or one
    above the scratch folder (``isolation.scratch_root()``): grading a submission in /tmp must not
    close /tmp. Returns the folders that were changed.
    """
    scratch = Path(scratch).resolve()
    changed = []
    for path in paths:
        try:
            mode_bits = os.stat(path).st_mode
            resolved = Path(path).resolve()
            if mode_bits & stat.S_ISVTX or len(resolved.parts) <= 2 or resolved in scratch.parents \
                    or resolved == scratch:
                continue
            if mode_bits & 0o007:
                os.chmod(path, stat.S_IMODE(mode_bits) & ~0o007)
                changed.append(path)
        except OSError:
            pass
    return changed


def paths_to_hide(kit_root: Path, extra: list[Path]) -> list[str]:
    """For the ``namespace`` mode: the kit's tree and the extra paths, minus what the worker needs.

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
