"""The sandbox's scratch folder (its *stage*) and the environment its worker starts with.

A stage holds, in a fresh folder under ``isolation.scratch_root()``::

    code/      worker.py, wire.py, probekit.py, syscalls.py and the exercise's probes.py (the kit's code)
    student/   the student's files (regular files only, never through a link), then the
               exercise's given files from the kit (a submitted copy cannot replace them)
    home/      the worker's HOME and matplotlib's folder
    stash/     where the 'namespace' fallback moves what it hides

Everything in code/ and student/ is readable, not writable, by the worker. What the
student handed in is judged here, once, before any worker starts: a missing main file,
a link, or a syntax error is the student's failure for every check of the exercise.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder import ONE_THREAD
from autograder.sandbox import isolation
from autograder.sandbox.failures import MissingSubmission, StudentFailure, missing_file, syntax_failure

SANDBOX_CODE = Path(__file__).parent
WORKER_CODE = ("worker.py", "wire.py", "probekit.py", "syscalls.py")


@dataclass(frozen=True)
class Stage:
    base: Path
    code_dir: Path
    student_dir: Path
    home: Path
    refused: StudentFailure | None   # why the student's module cannot load, found before any worker starts


def make_stage(module: str, probes: Path, student_files: dict[str, Path], given: dict[str, Path]) -> Stage:
    base = Path(tempfile.mkdtemp(prefix="autograder-", dir=isolation.scratch_root()))
    # bubblewrap reads the stage as root, or as the grader's own user: nobody else needs it.
    # Workers that run as nobody without it must enter a known path (but not list it).
    os.chmod(base, 0o700 if isolation.mode() in ("bwrap", "none") else 0o711)
    code_dir, student_dir, home = base / "code", base / "student", base / "home"
    for folder in (code_dir, student_dir, home, base / "stash"):
        folder.mkdir()
    for name in WORKER_CODE:
        shutil.copy(SANDBOX_CODE / name, code_dir / name)
    if probes.is_file():
        shutil.copy(probes, code_dir / "probes.py")
    else:  # an exercise whose checks need only probekit's built-in probes
        (code_dir / "probes.py").write_text("")
    refused = fill_student_dir(module, student_files, given, student_dir)
    for p in [code_dir, *code_dir.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)  # readable, not writable, by the student
    return Stage(base, code_dir, student_dir, home, refused)


def fill_student_dir(module: str, student_files: dict[str, Path], given: dict[str, Path],
                     student_dir: Path) -> StudentFailure | None:
    """``student_dir`` emptied, then the student's files and the exercise's given files (the kit's copy wins),
    readable and not writable by the student; why the module cannot load, if it cannot. Also how a warm
    worker, started before the student's files were known, receives them (``StudentProcess.adopt``)."""
    for entry in list(student_dir.iterdir()):
        remove_tree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    refused = copy_student_files(module, student_files, student_dir)
    for name, src in given.items():  # after the student's: a submitted copy cannot replace it
        target = student_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_file():
            target.unlink()
        if src.is_dir():
            shutil.copytree(src, target, dirs_exist_ok=True)
        else:
            shutil.copy(src, target)
    for p in [student_dir, *student_dir.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    return refused


def copy_student_files(module: str, student_files: dict[str, Path], student_dir: Path) -> StudentFailure | None:
    """Copy the student's files into ``student_dir``; why the module cannot load, if it cannot
    (a link or no file where the module should be, a syntax error), found without running it."""
    refused = None
    main = f"{module}.py"
    for name, src in student_files.items():
        why = copy_regular(Path(src), student_dir / name)
        if why and name == main:
            refused = MissingSubmission(why)
        elif name == main and not (student_dir / name).exists():
            refused = missing_file(f"{name} was not submitted")
        elif not why and name.endswith(".py") and refused is None:
            refused = syntax_failure(student_dir / name)  # at once, not once per check
    return refused


def load_refusal(module: str, student_files: dict[str, Path]) -> StudentFailure | None:
    """``copy_student_files``'s verdict alone, in a folder thrown away after: what the grader
    asks before it starts anything for an exercise (engine's fast path)."""
    scratch = Path(tempfile.mkdtemp(prefix="autograder-refusal-", dir=isolation.scratch_root()))
    try:
        os.chmod(scratch, 0o700)
        return copy_student_files(module, student_files, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def copy_regular(src: Path, dst: Path) -> str | None:
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


def worker_env(home: str) -> dict[str, str]:
    """The worker's whole environment: the little it needs to start, none of the grader's secrets."""
    return {**_system_env(home), "LANG": "C.UTF-8",
            # One thread per math library: CPU seconds then mean the same on every machine,
            # and spinning BLAS threads cannot make an oversubscribed machine crawl.
            **ONE_THREAD, "MPLBACKEND": "Agg", "MPLCONFIGDIR": home,
            # Evaluation never depends on a GPU: the worker sees none, on any machine.
            "CUDA_VISIBLE_DEVICES": "",
            # The portable path stands for Windows and macOS, which have no seccomp (sandbox/syscalls.py).
            **({"AUTOGRADER_SECCOMP": "off"} if isolation.PORTABLE else
               # the kit's own tests: a call off the allow-list kills the worker (syscalls.load's strict)
               {"AUTOGRADER_SECCOMP": "strict"} if os.environ.get("AUTOGRADER_SECCOMP_STRICT") == "1" else {}),
            # torch or numpy installed outside the prefix (a user site): on the worker's path too
            "AUTOGRADER_EXTRA_PATH": os.pathsep.join(
                str(r) for r in isolation.python_roots() if (r / "torch").is_dir() or (r / "numpy").is_dir())}


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
