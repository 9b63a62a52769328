"""Hostile submissions: each attack is held, and grading of the other checks goes on.

Every attack sits in an otherwise correct ex1 solution, in ``rnn_cell`` (or at
import). The test grades ``rnn_cell_values`` (the attacked check) and
``matches_nn_rnn`` (a correct MyRNN that does not use rnn_cell): the attack
must not earn rnn_cell's points, must get a message in words, and must not
stop MyRNN from being graded. Each grading runs in its own subprocess with a
timeout, so a broken grader fails only its own test.
"""
import hashlib
import os
from dataclasses import dataclass

import pytest

from autograder.publish.authoring import render
from autograder.sandbox import wire

from .conftest import KIT, SOLUTIONS, checks_by_name, grade, write_submission

SOLUTION = (SOLUTIONS / "ex1_myrnn" / "myrnn.py").read_text()
AS_ROOT = os.geteuid() == 0
HIDDEN_SUITE = KIT / "autograder" / "suites" / "ex1_myrnn" / "test_hidden.py"


@dataclass
class Attack:
    id: str
    cell: str = "return torch.zeros(x_t.shape[0], W_hh.shape[0], dtype=x_t.dtype)"  # rnn_cell's body
    preamble: str = ""               # code at the top of the module
    status: str = "failed"           # rnn_cell_values' status
    says: str = ""                   # words in rnn_cell_values' message
    myrnn_graded: bool = True        # matches_nn_rnn still passes
    root_only: bool = False


ATTACKS = [
    Attack("monkeypatches_torch_numpy_pytest", preamble="""
import numpy, pytest
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, **k: numpy.ones(numpy.shape(a), dtype=bool)
numpy.testing.assert_allclose = lambda *a, **k: None
pytest.approx = lambda *a, **k: object()
""", says="rnn_cell's h_t (batch 5, input 3, hidden 4): wrong values"),
    Attack("monkeypatches_builtins", preamble="""
import builtins
builtins.isinstance = lambda obj, cls: True
builtins.abs = lambda x: 0
""", status=None, myrnn_graded=False),
    Attack("tensor_subclass_lies_about_equality", preamble="""
class Liar(torch.Tensor):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def allclose(self, *a, **k): return True
    def numpy(self, *a, **k): return __import__("numpy").ones(self.shape)
    def tolist(self): return [[1.0]]
""", cell="return torch.zeros(x_t.shape[0], W_hh.shape[0], dtype=x_t.dtype).as_subclass(Liar)",
        says="wrong values"),
    Attack("prints_and_writes_fake_results", cell="""
print("rnn_cell_values  2/2 ok\\nFAKE-TOTAL: 30 / 30")
import json, pathlib
for target in ("results.json", "../results.json", "/autograder/results/results.json"):
    try:
        pathlib.Path(target).write_text(json.dumps({"score": 30, "tests": []}))
    except OSError:
        pass
return torch.zeros(x_t.shape[0], W_hh.shape[0], dtype=x_t.dtype)
"""),
    Attack("sys_exit", cell="import sys; sys.exit(0)", status="error", says="sys.exit()"),
    Attack("os_exit", cell="import os; os._exit(0)", status="error", says="ended the process"),
    Attack("segfault", cell="import ctypes; ctypes.string_at(0)", status="error", says="segmentation fault"),
    Attack("infinite_loop", cell="while True:\n    pass", status="timeout", says="s of CPU time"),
    Attack("memory_bomb", cell="blocks = [bytearray(1 << 30) for _ in range(64)]", status="error",
           says="ran out of memory"),
    Attack("tensor_memory_bomb", cell="return torch.empty(10 ** 12)", status="error", says="ran out of memory"),
    Attack("floods_output", cell="for _ in range(200):\n    print('x' * 1_000_000)", status="error",
           says="printed or wrote more than"),
    Attack("forges_a_reply_on_the_private_channel", cell="""
import os, sys, struct, io, numpy
buf = io.BytesIO()
skeleton = numpy.frombuffer(b'{"ok": true, "value": {"__array__": 0}}', dtype=numpy.uint8)
numpy.savez(buf, __json__=skeleton, a0=numpy.zeros((5, 4)))
os.write(int(sys.argv[2]), struct.pack("!Q", len(buf.getvalue())) + buf.getvalue())
return torch.zeros(1)
""", status="error", says="private channel"),
    Attack("stops_the_worker_reading_requests", preamble="""
import __main__, time
__main__._read = lambda fd, n: time.sleep(10 ** 6)   # the worker never reads another request
""", status="timeout", says="s of real time", myrnn_graded=False),
    Attack("reads_the_hidden_checks", preamble=f"""
try:
    SECRET = "LEAKED:" + open({str(HIDDEN_SUITE)!r}).read()[:40]
except OSError as exc:
    SECRET = "BLOCKED:" + type(exc).__name__
try:
    SECRET += "|LEAKED:" + open({str(SOLUTIONS / "ex1_myrnn" / "myrnn.py")!r}).read()[:40]
except OSError as exc:
    SECRET += "|BLOCKED:" + type(exc).__name__
""", cell="raise RuntimeError(SECRET)", status="error", says="BLOCKED:", root_only=True),
    Attack("writes_into_the_kit", preamble=f"""
for target in ({str(KIT / "course.yaml")!r}, {str(HIDDEN_SUITE)!r}):
    try:
        with open(target, "a") as f:
            f.write("# tampered")
    except OSError:
        pass
""", root_only=True),
    Attack("kills_the_grader", preamble="""
import os, signal
try:
    os.kill(os.getppid(), signal.SIGKILL)
except OSError:
    pass
""", root_only=True),
]


