"""A disk cache for what the grader computes the same way for every submission (the kit's
trained models), so that a class of 500 does not train them 500 times.

An entry's key holds everything that could change its bytes: the caller's own inputs, the
source of the code that builds it, the torch version and the CPU kernel torch uses (other
kernels, other float results, other training trajectories). So a cached entry is exactly
what this machine would compute now; where the key differs, it is built again.

Where: $AUTOGRADER_CACHE, else $XDG_CACHE_HOME/rnn-autograder, else ~/.cache/rnn-autograder;
AUTOGRADER_CACHE=off turns it off. A cache that cannot be read or written is skipped, never
an error. Student code never runs in the grader's process; in the sandbox it cannot reach
the grader's home (on an unprotected machine, see `grade --unprotected`, it could).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
from pathlib import Path
from typing import Callable

import torch

from autograder.grading.results import write_atomic


def cache_dir() -> Path | None:
    setting = os.environ.get("AUTOGRADER_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "rnn-autograder"


def key_of(*parts: object, sources: tuple[Path, ...] = ()) -> str:
    digest = hashlib.sha256()
    for part in (torch.__version__, torch.backends.cpu.get_cpu_capability(), *parts):
        digest.update(repr(part).encode() + b"\0")
    for path in sources:
        digest.update(Path(path).read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def tensors(name: str, key: str, build: Callable[[], dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """``build()`` once per key: a dict of tensors, kept on disk under ``name-key.pt``."""
    folder = cache_dir()
    path = folder / f"{name}-{key}.pt" if folder else None
    if path is not None and path.is_file():
        try:
            return torch.load(path, weights_only=True)
        except Exception:  # noqa: BLE001 - a damaged entry is rebuilt
            pass
    with _building(path):
        # Another process may have built it while this one waited for the lock: a class graded
        # with --jobs, or test workers, starting together build each entry once, not once each.
        if path is not None and path.is_file():
            try:
                return torch.load(path, weights_only=True)
            except Exception:  # noqa: BLE001 - a damaged entry is rebuilt
                pass
        value = build()
        if path is not None:
            buf = io.BytesIO()
            torch.save(value, buf)
            try:
                write_atomic(path, buf.getvalue())   # readers see the whole entry or none
            except OSError:
                pass
    return value


@contextlib.contextmanager
def _building(path: Path | None):
    """Hold ``path``'s lock file while building it (where the platform has flock; elsewhere, and
    where the lock cannot be made, each process builds its own, as without a lock)."""
    try:
        import fcntl
    except ImportError:  # Windows
        fcntl = None
    handle = None
    if path is not None and fcntl is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path.with_name(path.name + ".lock"), "a+b")
            fcntl.flock(handle, fcntl.LOCK_EX)   # released by the kernel if the holder dies
        except OSError:
            if handle is not None:
                handle.close()
            handle = None
    try:
        yield
    finally:
        if handle is not None:
            handle.close()
