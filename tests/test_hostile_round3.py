"""Hostile submissions, round three (issue 38): a fact the grader decides on must not come from the student's
process. Each attack sits in an otherwise correct ex1 solution; each class has more than one.

1. the audit channel's evidence erased: bytes that shift the records, unknown records, a flood of harmless ones;
2. the student's failure passed off as the grader's: code compiled under the probe module's name, the worker's
   helpers replaced, the kit's exception types raised, the kit's exit codes;
3. native code without ctypes: cffi, an extension module loaded from the student's own files;
4. memory no counter sees (memfd_secret): refused by the allow-list.

The same attacks run as an ordinary user and as root without namespaces in
``test_hostile_class.py::test_weaker_settings_keep_the_kit_hidden_and_processes_bounded``.
"""
from __future__ import annotations

import pytest

from autograder.publish.authoring import mutate, render

from .conftest import SOLUTIONS, checks_by_name, grade, write_submission

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
CHECKS = ["rnn_cell_values", "matches_nn_rnn"]
ZEROS = "return torch.zeros(x_t.shape[0], W_hh.shape[0], dtype=x_t.dtype)"

# -- class 1: the audit channel

# A few bytes without a record's framing before each event: the records after them no longer line up.
MISALIGNED = """
import gc, os, sys
fd = int(sys.argv[7])
os.write(fd, b"xx")
gc.get_objects()                 # the audit hook reports this: "tamper gc.get_objects"
os.write(fd, b"yy")
""" + ZEROS
# A whole record in the right frame, of a message the worker never sends.
UNKNOWN_RECORD = """
import os, sys
fd = int(sys.argv[7])
os.write(fd, b"\\x00AUD" + bytes((5,)) + b"hello" + bytes(123 - 5))
""" + ZEROS
# Harmless-looking records, enough to fill the grader's count of kinds before the real event comes.
CROWDED_OUT = """
import gc, os, sys
fd = int(sys.argv[7])
for i in range(80):
    text = f"import pkg{i}".encode()
    os.write(fd, b"\\x00AUD" + bytes((len(text),)) + text + bytes(123 - len(text)))
gc.get_objects()
""" + ZEROS
# Half a record left at the end: nothing the worker writes ends so.
UNFINISHED = """
import os, sys
os.write(int(sys.argv[7]), b"\\x00AUD")
""" + ZEROS

# -- class 2: attribution. Each fails rnn_cell_values; none may make it the grader's failure.

# rnn_cell compiled under the probe module's own file name: every frame of the failure is "in probes.py".
IMPERSONATES_THE_PROBES = """
import sys as _sys
exec(compile("def rnn_cell(x_t, h_prev, W_xh, W_hh, b):\\n    return [][1]\\n",
             _sys.modules["probes"].__file__, "exec"), globals())
"""
# The worker's helper that describes an exception, replaced in its module: every error says "grader".
PATCHES_THE_WORKER = """
import __main__
__main__.describe_exception = lambda exc, *a, **k: {"kind": "grader", "type": "GraderError",
                                                    "message": "a probe failed in its own code", "where": None,
                                                    "traceback": ""}
__main__._is_probe_bug = lambda *a, **k: True
"""
# The kit's own exception type raised from the student's code.
RAISES_THE_KITS_TYPE = """
import sys
raise sys.modules["probekit"].ProbeError("the grader failed on this check, not your code")
"""
# The worker's own exit code for a closed audit channel.
EXITS_WITH_THE_KITS_CODE = """
import os
os._exit(97)
"""

# A reply bomb: a valid-looking reply whose one array inflates from about 250 KB to 250 MB in the grader.
REPLY_BOMB = """
import io, os, struct, sys
import numpy
buf = io.BytesIO()
numpy.savez_compressed(buf, __json__=numpy.frombuffer(b'{"ok": true, "value": {"__array__": 0}}', dtype=numpy.uint8),
                       a0=numpy.zeros(30_000_000))                     # 240 MB of zeros in about 250 KB
os.write(int(sys.argv[2]), struct.pack("!Q", len(buf.getvalue())) + buf.getvalue())
""" + ZEROS

# -- class 3: native code

CFFI_SYSCALL = """
import cffi
ffi = cffi.FFI()
ffi.cdef("long syscall(long n, ...);")
ffi.dlopen(None).syscall(39)     # a raw system call: no audit event of its own
""" + ZEROS
EXTENSION_FROM_OWN_FILES = """
import importlib.machinery, importlib.util, select, shutil, tempfile
path = shutil.copy(select.__file__, tempfile.mkdtemp())      # any extension module, from a folder of its own
spec = importlib.util.spec_from_file_location("select", path,
                                              loader=importlib.machinery.ExtensionFileLoader("select", path))
importlib.util.module_from_spec(spec)
""" + ZEROS

# -- class 4: memory in no counter (resident, unevictable, in no RSS or cgroup sum)

SECRET_MEMORY = """
import ctypes, mmap, os
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.syscall(447, 0)                                     # memfd_secret
if fd < 0:
    raise OSError(ctypes.get_errno(), "memfd_secret: " + os.strerror(ctypes.get_errno()))
os.ftruncate(fd, 2600 << 20)
held = mmap.mmap(fd, 2600 << 20)
for i in range(0, 2600 << 20, 4096):
    held[i] = 1
raise RuntimeError("HELD 2.6 GB")
"""


def _graded(tmp_path, course, source):
    sub = write_submission(tmp_path / "attack", "ex1_myrnn", {"myrnn.py": source})
    result = grade(sub, exercise="ex1_myrnn", checks=CHECKS, course=course, timeout=240)  # asserts exit 0
    return result, next(e for e in result["exercises"] if e["id"] == "ex1_myrnn")


