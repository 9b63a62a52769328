"""The student process: imports the student's module and answers probe requests.

Everything here runs next to untrusted code, so nothing here decides a grade.
It receives inputs, calls the student's functions through the exercise's
``probes`` module, and sends back plain data (see ``wire``). The grader compares.

Started by ``client.StudentProcess`` as::

    python -I worker.py REQUEST_FD REPLY_FD CODE_DIR STUDENT_DIR MODULE UID AUDIT_FD

(On Windows each _FD is ``h<handle>``, an inherited pipe handle: see ``channels``.)

CODE_DIR holds this file, wire.py, probekit.py, syscalls.py and the exercise's probes.py;
STUDENT_DIR holds the student's files. The working directory is a scratch dir.
UID ("-" for none): the uid of this worker's own, to drop to first (bubblewrap
run by root starts it as root in its sandbox).

AUDIT_FD is the tamper-evident channel: one fixed record per event (``wire.audit_record``),
written the moment it happens, so code that runs later cannot take it back. Probes report calls
into switched-off kernels there ("kernel"), and a Python audit hook (which no
code can remove) reports what it takes to find and undo the grader's guards:
walking the garbage collector's objects or poking memory with ctypes
("tamper <event>"). A worker that can no longer write to it exits with
AUDIT_CLOSED. The ``audit`` request asks the probes' own check (captured before
the student's module is imported) to prove that their guards still work.

The worker's first message is "ready", sent once torch, numpy and the probes
are loaded and before the student's module is touched: whatever fails before
it is the grader's failure. Afterwards nothing said here decides whose an error is:
an error marked "grader" (a malformed request, no such probe, an exception in the
probes' own code with no frame of the student's files) is a claim, which the grader
settles itself by running the same check on the reference solution
(``grading/attribution.py``): the student's code can forge every fact read here.
"""
import errno
import os
import re
import sys
import traceback
import types

# Keep private references before any student code can monkeypatch them.
_read, _write, _exit = os.read, os.write, os._exit
AUDIT_CLOSED = 97
# Audit events that finding and undoing the grader's guards takes; none happens in a correct submission.
WATCHED = ("gc.get_objects", "gc.get_referrers", "gc.get_referents", "ctypes.")


def _audit_channel(fd, record):
    """``audit(event)``: one record to the grader (``wire.audit_record``), now, in one write under
    PIPE_BUF bytes (which the kernel never splits). Holds only what it captured here."""
    write, exit_ = _write, _exit

    def audit(event):
        try:
            write(fd, record(event))
        except OSError:
            exit_(AUDIT_CLOSED)  # closed or broken by the student's code: that itself is the evidence
    return audit


# Native code an exercise never needs: these packages call C without ctypes's audit events.
NATIVE_PACKAGES = ("cffi", "_cffi_backend")


def _normalised(path):
    """``path`` with "." and ".." resolved as text, by str's own methods only (os.path's helpers look their
    dependencies up in module globals that student code can replace)."""
    parts = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def _trusted_roots(code_dir):
    """Where the Python runtime's own extension modules live (its sys.path before the student's folder is
    added): what a worker may load native code from. The staged code folder holds no native code."""
    return tuple(_normalised(p) + "/" for p in sys.path
                 if type(p) is str and p.startswith("/") and _normalised(p) != _normalised(code_dir))