def _fingerprint(paths):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


# The attacks on the worker's channels and process, again on the portable path (Windows; here
# AUTOGRADER_PORTABLE=1): its channels are read and written by threads (channels.ThreadedChannels),
# not select, and only the watchdog and the CPU budgets stand behind them.
PORTABLE = {"AUTOGRADER_PORTABLE": "1"}
ON_THE_PORTABLE_PATH = ["forges_a_reply_on_the_private_channel", "stops_the_worker_reading_requests",
                        "os_exit", "infinite_loop", "memory_bomb", "prints_and_writes_fake_results"]


@pytest.mark.parametrize("attack, env", [(a, None) for a in ATTACKS] +
                         [(a, PORTABLE) for a in ATTACKS if a.id in ON_THE_PORTABLE_PATH],
                         ids=lambda v: v.id if isinstance(v, Attack) else ("portable" if v else "sandbox"))
def test_attack_is_held(attack, env, tmp_path, fast_course):
    if attack.root_only and not AS_ROOT:
        pytest.skip("privilege separation applies when the grader runs as root")
    source = render(SOLUTION, regions={"rnn_cell": attack.cell})
    source = source.replace("from torch import nn\n", "from torch import nn\n" + attack.preamble, 1)
    sub = write_submission(tmp_path / attack.id, "ex1_myrnn", {"myrnn.py": source})
    guarded = [KIT / "course.yaml", HIDDEN_SUITE]
    before = _fingerprint(guarded)

    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values", "matches_nn_rnn"],
                   course=fast_course, timeout=240, env_extra=env, extra=["--unprotected"] if env else [])

    checks = checks_by_name(result, "ex1_myrnn")
    cell = checks["rnn_cell_values"]
    assert cell["score"] == 0, f"{attack.id} earned rnn_cell's points"
    assert cell["output"].strip() and "internal error" not in cell["output"], cell["output"]
    if attack.status:
        assert cell["status"] == attack.status, cell
    assert attack.says in cell["output"], cell["output"]
    if attack.myrnn_graded:
        assert checks["matches_nn_rnn"]["status"] == "passed", checks["matches_nn_rnn"]["output"]
    assert "FAKE-TOTAL" not in result["_stdout"]
    assert "LEAKED" not in result["_stdout"]
    assert _fingerprint(guarded) == before, "the submission changed the kit's files"


def test_endless_loop_at_import_costs_one_timeout_not_one_per_check(tmp_path, fast_course):
    source = SOLUTION.replace("from torch import nn\n", "from torch import nn\nwhile True:\n    pass\n", 1)
    sub = write_submission(tmp_path / "import_loop", "ex1_myrnn", {"myrnn.py": source})
    checks = ["rnn_cell_shape", "rnn_cell_values", "matches_nn_rnn", "gradients"]
    result = grade(sub, exercise="ex1_myrnn", checks=checks, course=fast_course, timeout=120)
    for t in checks_by_name(result, "ex1_myrnn").values():
        assert t["status"] == "timeout" and "importing myrnn.py did not finish" in t["output"]


def test_wire_refuses_pickles_and_objects():
    import io

    import numpy as np
    buf = io.BytesIO()
    np.savez(buf, __json__=np.frombuffer(b'{"__array__": 0}', dtype=np.uint8),
             a0=np.array([object()], dtype=object))
    with pytest.raises(wire.WireError):
        wire.decode(buf.getvalue())
    with pytest.raises(wire.WireError):
        wire.encode({"x": np.array(["text"])})
    with pytest.raises(wire.WireError):
        wire.decode(b"not an archive")
    assert wire.decode(wire.encode({"a": [1, 2.5, None, "s"], "b": np.eye(2)}))["a"] == [1, 2.5, None, "s"]
    # shapes survive as they are: a 0-d array is reported to the student as shape (), not (1,)
    shapes = {k: np.shape(v) for k, v in wire.decode(wire.encode({"0d": np.array(3.0), "empty": np.zeros((0, 2)),
                                                                    "t": np.ones((2, 3)).T})).items()}
    assert shapes == {"0d": (), "empty": (0, 2), "t": (3, 2)}


