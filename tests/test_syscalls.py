"""The worker's seccomp filter is an allow-list (sandbox/syscalls.py): what it lists is all a worker needs,
and everything else is refused by the kernel, whatever the student's code runs (issue 38, class 3).

The list must follow torch and Python: the solutions are graded with the filter strict (conftest's
``solutions_result``), so a call they need and the list lacks kills a worker and fails this file's first
test; ``scripts/syscall_census.py`` then names the call.
"""
import os
import subprocess
import sys
import textwrap

import pytest

from autograder.grading.course import load_course
from autograder.publish.authoring import render
from autograder.sandbox import isolation, syscalls

from .conftest import KIT, SOLUTIONS, STRICT_SECCOMP, checks_by_name, grade, write_submission

pytestmark = [pytest.mark.skipif(isolation.seccomp_off() is not None, reason="no seccomp here"),
              pytest.mark.xdist_group("bundled")]

# A process with the worker's filter and nothing else: three adjacent pipes stand for the channels.
FILTERED = textwrap.dedent("""
    import ctypes, errno, os, sys
    sys.path.insert(0, {code!r})
    import syscalls
    fds = [os.pipe()[1] for _ in range(3)]
    base = max(fds) + 1
    for i, fd in enumerate(fds):
        os.dup2(fd, base + i)
    channels = (base, base + 1, base + 2)
    assert syscalls.load(channels, strict={strict}) is None
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def call(nr, *args):
        ctypes.set_errno(0)
        result = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        return result, ctypes.get_errno()
""")
# x86-64 numbers of the calls the third red team found unlisted, and that worked under the old deny-list
UNLISTED = {"openat2": 437, "name_to_handle_at": 303, "pidfd_getfd": 438, "landlock_create_ruleset": 444,
            "seccomp": 317, "memfd_secret": 447, "pidfd_open": 434, "process_madvise": 440}


def _filtered(body: str, strict: bool = False) -> subprocess.CompletedProcess:
    code = FILTERED.format(code=str(KIT / "autograder" / "sandbox"), strict=strict) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120)


def test_grading_the_solutions_needs_no_call_off_the_list(solutions_result):
    """Graded with the filter strict: a worker that made an unlisted call was killed, and its exercise flagged."""
    flagged = {e["id"]: e["tampering"] for e in solutions_result["exercises"] if e.get("tampering")}
    assert not flagged, (f"grading the solutions needs a system call that syscalls.ALLOWED lacks: {flagged}; "
                         "run scripts/syscall_census.py to see which")
    course = load_course()   # full marks on all the grader scores (written answers await a person)
    assert solutions_result["score"] == course.max_score - sum(e.by_person_points for e in course.exercises.values())


def test_what_students_use_beyond_the_reference_is_on_the_list(tmp_path):
    """DataLoader worker processes, a matplotlib figure, numpy's and torch's linear algebra: on the list too."""
    sys.path.insert(0, str(KIT / "scripts"))
    from syscall_census import EXTRA

    source = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text() + EXTRA
    sub = write_submission(tmp_path / "beyond", "ex1_myrnn", {"myrnn.py": source})
    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values", "matches_nn_rnn"], env_extra=STRICT_SECCOMP)
    ex = result["exercises"][0]
    assert not ex.get("tampering"), ex
    assert all(t["status"] == "passed" for t in checks_by_name(result, "ex1_myrnn").values()), ex


def test_calls_off_the_list_are_refused_by_the_kernel():
    lines = "\n".join(f"print({name!r}, *call({nr}, 0, 0, 0, 0))" for name, nr in UNLISTED.items())
    proc = _filtered(lines + "\nprint('getpid', *call(39))\n")
    assert proc.returncode == 0, proc.stderr
    answers = {name: (int(r), int(e)) for name, r, e in (line.split() for line in proc.stdout.splitlines())}
    for name in UNLISTED:
        assert answers[name] == (-1, syscalls.REFUSED_ERRNO), (name, answers[name])
    assert answers["getpid"][0] == os.getpid() or answers["getpid"][0] > 0


def test_the_grader_s_channels_cannot_be_closed_or_replaced():
    proc = _filtered("""
        try:
            os.close(channels[1])
        except OSError as exc:
            print("close", exc.errno)
        print("closed a descriptor of its own:", os.close(os.dup(0)) is None)
        sys.stdout.flush()
        os.dup2(0, channels[2])
        print("replaced")
    """)
    assert f"close {__import__('errno').EBADF}" in proc.stdout, proc.stdout + proc.stderr
    assert "closed a descriptor of its own: True" in proc.stdout
    assert "replaced" not in proc.stdout and proc.returncode == -31, (proc.returncode, proc.stdout)  # SIGSYS


def test_another_abi_reaches_no_rule():
    """x32's numbers (bit 30 set, same architecture token) match nothing on the list: refused or killed."""
    proc = _filtered("print('x32', *call(0x40000000 | 39))\n")
    if proc.returncode == 0:
        r, e = map(int, proc.stdout.split()[1:3])
        assert r == -1, proc.stdout
    else:
        assert proc.returncode == -31, proc.returncode


def test_strict_kills_where_the_course_refuses():
    proc = _filtered("print('openat2', *call(437, 0, 0, 0, 0))\n", strict=True)
    assert proc.returncode == -31 and "openat2" not in proc.stdout, (proc.returncode, proc.stdout)


def test_a_refused_call_is_the_student_s_error_in_words(tmp_path, fast_course):
    """Not tampering and not the grader's: the check fails with words for what happened, the rest is graded."""
    cell = """
import errno, os
raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))
"""
    solution = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
    sub = write_submission(tmp_path / "refused", "ex1_myrnn", {"myrnn.py": render(solution, regions={"rnn_cell": cell})})
    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values", "matches_nn_rnn"], course=fast_course)
    checks = checks_by_name(result, "ex1_myrnn")
    assert checks["rnn_cell_values"]["status"] == "error"
    assert "system call that the sandbox does not allow" in checks["rnn_cell_values"]["output"]
    assert checks["matches_nn_rnn"]["status"] == "passed" and not result["exercises"][0].get("tampering")