def _watch(audit, keep, imports, sources=frozenset(), roots=()):
    """An audit hook (it cannot be removed) that reports tampering and watched imports, and keeps the guards alive.

    ``keep`` (the guards' registrations) is referenced from this closure only: code
    that wants to undo them must first find them, through the events watched here.
    ``imports``: top-level packages whose loading is reported ("import sklearn"): a
    rule on what the student's code may use, judged by what runs (an import in a
    ``__main__`` block that never runs is not one).
    ``sources``: files of the kit's guarded libraries (torch's Python-level RNN implementations) that no
    code may run again once the guards replaced what they define: a reload or an exec of one is reported.
    ``roots``: where native code may come from (``_trusted_roots``); an extension module loaded from
    anywhere else (the student's folder, /tmp, a memfd under /proc) is reported, and so is any import of
    cffi, which calls C with no audit event of its own (ctypes's calls have theirs: WATCHED).
    """
    def hook(event, args, _keep=keep, _imports=imports, _sources=sources, _roots=roots, _norm=_normalised,
             _native=NATIVE_PACKAGES):
        if event.startswith(WATCHED):
            audit("tamper " + event)
        elif _sources and event in ("exec", "compile"):
            name = getattr(args[0], "co_filename", None) if event == "exec" else args[1]
            if type(name) is str and name in _sources:
                audit("tamper ran again " + name.rpartition("site-packages/")[2])
        elif event == "import" and type(args[0]) is str:
            top = args[0].partition(".")[0]
            if top in _native:
                audit("tamper loaded native code (cffi)")
            elif _imports and top in _imports:
                audit("import " + top)
            if type(args[1]) is str and _roots:  # an extension module, loaded from its file
                where = _norm(args[1])
                if not where.startswith(_roots):
                    audit("tamper loaded native code from " + where.rpartition("/")[2][:60])
    sys.addaudithook(hook)


def _recv(fd, wire):
    # The grader closed the channel: we are done.
    return wire.read_message(lambda n: _read(fd, n), lambda: _exit(0))


def _send(fd, wire, message):
    wire.write_message(lambda view: _write(fd, view), message)


def _grader_error(message):
    return {"kind": "grader", "type": "GraderError", "message": message, "where": None, "traceback": ""}


def _is_probe_bug(exc, frames, student_frames, code_dir):
    """An exception raised in the probes' own code, not through the student's code."""
    if student_frames or not frames or type(exc).__name__ in ("ProbeError", "NotImplementedError"):
        return False
    if isinstance(exc, (MemoryError, SystemExit, KeyboardInterrupt, RecursionError, OSError)):
        return False
    innermost = os.path.abspath(frames[-1].filename)
    return os.path.dirname(innermost) == code_dir and os.path.basename(innermost) in ("probes.py", "probekit.py")


_SIGNATURE = re.compile(r"^([\w.]+)\(\) (got an unexpected keyword argument|missing \d+ required|takes \d+ "
                        r"positional|takes from \d+ to \d+ positional|got multiple values|got some positional)")


def _student_signature(exc, student_dir) -> bool:
    """A TypeError from calling one of the student's functions with the contract's arguments, which its
    signature does not take ("predict() got an unexpected keyword argument 'k'"): the student's mistake,
    though no frame of theirs ran."""
    match = _SIGNATURE.match(str(exc)) if isinstance(exc, TypeError) else None
    if not match:
        return False
    for module in list(sys.modules.values()):
        if not os.path.abspath(getattr(module, "__file__", None) or "/").startswith(student_dir):
            continue
        obj = module
        for part in match.group(1).split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            return True
    # Also by the source (sys.modules is the student's to edit): a def or class of that name in their files.
    parts = match.group(1).split(".")
    wanted = re.compile(rf"^\s*(def {re.escape(parts[-1])}\s*\(|class {re.escape(parts[0])}\b)", re.M)
    for folder, _, files in os.walk(student_dir):
        for name in files:
            if name.endswith(".py"):
                try:
                    with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                        if wanted.search(f.read()):
                            return True
                except OSError:
                    pass
    return False


def _student_file_of(obj, student_dir):
    """The student's file that defines ``obj`` (their module, a class of theirs, an instance of one), or None."""
    module = obj if isinstance(obj, types.ModuleType) else sys.modules.get(
        getattr(obj if isinstance(obj, type) else type(obj), "__module__", "") or "")
    path = os.path.abspath(getattr(module, "__file__", None) or "/")
    return os.path.basename(path) if path.startswith(student_dir + os.sep) else None