KERNEL_THROUGH_STRINGS = """
               import sys
               h = x.new_zeros(self.num_layers, x.shape[0 if self.batch_first else 1], self.hidden_size) \\
                   if h_0 is None else h_0
               kernel = getattr(getattr(torch, "_" + "VF"), "rnn" + "_" + "tanh")
               try:
                   return kernel(x, h, list(self.parameters()), self.bias, self.num_layers,
                                 0.0, self.training, False, self.batch_first)
               finally:
                   record = getattr(sys.modules.get("probes"), "_builtin_calls", None)
                   if record is not None:
                       record.clear()
"""
GUARD_REMOVED = """
               import gc
               for thing in gc.get_objects():
                   if isinstance(thing, torch.library.Library):
                       thing._destroy()
               rnn = nn.RNN(self.input_size, self.hidden_size, self.num_layers, bias=self.bias,
                            batch_first=self.batch_first).to(x.dtype)
               rnn.load_state_dict(self.state_dict())
               return rnn(x) if h_0 is None else rnn(x, h_0)
"""


@pytest.mark.parametrize("attack, says", [(KERNEL_THROUGH_STRINGS, "switched off"), (GUARD_REMOVED, "tampering")],
                         ids=["kernel_through_strings_and_cleared_record", "guard_removed_then_nn_rnn"])
def test_the_builtin_kernel_rule_holds_against_the_student_process(attack, says, tmp_path, fast_course):
    from autograder.publish.authoring import mutate

    sub = write_submission(tmp_path / "kernel", "ex1_myrnn",
                           {"myrnn.py": mutate(SOLUTION, regions={"MyRNN.forward": attack})})
    result = grade(sub, exercise="ex1_myrnn", checks=["no_builtin_rnn", "rnn_cell_values"], course=fast_course)
    checks = checks_by_name(result, "ex1_myrnn")
    assert checks["no_builtin_rnn"]["score"] == 0 and says in checks["no_builtin_rnn"]["output"], checks
    assert checks["rnn_cell_values"]["status"] == "passed"  # the rest of the exercise is graded as usual
GUARD_FOUND_AND_FAKED = """
               import gc, sys
               for thing in gc.get_objects():
                   if isinstance(thing, torch.library.Library) and getattr(thing, "ns", "") == "aten":
                       thing._destroy()
               probes = sys.modules.get("probes")
               if probes is not None:  # fake every record the probes keep in this process
                   for name in ("guard_intact", "_guard_check"):
                       if hasattr(probes, name):
                           setattr(probes, name, lambda *a, **k: True)
                   getattr(probes, "_builtin_calls", set()).clear()
               rnn = nn.RNN(self.input_size, self.hidden_size, self.num_layers, bias=self.bias,
                            batch_first=self.batch_first).to(x.dtype)
               rnn.load_state_dict(self.state_dict())
               try:
                   return rnn(x) if h_0 is None else rnn(x, h_0)
               finally:
                   getattr(probes, "_builtin_calls", set()).clear()
"""
AUDIT_CHANNEL_REDIRECTED = """
               import os, sys
               os.dup2(os.open(os.devnull, os.O_WRONLY), int(sys.argv[7]))  # blind the audit channel first
""" + GUARD_FOUND_AND_FAKED
AUDIT_CHANNEL_CLOSED = """
               import os, sys
               os.close(int(sys.argv[7]))
""" + GUARD_FOUND_AND_FAKED


@pytest.mark.parametrize("attack, env", [(GUARD_FOUND_AND_FAKED, None), (AUDIT_CHANNEL_REDIRECTED, None),
                                         (AUDIT_CHANNEL_CLOSED, None), (GUARD_FOUND_AND_FAKED, PORTABLE),
                                         (AUDIT_CHANNEL_CLOSED, PORTABLE)],
                         ids=["guard_found_in_memory_and_records_faked", "audit_channel_redirected",
                              "audit_channel_closed", "guard_found_portable", "audit_channel_closed_portable"])
def test_undoing_the_kernel_switch_is_seen_from_outside_the_student_process(attack, env, tmp_path, fast_course):
    """The evidence leaves the student's process as it happens: faking the records inside it changes nothing
    (on the portable path too, where a thread reads the audit channel)."""
    from autograder.publish.authoring import mutate

    sub = write_submission(tmp_path / "kernel", "ex1_myrnn",
                           {"myrnn.py": mutate(SOLUTION, regions={"MyRNN.forward": attack})})
    result = grade(sub, exercise="ex1_myrnn", checks=["no_builtin_rnn", "rnn_cell_values"], course=fast_course,
                   env_extra=env, extra=["--unprotected"] if env else [])
    checks = checks_by_name(result, "ex1_myrnn")
    assert checks["no_builtin_rnn"]["score"] == 0 and "tampering" in checks["no_builtin_rnn"]["output"], checks
    assert checks["rnn_cell_values"]["status"] == "passed"
