"""Every way a call into the student's process can fail, and the words for it.

Two sides can fail, and the message must never confuse them:

- ``StudentFailure``: the student's code did something wrong (raised, looped,
  used too much memory or CPU, crashed). Graded: the check scores 0, and the
  message starts with "your code ..." and says what to do about it.
- ``GraderError``: the grader's side failed (the sandbox's Python could not
  start before any student code ran). Never graded:
  the check gets status ``grader_error``, ``grade`` exits 3 and ``batch``
  grades the student again on its next run. The message never says "your code".
  What the worker reports after the student's code was imported can only be a
  ``ClaimedGraderError``, which the grader confirms on the reference solution
  (``grading.attribution``) before it believes it.
"""
from __future__ import annotations

import re
import signal
from pathlib import Path

GRADER_ERROR = "grader_error"


class StudentFailure(Exception):
    """A check could not get a usable answer from the student's code."""

    status = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotImplementedYet(StudentFailure):
    status = "failed"


class MissingSubmission(StudentFailure):
    status = "failed"


class StudentCodeError(StudentFailure):
    status = "error"


class StudentCrashed(StudentFailure):
    status = "error"


class StudentTimeout(StudentFailure):
    status = "timeout"


class GraderError(Exception):
    """The grader's side failed; the student is not to blame and the check is not scored."""

    status = GRADER_ERROR

    def __init__(self, detail: str):
        self.detail = detail
        self.message = (f"the grader failed on this check, not your code: {detail.rstrip('.')}. "
                        "It is not scored; your instructor will grade it again.")
        super().__init__(self.message)


class ClaimedGraderError(GraderError):
    """The worker says a probe failed in its own code. The worker runs beside the student's code, which can
    forge that (frame file names, helpers looked up at call time, the kit's exception types), so this is a
    claim, not a fact: ``grading.attribution`` decides it by running the check on the reference solution."""


# Common error texts and the hint that teaches what to do about them.
HINTS = [
    ("same dtype", "create new tensors with the input's dtype, e.g. x.new_zeros(...) "
                   "or torch.zeros(..., dtype=x.dtype); the grader runs your code in float64"),
    ("expected scalar type", "create new tensors with the input's dtype, e.g. x.new_zeros(...)"),
    ("must match the size", "print the shapes of the tensors on that line; they must agree"),
    ("shapes cannot be multiplied", "print the shapes of the tensors on that line: "
                                    "(a, b) @ (b, c) needs the inner sizes to match"),
    ("cuda", "the grader runs your code on the CPU, without a GPU: pick the device with "
             "torch.device('cuda' if torch.cuda.is_available() else 'cpu') instead of calling .cuda()"),
    ("nvidia", "the grader runs your code on the CPU, without a GPU: pick the device with "
               "torch.device('cuda' if torch.cuda.is_available() else 'cpu') instead of calling .cuda()"),
]


def _hint(text: str) -> str:
    lowered = text.lower()
    for needle, hint in HINTS:
        if needle in lowered:
            return f" Hint: {hint}."
    return ""


def missing_file(what: str) -> MissingSubmission:
    """``what``: e.g. "myrnn.py was not submitted"."""
    return MissingSubmission(f"file not found: {what}. Submit it to get points for this exercise.")


def output_limit_message(output_kb: int) -> str:
    return f"your code printed or wrote more than {output_kb} KB; remove the prints inside loops"


def memory_message(memory_mb: int) -> str:
    return f"your code ran out of memory (it may use at most {memory_mb} MB)"


def cpu_timeout_message(cpu_seconds: float) -> str:
    return (f"your code used more than {cpu_seconds:.0f} s of CPU time in this check "
            "(an endless loop, or much slower than needed?)")


def wall_timeout_message(wall_seconds: float) -> str:
    return (f"your code did not finish within {wall_seconds:.0f} s of real time while using little CPU "
            "(is it waiting for input, sleeping, or blocked?)")


