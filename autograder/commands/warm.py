"""A warm grader for the student's own checks: after the first, ``check`` and a notebook's check cells answer
in about a second instead of four.

Most of a check's time is starting: the grader's Python imports torch and pytest (about 1.6 s), and the
sandbox's worker imports torch again (about 1.1 s). The first ``check`` starts this server in the
background, as the student's own process; it keeps the grader imported and, for each exercise it has
graded, one worker started and ready with no student code in it (``StudentProcess.adopt`` hands it the
files of the next check). A check then costs what its own checks cost. Nothing about the verdict changes:
the same engine grades the same files in the same sandbox, with the same budgets.

It answers on a Unix socket in a folder only this user can enter (``socket_path``), one JSON request a
connection, and is named after the kit's folder and the course file, so another kit or course starts its
own. It ends after ``IDLE_SECONDS`` without a request, and with the kit's files changed (a new install,
``git pull``): a warm grader never grades with old code. Where Unix sockets are missing (Windows), or the
server cannot start, checks are graded as before, each in its own process. The instructor's ``grade`` and
``batch`` never use it.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading.course import KIT_ROOT, PACKAGE_DIR

IDLE_SECONDS = 900
CONNECT_SECONDS = 0.5
REQUEST_LIMIT = 1 << 20   # bytes of one request
MAX_FOLDER = 80           # characters of the socket's folder: with its 22-character name, under 108


def kit_stamp() -> str:
    """The kit's code as it is on disk: its files' names, sizes and times (a changed kit is another kit)."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(PACKAGE_DIR)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def socket_path(course_file: Path) -> Path | None:
    """Where this kit's and course's warm grader listens, in a folder of this user's alone; None where there is
    no such thing (no Unix sockets)."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "getuid"):
        return None
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"rnn-kit-warm-{os.getuid()}"
    if len(str(base)) > MAX_FOLDER:   # a socket's whole path must fit in 108 bytes: a short folder instead
        short = hashlib.sha256(str(base).encode()).hexdigest()[:8]
        base = Path("/tmp") / f"rnn-kit-warm-{os.getuid()}-{short}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        st = base.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None   # a folder someone else made or opened: no warm grader rather than a shared one
    except OSError:
        return None
    key = hashlib.sha256(f"{KIT_ROOT.resolve()}\0{Path(course_file).resolve()}".encode()).hexdigest()[:16]
    return base / f"{key}.sock"   # well under the 108 bytes a socket's path may have


# -- the client: check's side

def _exchange(path: Path, payload: bytes, timeout: float) -> bytes:
    """Send ``payload`` to the server at ``path`` and read its whole answer (OSError where none answers)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(CONNECT_SECONDS)
        conn.connect(str(path))
        conn.settimeout(timeout)
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: conn.recv(1 << 16), b""))


def ask(course_file: Path, request: dict, timeout: float) -> dict | None:
    """The warm grader's answer, or None where there is none (not running, another kit, it failed)."""
    path = socket_path(course_file)
    if path is None or not path.exists():
        return None
    try:
        answer = json.loads(_exchange(path, json.dumps({**request, "stamp": kit_stamp()}).encode(), timeout))
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) and "result" in answer else None


def usable() -> bool:
    """Whether a warm worker may serve here: where bubblewrap walls each worker in (what it sees does not
    depend on the submission), or where nothing does (a student's laptop). The root modes hide the
    submission's own folder from its worker when it starts, which a worker started earlier cannot.
    AUTOGRADER_NO_WARM=1 turns it off (the kit's own tests do, so that no server outlives them)."""
    from autograder.sandbox import isolation

    return os.environ.get("AUTOGRADER_NO_WARM") != "1" and isolation.mode() in ("bwrap", "none")


def stop(course_file: Path) -> bool:
    """Ask this kit's and course's warm grader to end now; whether one answered."""
    path = socket_path(course_file)
    if path is None or not path.exists():
        return False
    try:
        _exchange(path, b'{"stop": true}', timeout=5)
    except OSError:
        return False
    return True


def start(course_file: Path) -> None:
    """Start the warm grader in the background (if it is not running), detached from this process."""
    path = socket_path(course_file)
    if path is None or not usable():
        return
    if path.exists():
        try:   # a server answers there, or the socket was left by one that was killed: remove it, start anew
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.connect(str(path))
            return
        except ConnectionRefusedError:
            path.unlink(missing_ok=True)
        except OSError:
            return
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from autograder.commands.warm import serve; "
            "serve(sys.argv[2], sys.argv[3])")
    try:
        subprocess.Popen([sys.executable, "-I", "-c", code, str(PACKAGE_DIR.parent), str(course_file), str(path)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, env=env, cwd=tempfile.gettempdir())
    except OSError:
        pass


# -- the server

def serve(course_file: str, path: str) -> None:
    """Answer grading requests on ``path`` until idle for IDLE_SECONDS or the kit changes."""
    from autograder.grading.course import load_course
    from autograder.grading.engine import grade
    from autograder.grading.plugin import student_process

    course_path = Path(course_file)
    stamp = kit_stamp()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(path)   # fails if another server bound it first: that one answers
    except OSError:
        return
    os.chmod(path, 0o600)
    server.listen(4)
    server.settimeout(30)
    spares: dict = {}
    last = time.monotonic()
    try:
        while time.monotonic() - last < IDLE_SECONDS and kit_stamp() == stamp:
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            last = time.monotonic()
            with conn:
                try:
                    request = _read_request(conn)
                    if request.get("stop") is True:
                        conn.sendall(b"{}")
                        break
                    if request.get("stamp") != stamp:
                        conn.sendall(json.dumps({"stale": True}).encode())
                        break
                    course = load_course(course_path)
                    ids = request.get("exercises") or None
                    result = grade(Path(request["submission"]), course, ids,
                                   "public" if request.get("public") else None, request.get("checks") or None,
                                   spares=spares)
                    conn.sendall(json.dumps({"result": result.to_json()}).encode())
                except Exception as exc:  # noqa: BLE001 - the client grades on its own instead
                    try:
                        conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
                    except OSError:
                        pass
                    continue
            # while the student reads the answer: a worker ready for each exercise just graded
            for exercise in course.select(ids):
                if exercise.id not in spares and exercise.suite_dir.is_dir():
                    spare = student_process(exercise, {}, [])
                    spare.prestart()
                    spares[exercise.id] = spare
    finally:
        server.close()
        for spare in spares.values():
            spare.cleanup()
        try:
            os.unlink(path)
        except OSError:
            pass


def _read_request(conn) -> dict:
    conn.settimeout(10)
    data = b""
    while len(data) < REQUEST_LIMIT:
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    request = json.loads(data)
    if isinstance(request, dict) and request.get("stop") is True:
        return request
    if not isinstance(request, dict) or not isinstance(request.get("submission"), str):
        raise ValueError("not a grading request")
    conn.settimeout(None)
    return request
