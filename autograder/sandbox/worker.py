"""The student process: imports the student's module and answers probe requests.

Everything here runs next to untrusted code, so nothing here decides a grade.
It receives inputs, calls the student's functions through the exercise's
``probes`` module, and sends back plain data (see ``wire``). The grader compares.

Started by ``client.StudentProcess`` as::

    python -I worker.py REQUEST_FD REPLY_FD CODE_DIR STUDENT_DIR MODULE

CODE_DIR holds this file, wire.py, probekit.py and the exercise's probes.py;
STUDENT_DIR holds the student's files. The working directory is a scratch dir.
"""
import errno
import os
import sys
import traceback

# Keep private references before any student code can monkeypatch them.
_read, _write, _exit = os.read, os.write, os._exit


def _recv(fd, wire):
    header = b""
    while len(header) < wire.HEADER.size:
        chunk = _read(fd, wire.HEADER.size - len(header))
        if not chunk:
            _exit(0)  # the grader closed the channel: we are done
        header += chunk
    (n,) = wire.HEADER.unpack(header)
    parts, got = [], 0
    while got < n:
        chunk = _read(fd, min(1 << 20, n - got))
        if not chunk:
            _exit(0)
        parts.append(chunk)
        got += len(chunk)
    return wire.decode(b"".join(parts))


def _send(fd, wire, message):
    data = wire.frame(wire.encode(message))
    view = memoryview(data)
    while view:
        written = _write(fd, view)
        view = view[written:]


def describe_exception(exc, student_dir):
    """Turn an exception from student code into words, pointing at their file."""
    kind = "exception"
    if isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(exc, MemoryError) or "can't allocate memory" in str(exc):
        kind = "memory"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif isinstance(exc, SyntaxError):
        kind = "syntax"
    elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        kind = "output"  # RLIMIT_FSIZE: Python ignores SIGXFSZ, so the write fails instead
    where = None
    frames = traceback.extract_tb(exc.__traceback__)
    student_frames = [f for f in frames if os.path.abspath(f.filename).startswith(student_dir)]
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{os.path.basename(exc.filename)}, line {exc.lineno}"
    elif student_frames:
        f = student_frames[-1]
        where = f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}"
    # Name files as the student knows them (myrnn.py), not by the sandbox path.
    short_tb = "".join(traceback.format_list([
        traceback.FrameSummary(os.path.relpath(f.filename, student_dir), f.lineno, f.name, line=f.line)
        for f in student_frames[-6:]]))
    message = str(exc)
    return {
        "kind": kind,
        "type": type(exc).__name__,
        "message": message[:2000],
        "where": where,
        "traceback": short_tb[-4000:],
    }


def main():
    req_fd, rep_fd = int(sys.argv[1]), int(sys.argv[2])
    code_dir, student_dir = os.path.abspath(sys.argv[3]), os.path.abspath(sys.argv[4])
    module_name = sys.argv[5]
    sys.path[:0] = [code_dir, student_dir]
    import wire  # noqa: E402  (the copy in the sandbox)
    import probes  # noqa: E402

    # Probes may install guards (e.g. tracing forbidden torch kernels) before
    # the student's module can grab references to the originals.
    if hasattr(probes, "install_guards"):
        probes.install_guards()

    student = None
    while True:
        request = _recv(req_fd, wire)
        try:
            if request["op"] == "load":
                path = os.path.join(student_dir, module_name + ".py")
                if not os.path.exists(path):
                    reply = {"error": {"kind": "missing", "type": "FileNotFoundError",
                                       "message": f"{module_name}.py was not submitted",
                                       "where": None, "traceback": ""}}
                else:
                    import importlib
                    student = importlib.import_module(module_name)
                    reply = {"ok": True}
            else:
                fn = getattr(probes, "probe_" + request["probe"])
                reply = {"ok": True, "value": fn(student, **request.get("args", {}))}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            reply = {"error": describe_exception(exc, student_dir)}
        reply["id"] = request.get("id")
        try:
            _send(rep_fd, wire, reply)
        except wire.WireError as exc:
            _send(rep_fd, wire, {"id": request.get("id"), "error": {
                "kind": "bad_value", "type": "TypeError", "where": None, "traceback": "",
                "message": f"your code returned something that is not plain numbers: {exc}"}})


if __name__ == "__main__":
    main()