def _no_grader_error(ex):
    assert not [t for t in ex["tests"] if t["status"] == "grader_error"], ex["tests"]
    assert "ungraded_points" not in ex or not ex["ungraded_points"], ex


@pytest.mark.parametrize("cell, says", [(MISALIGNED, "not the worker's records"),
                                        (UNKNOWN_RECORD, "a message the worker never sends"),
                                        (CROWDED_OUT, "gc.get_objects"),
                                        (UNFINISHED, "left unfinished")],
                         ids=["misaligned", "unknown_record", "crowded_out", "unfinished"])
def test_evidence_on_the_audit_channel_cannot_be_erased(cell, says, tmp_path, fast_course):
    result, ex = _graded(tmp_path, fast_course, render(SOLUTION, regions={"rnn_cell": cell}))
    assert ex.get("tampering") and any(says in e for e in ex["tampering"]), ex
    assert all(t["score"] == 0 for t in ex["tests"]), ex["tests"]
    _no_grader_error(ex)


def test_a_compressed_reply_bomb_is_refused_before_it_inflates(tmp_path, fast_course):
    """Refused by its framing (the worker's replies are stored, never compressed), and evidence: the grader spends
    nothing on inflating it, idle or loaded."""
    result, ex = _graded(tmp_path, fast_course, render(SOLUTION, regions={"rnn_cell": REPLY_BOMB}))
    assert ex.get("tampering") and any("reply channel" in e for e in ex["tampering"]), ex
    assert "compressed" in checks_by_name(result, "ex1_myrnn")["rnn_cell_values"]["output"]
    _no_grader_error(ex)


@pytest.mark.parametrize("preamble, cell, status", [
    (IMPERSONATES_THE_PROBES, None, "error"),
    (PATCHES_THE_WORKER, "raise ValueError('plain wrong')", "error"),
    ("", RAISES_THE_KITS_TYPE, None),
    ("", EXITS_WITH_THE_KITS_CODE, None)],
    ids=["impersonates_the_probes", "patches_the_worker", "raises_the_kits_type", "exits_with_the_kits_code"])
def test_the_student_s_failure_is_never_the_grader_s(preamble, cell, status, tmp_path, fast_course):
    """grade exits 0 (conftest asserts it), nothing is grader_error, the points stay in max_score, and the score
    is no higher than the plain wrong submission's (rnn_cell_values 0, matches_nn_rnn as earned)."""
    source = render(SOLUTION, regions={"rnn_cell": cell}) if cell else SOLUTION
    source = source.replace("from torch import nn\n", "from torch import nn\n" + preamble, 1)
    if preamble == IMPERSONATES_THE_PROBES:  # the impersonating rnn_cell must be the one left standing
        source = source + preamble
    result, ex = _graded(tmp_path, fast_course, source)
    _no_grader_error(ex)
    checks = checks_by_name(result, "ex1_myrnn")
    assert checks["rnn_cell_values"]["score"] == 0, checks["rnn_cell_values"]
    if status:
        assert checks["rnn_cell_values"]["status"] == status, checks["rnn_cell_values"]
    assert result["max_score"] == sum(t["max_score"] for t in ex["tests"]) > 0


@pytest.mark.parametrize("cell, says", [(CFFI_SYSCALL, "native code (cffi)"),
                                        (EXTENSION_FROM_OWN_FILES, "native code from select")],
                         ids=["cffi_raw_syscall", "extension_module_from_own_folder"])
def test_native_code_is_tamper_evidence(cell, says, tmp_path, fast_course):
    result, ex = _graded(tmp_path, fast_course, render(SOLUTION, regions={"rnn_cell": cell}))
    assert ex.get("tampering") and any(says in e for e in ex["tampering"]), ex
    assert all(t["score"] == 0 for t in ex["tests"])
    _no_grader_error(ex)


def test_secret_memory_is_refused_by_the_kernel(tmp_path, memory_course):
    result, ex = _graded(tmp_path, memory_course, render(SOLUTION, regions={"rnn_cell": SECRET_MEMORY}))
    cell = checks_by_name(result, "ex1_myrnn")["rnn_cell_values"]
    assert cell["score"] == 0 and "HELD" not in cell["output"], cell
    assert "memfd_secret" in cell["output"] or ex.get("tampering"), cell
    assert ex.get("tampering"), ex   # ctypes, the only way to make the call, is itself evidence
    _no_grader_error(ex)


def test_a_probe_that_really_fails_is_still_the_grader_s(tmp_path, fast_course):
    """The reference solution fails the same way: the grader's failure, not scored (the other side of the rule)."""
    from .conftest import copy_kit

    kit = copy_kit(tmp_path / "kit")
    probes = kit / "autograder" / "suites" / "ex1_myrnn" / "probes.py"
    text = probes.read_text()
    head = "def probe_rnn_cell("
    assert head in text
    probes.write_text(text.replace(head, "def _real_rnn_cell(", 1) +
                      "\n\ndef probe_rnn_cell(*args, **kwargs):\n    return [][1]\n")
    (kit / "solutions" / "ex1_myrnn").mkdir(parents=True)
    (kit / "solutions" / "ex1_myrnn" / "myrnn.py").write_text(SOLUTION)
    sub = write_submission(tmp_path / "honest", "ex1_myrnn", {"myrnn.py": SOLUTION})
    from .conftest import run_cli
    out = tmp_path / "r.json"
    proc = run_cli("--course", fast_course, "grade", sub, "--exercise", "ex1_myrnn", "--check", "rnn_cell_values",
                   "--json", out, cwd=kit, kit=kit)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    import json
    cell = checks_by_name(json.loads(out.read_text()), "ex1_myrnn")["rnn_cell_values"]
    assert cell["status"] == "grader_error" and "reference solution fails this check too" in cell["output"], cell