# A worker killed by SIGSYS made a call the seccomp filter kills for (sandbox/syscalls.py): it tried to
# replace the grader's channels or to leave the sandbox. The kernel says so, from outside the student's reach.
SECCOMP_EVIDENCE = "tamper a forbidden system call (killed by the seccomp filter)"
SECCOMP_MESSAGE = ("your code made a system call that the sandbox forbids (replacing the grader's channels, "
                   "tracing processes, new namespaces, kernel keys or io_uring) and was stopped by the kernel. "
                   "No exercise needs any of them; it is taken as tampering with the grader, and your instructor "
                   "sees this message")

WINDOWS_CRASHES = (0xC0000005, 0xC00000FD)  # access violation, stack overflow


def exit_failure(rc: int, limits, tail: str = "") -> StudentFailure:
    """Words for a worker that ended while a call was in flight: ``rc`` is its exit status (negative:
    the signal that ended it), ``limits`` its ``isolation.Limits``, ``tail`` what it printed last."""
    if rc < 0:
        sig = -rc
        if sig == getattr(signal, "SIGXFSZ", None):
            return StudentCrashed(output_limit_message(limits.output_kb) + tail)
        if sig == getattr(signal, "SIGXCPU", None):
            return StudentTimeout(cpu_timeout_message(limits.cpu_seconds))
        if sig == getattr(signal, "SIGSYS", None):
            return StudentCrashed(SECCOMP_MESSAGE)
        if sig == signal.SIGSEGV:
            return StudentCrashed("your code crashed the Python process (segmentation fault)" + tail)
        if sig == signal.SIGKILL:
            return StudentCrashed("your code's process was killed, most likely for using too much "
                                  f"memory (the limit is {limits.memory_mb} MB)" + tail)
        return StudentCrashed(f"your code's process died from signal {signal.Signals(sig).name}" + tail)
    if rc in WINDOWS_CRASHES:
        return StudentCrashed("your code crashed the Python process (access violation or stack overflow)" + tail)
    return StudentCrashed(f"your code ended the process (exit code {rc}); do not call os._exit() "
                          "or exit() in your module" + tail)


def failure_from_error(err: dict, memory_mb: int, output_kb: int) -> StudentFailure | GraderError:
    """Words for an error the worker reported."""
    where = f" ({err['where']})" if err.get("where") else ""
    kind, etype, msg = err.get("kind"), err.get("type", "Exception"), err.get("message", "")
    if kind == "grader":
        return ClaimedGraderError(f"{etype}: {msg}")
    if kind == "not_implemented":
        text = msg if "not implemented" in msg.lower() else f"not implemented yet: {msg}" if msg \
            else "not implemented yet"
        return NotImplementedYet(f"{text}{where}")
    if kind == "missing":
        return missing_file(msg)
    if kind == "syntax":
        # str(SyntaxError) ends with "(file, line N)", which `where` already says
        return StudentCodeError(f"your file has a syntax error{where}: {re.sub(r' [(][^()]*, line [0-9]+[)]$', '', msg)}")
    if kind == "memory":
        return StudentCodeError(memory_message(memory_mb) + where)
    if kind == "output":
        return StudentCodeError(output_limit_message(output_kb) + where)
    if kind in ("exec", "refused", "missing_name"):  # a program started; a function the exercise asks for not defined
        return StudentCodeError(msg + where)
    if kind == "exit":
        return StudentCodeError(f"your code called sys.exit() / exit(){where}; "
                                "remove it, the grader needs the process to keep running")
    tb = err.get("traceback", "").strip()
    tb_text = f"\n{tb}" if tb else ""
    return StudentCodeError(f"your code raised {etype}{where}: {msg}.{_hint(msg)}{tb_text}")


def syntax_failure(path: Path) -> StudentFailure | None:
    """The student's file compiled by the grader (never run): a syntax error, in words, with its line.

    Found before any sandbox starts, so a file that cannot load fails every check of its
    exercise at once. Files the compiler itself cannot cope with are left to the sandbox.
    """
    try:
        compile(path.read_bytes(), path.name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        line = (exc.text or "").rstrip("\n")
        shown = ""
        if line.strip():
            stripped = line.lstrip()
            caret = max(0, (exc.offset or 1) - 1 - (len(line) - len(stripped)))
            shown = f"\n    {stripped}\n    {' ' * min(caret, len(stripped))}^"
        return StudentCodeError(f"your file has a syntax error ({path.name}, line {exc.lineno}): {exc.msg}{shown}")
    except (OSError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return None