def _missing_name(exc, student_dir):
    """Words for a name the exercise asks for that the student's code lacks (the probe looked it up), or None.
    An AttributeError raised in the student's own code is theirs to read as it is."""
    if not isinstance(exc, AttributeError) or getattr(exc, "name", None) is None:
        return None
    if any(os.path.abspath(f.filename).startswith(student_dir) for f in traceback.extract_tb(exc.__traceback__)):
        return None
    owner = getattr(exc, "obj", None)
    filename = _student_file_of(owner, student_dir)
    if filename is None:
        return None
    where = filename if isinstance(owner, types.ModuleType) else \
        f"{(owner if isinstance(owner, type) else type(owner)).__name__} in {filename}"
    return (f"{where} has no {exc.name}, which the exercise asks for: define it with the name and signature "
            "its README gives")


def describe_exception(exc, student_dir, code_dir=None):
    """Turn an exception from student code into words, pointing at their file."""
    kind = "exception"
    missing = _missing_name(exc, student_dir)
    if missing is not None:
        return {"kind": "missing_name", "type": "AttributeError", "message": missing, "where": None, "traceback": ""}
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
    elif isinstance(exc, OSError) and exc.errno == errno.ENOTSUP and exc.filename is not None:
        kind = "exec"    # syscalls.EXEC_ERRNO: the seccomp filter refused to start a program
    elif isinstance(exc, OSError) and exc.errno == errno.ENOSYS:
        kind = "refused"  # syscalls.REFUSED_ERRNO: a system call off the sandbox's list
    where = None
    frames = traceback.extract_tb(exc.__traceback__)
    student_frames = [f for f in frames if os.path.abspath(f.filename).startswith(student_dir)]
    signature = _student_signature(exc, student_dir)
    if code_dir and _is_probe_bug(exc, frames, student_frames, code_dir) and not signature:
        where = f"{os.path.basename(frames[-1].filename)}, line {frames[-1].lineno}"
        return _grader_error(f"a probe failed in its own code ({where}): {type(exc).__name__}: {str(exc)[:500]}")
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
    if kind == "exec":
        message = (f"your code tried to start another program ({exc.filename}); the sandbox forbids it: "
                   "everything the exercise asks for runs in your own Python process")
    elif kind == "refused":
        message = ("your code made a system call that the sandbox does not allow (the kernel answered "
                   f"\"{exc.strerror or 'Function not implemented'}\"); nothing the exercise asks for needs it: "
                   "use plain Python, numpy and torch")
    if signature:
        where = where or "calling your function"
        message += (". The grader calls your function with the arguments the exercise's README gives in its "
                    "signature: check the names and the order of its parameters")
    return {
        "kind": kind,
        "type": type(exc).__name__,
        "message": message[:2000],
        "where": where,
        "traceback": short_tb[-4000:],
    }


def _channel(arg, flags):
    """A channel's file descriptor from its argument: an fd, or on Windows ``h<handle>`` (channels.py)."""
    if not arg.startswith("h"):
        return int(arg)
    import msvcrt
    fd = msvcrt.open_osfhandle(int(arg[1:]), flags)
    msvcrt.setmode(fd, os.O_BINARY)  # bytes as sent: no newline translation
    return fd


def _adjacent(fds, argv_at):
    """The grader's channels moved to three adjacent descriptors above every one open now, so that the seccomp
    filter can name them as one range (syscalls.load); sys.argv says where they are now, as it did before."""
    base = max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    moved = []
    for i, (fd, at) in enumerate(zip(fds, argv_at)):
        os.dup2(fd, base + i, inheritable=False)
        os.close(fd)
        sys.argv[at] = str(base + i)
        moved.append(base + i)
    return tuple(moved)


def main():
    req_fd, rep_fd = _channel(sys.argv[1], os.O_RDONLY), _channel(sys.argv[2], os.O_WRONLY)
    code_dir, student_dir = os.path.abspath(sys.argv[3]), os.path.abspath(sys.argv[4])
    module_name, uid, audit_fd = sys.argv[5], sys.argv[6], _channel(sys.argv[7], os.O_WRONLY)
    setting = os.environ.pop("AUTOGRADER_SECCOMP", "")
    filtered = sys.platform == "linux" and setting != "off"
    if filtered:  # the filter names the channels as one range (before anything captures their numbers)
        req_fd, rep_fd, audit_fd = _adjacent((req_fd, rep_fd, audit_fd), (1, 2, 7))
    if uid != "-":  # first of all: become this worker's own user (root's bubblewrap starts us as root)
        os.setgroups([])
        os.setgid(int(uid))
        os.setuid(int(uid))
    nproc = os.environ.pop("AUTOGRADER_NPROC", None)
    if nproc:  # processes and threads of this worker's user (in bubblewrap's user namespace: of this worker)
        import resource
        resource.setrlimit(resource.RLIMIT_NPROC, (int(nproc), int(nproc)))
    extra = os.environ.get("AUTOGRADER_EXTRA_PATH")
    if extra:
        sys.path.extend(extra.split(os.pathsep))
    sys.path.insert(0, code_dir)
    import wire  # noqa: E402  (the copy in the sandbox)
    import torch  # noqa: E402
    torch.set_num_threads(1)  # CPU seconds mean the same on every machine
    import probes  # noqa: E402

    # Probes may install guards (e.g. switching forbidden torch kernels off) before
    # the student's module can grab references to the originals. They get the audit
    # channel, and return what must stay alive (held by the audit hook alone) and a
    # check that the guards still hold (held by this loop alone).
    audit = _audit_channel(audit_fd, wire.audit_record)
    keep, check_guards = None, None
    if hasattr(probes, "install_guards"):
        keep, check_guards = probes.install_guards(audit)
    # The kernel's rules next (syscalls.py): before the audit hook, which would report the
    # filter's own libseccomp calls, and before any student code.
    import syscalls  # noqa: E402
    seccomp_off = syscalls.load((req_fd, rep_fd, audit_fd), strict=setting == "strict") if filtered else \
        "not Linux" if sys.platform != "linux" else "the portable path"
    sources = probes.watched_sources() if hasattr(probes, "watched_sources") else ()
    _watch(audit, keep, frozenset(getattr(probes, "WATCHED_IMPORTS", ())), frozenset(sources),
           _trusted_roots(code_dir))
    del keep
    import probekit  # noqa: E402  (its built-in probes; an exercise's own come first)
    probe_table = {name[6:]: fn for source in (probekit, probes) for name, fn in vars(source).items()
                   if name.startswith("probe_")}
    send = _send
    sys.path.insert(1, student_dir)  # only now: nothing of the student's could shadow the above
    send(rep_fd, wire, {"id": "ready", "torch": torch.__version__, "seccomp_off": seccomp_off})

    student = None
    while True:
        request = _recv(req_fd, wire)
        if not isinstance(request, dict) or request.get("op") not in ("load", "call", "audit") or \
                not isinstance(request.get("args", {}), dict):
            send(rep_fd, wire, {"id": request.get("id") if isinstance(request, dict) else None,
                                "error": _grader_error(f"malformed request: {str(request)[:200]}")})
            continue
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
            elif request["op"] == "audit":
                if check_guards is not None:
                    check_guards()
                reply = {"ok": True}
            else:
                fn = probe_table.get(str(request.get("probe")))  # bound before the student's code ran
                if fn is None:
                    reply = {"error": _grader_error(f"the probe {request.get('probe')!r} does not exist")}
                else:
                    reply = {"ok": True, "value": fn(student, **request.get("args", {}))}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            reply = {"error": describe_exception(exc, student_dir, code_dir)}
        reply["id"] = request.get("id")
        try:
            send(rep_fd, wire, reply)
        except wire.WireError as exc:
            send(rep_fd, wire, {"id": request.get("id"), "error": {
                "kind": "bad_value", "type": "TypeError", "where": None, "traceback": "",
                "message": f"your code returned something that is not plain numbers: {exc}"}})


if __name__ == "__main__":
    main()
