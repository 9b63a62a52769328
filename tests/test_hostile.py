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

from .conftest import KIT, SOLUTIONS, checks_by_name, copy_kit, grade, write_submission

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
    memory: bool = False             # stopped for memory: graded with memory_course's CPU to spare


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
    Attack("segfault", cell="import faulthandler; faulthandler._sigsegv()", status="error", says="segmentation fault"),
    Attack("infinite_loop", cell="while True:\n    pass", status="timeout", says="s of CPU time"),
    Attack("memory_bomb", cell="blocks = [bytearray(1 << 30) for _ in range(64)]", status="error",
           says="ran out of memory", memory=True),
    Attack("tensor_memory_bomb", cell="return torch.empty(10 ** 12)", status="error", says="ran out of memory",
           memory=True),
    Attack("floods_output", cell="for _ in range(200):\n    print('x' * 1_000_000)", status="error",
           says="printed or wrote more than"),
    Attack("forges_a_reply_on_the_private_channel", cell="""
import os, sys, struct, io, numpy
buf = io.BytesIO()
skeleton = numpy.frombuffer(b'{"ok": true, "value": {"__array__": 0}}', dtype=numpy.uint8)
numpy.savez(buf, __json__=skeleton, a0=numpy.zeros((5, 4)))
os.write(int(sys.argv[2]), struct.pack("!Q", len(buf.getvalue())) + buf.getvalue())
return torch.zeros(1)
""", status="failed", says="private channel", myrnn_graded=False),  # a forged reply is tampering: all checks fail
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
def test_attack_is_held(attack, env, tmp_path, fast_course, memory_course):
    if attack.root_only and not AS_ROOT:
        pytest.skip("privilege separation applies when the grader runs as root")
    source = render(SOLUTION, regions={"rnn_cell": attack.cell})
    source = source.replace("from torch import nn\n", "from torch import nn\n" + attack.preamble, 1)
    sub = write_submission(tmp_path / attack.id, "ex1_myrnn", {"myrnn.py": source})
    guarded = [KIT / "course.yaml", HIDDEN_SUITE]
    before = _fingerprint(guarded)

    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values", "matches_nn_rnn"],
                   course=memory_course if attack.memory else fast_course, timeout=240, env_extra=env,
                   extra=["--unprotected"] if env else [])

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


def assert_verdict(result, tampering: bool):
    """Tampering fails every check of the exercise and marks it (the gradebook's 'flagged'); a plain
    rule broken costs its own check, and the rest of the exercise is graded as usual."""
    ex = next(e for e in result["exercises"] if e["id"] == "ex1_myrnn")
    cell = checks_by_name(result, "ex1_myrnn")["rnn_cell_values"]
    if tampering:
        assert ex.get("tampering") and cell["score"] == 0 and "interfered with the grader" in cell["output"], ex
    else:
        assert not ex.get("tampering") and cell["status"] == "passed", ex
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


@pytest.mark.parametrize("attack, env, says", [
    (GUARD_FOUND_AND_FAKED, None, "tampering"), (AUDIT_CHANNEL_REDIRECTED, None, "tampering"),
    # seccomp refuses to close a channel: the code goes on with its error, the channel stays the grader's
    (AUDIT_CHANNEL_CLOSED, None, "Bad file descriptor"),
    (GUARD_FOUND_AND_FAKED, PORTABLE, "tampering"), (AUDIT_CHANNEL_CLOSED, PORTABLE, "tampering")],
    ids=["guard_found_in_memory_and_records_faked", "audit_channel_redirected",
         "audit_channel_closed", "guard_found_portable", "audit_channel_closed_portable"])
def test_undoing_the_kernel_switch_is_seen_from_outside_the_student_process(attack, env, says, tmp_path, fast_course):
    """The evidence leaves the student's process as it happens: faking the records inside it changes nothing
    (on the portable path too, where a thread reads the audit channel)."""
    from autograder.publish.authoring import mutate

    sub = write_submission(tmp_path / "kernel", "ex1_myrnn",
                           {"myrnn.py": mutate(SOLUTION, regions={"MyRNN.forward": attack})})
    result = grade(sub, exercise="ex1_myrnn", checks=["no_builtin_rnn", "rnn_cell_values"], course=fast_course,
                   env_extra=env, extra=["--unprotected"] if env else [])
    checks = checks_by_name(result, "ex1_myrnn")
    assert checks["no_builtin_rnn"]["score"] == 0 and says in checks["no_builtin_rnn"]["output"], checks
    assert_verdict(result, tampering=says == "tampering")


# Round two (issue 27): ways around the from-scratch rule that worked from inside the worker. Each one is held
# where the student's code cannot reach: the kernel's seccomp filter (sandbox/syscalls.py), or every RNN
# implementation torch offers switched off (probes.py), with a re-run of torch's own files reported.
_NN_RNN_SOURCE = ("import sys, torch\n"
                  "rnn = torch.nn.RNN(%d, %d, %d, batch_first=%s).double()\n"
                  "rnn.load_state_dict(torch.load(sys.argv[1]))\n"
                  "torch.save(rnn(torch.load(sys.argv[2])), sys.argv[3])\n")
SECOND_INTERPRETER = """
               import subprocess, sys, tempfile, os
               folder = tempfile.mkdtemp()
               paths = [os.path.join(folder, n) for n in ("state", "x", "out")]
               torch.save(self.state_dict(), paths[0]); torch.save(x.double(), paths[1])
               code = %r %% (self.input_size, self.hidden_size, self.num_layers, self.batch_first)
               subprocess.run([sys.executable, "-c", code, *paths], check=True)
               out, h = torch.load(paths[2])
               return out.to(x.dtype), h.to(x.dtype)
""" % _NN_RNN_SOURCE
POSIX_SPAWN = """
               import os, sys
               pid = os.posix_spawn(sys.executable, [sys.executable, "-c", "print(1)"], {})
               os.waitpid(pid, 0)
"""
_DECOMPOSITION_CALL = """
               h = x.new_zeros(self.num_layers, x.shape[0 if self.batch_first else 1], self.hidden_size) \\
                   if h_0 is None else h_0
               return impl(x, h, list(self.parameters()), self.bias, self.num_layers, 0.0, False, False,
                           self.batch_first)
"""
DECOMPOSITION_TABLE = """
               import torch._decomp
               impl = torch._decomp.decomposition_table[torch.ops.aten.rnn_tanh.input]
""" + _DECOMPOSITION_CALL
PYTHON_DISPATCHER = """
               from torch._dispatch.python import enable_python_dispatcher
               impl = torch.ops.aten.rnn_tanh.input
               with enable_python_dispatcher():
""" + _DECOMPOSITION_CALL.replace("\n               ", "\n                   ")
RELOADED_DECOMPOSITIONS = """
               import importlib, torch._decomp.decompositions as source
               impl = importlib.reload(source).rnn_tanh_input
""" + _DECOMPOSITION_CALL
EXEC_OF_TORCH_SOURCE = """
               import torch._decomp.decompositions as source
               space = dict(vars(source))
               exec(compile(open(source.__file__).read(), source.__file__, "exec"), space)
               impl = space["rnn_tanh_input"]
""" + _DECOMPOSITION_CALL
CHANNEL_REPLACED_AND_FORGED = """
               import os, sys
               audit = int(sys.argv[7])
               saved = os.dup(audit)                       # keep the real channel, to forge the guard's report
               os.dup2(os.open(os.devnull, os.O_WRONLY), audit)  # and blind it for the real kernel's reports
               os.write(saved, b"kernel\\n")
""" + GUARD_REMOVED
CHANNELS_CLOSED_BY_RANGE = """
               import os
               os.closerange(3, 64)                        # every descriptor of the grader's at once
               rnn = nn.RNN(self.input_size, self.hidden_size, self.num_layers, bias=self.bias,
                            batch_first=self.batch_first).to(x.dtype)
               rnn.load_state_dict(self.state_dict())
               return rnn(x) if h_0 is None else rnn(x, h_0)
"""
NEW_USER_NAMESPACE = """
               import ctypes
               ctypes.CDLL(None, use_errno=True).unshare(0x10000000)   # CLONE_NEWUSER: a namespace of its own
""" + GUARD_REMOVED


# Rules the student's process could once switch off (round one: strings, the guard's record; round two: a second
# interpreter, torch's Python implementations, the channels, namespaces), each held outside its reach.
@pytest.mark.parametrize("attack, says", [
    (KERNEL_THROUGH_STRINGS, "switched off"), (GUARD_REMOVED, "tampering"),
    (SECOND_INTERPRETER, "start another program"), (POSIX_SPAWN, "start another program"),
    (DECOMPOSITION_TABLE, "switched off"), (PYTHON_DISPATCHER, "switched off"),
    # torch's own file run again: seen by the audit hook as it starts, whatever then happens
    (RELOADED_DECOMPOSITIONS, "interfered with the grader"), (EXEC_OF_TORCH_SOURCE, "interfered with the grader"),
    (CHANNEL_REPLACED_AND_FORGED, "tampering"), (CHANNELS_CLOSED_BY_RANGE, "switched off"),
    (NEW_USER_NAMESPACE, "tampering")],
    ids=["kernel_through_strings_and_cleared_record", "guard_removed_then_nn_rnn", "second_interpreter", "posix_spawn", "decomposition_table", "python_dispatcher",
         "reloaded_decompositions", "exec_of_torch_source", "channel_replaced_and_forged",
         "channels_closed_by_range", "new_user_namespace"])
def test_the_rule_holds_where_the_kernel_or_the_grader_enforces_it(attack, says, tmp_path, fast_course):
    from autograder.publish.authoring import mutate

    sub = write_submission(tmp_path / "kernel", "ex1_myrnn",
                           {"myrnn.py": mutate(SOLUTION, regions={"MyRNN.forward": attack})})
    result = grade(sub, exercise="ex1_myrnn", checks=["no_builtin_rnn", "rnn_cell_values"], course=fast_course)
    checks = checks_by_name(result, "ex1_myrnn")
    assert checks["no_builtin_rnn"]["score"] == 0 and says in checks["no_builtin_rnn"]["output"], checks
    assert_verdict(result, tampering=says in ("tampering", "interfered with the grader"))


# Memory that is in no process's resident set (issue 27): counted as the kernel counts it, and stopped as memory.
MEMFD_HOARD = """
import os, time
hoard = []
for _ in range(900):                        # each below the output limit, 1 GB together, in memory only
    hoard.append(os.memfd_create("hoard"))
    os.write(hoard[-1], bytes(1200 << 10))
time.sleep(60)
"""
TMPFS_INODES = """
import os, time
folder = os.path.join("/tmp", "inodes")
os.makedirs(folder, exist_ok=True)
for i in range(2_000_000):                  # empty files: no bytes, but a kernel inode each
    os.close(os.open(os.path.join(folder, str(i)), os.O_CREAT | os.O_WRONLY))
time.sleep(60)
"""


@pytest.mark.parametrize("cell", [MEMFD_HOARD, TMPFS_INODES], ids=["memfd_hoard", "tmpfs_inodes"])
def test_memory_in_no_resident_set_is_stopped_as_memory(cell, tmp_path, fast_course):
    import yaml
    data = yaml.safe_load(fast_course.read_text())
    data["exercises"]["ex1_myrnn"]["memory_mb"] = 1024
    data["exercises"]["ex1_myrnn"]["checks"]["rnn_cell_values"]["timeout"] = 40
    course = tmp_path / "course.yaml"
    course.write_text(yaml.safe_dump(data, sort_keys=False))
    sub = write_submission(tmp_path / "hoard", "ex1_myrnn", {"myrnn.py": render(SOLUTION, regions={"rnn_cell": cell})})
    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values"], course=course, timeout=240)
    check = checks_by_name(result, "ex1_myrnn")["rnn_cell_values"]
    assert check["score"] == 0 and "ran out of memory" in check["output"], check


# Children whose CPU time would reach no parent the watchdog reads: SIGCHLD ignored (the kernel reaps them), or
# orphaned by a double fork (re-parented outside the tree). Each child lives shorter than the watchdog's listing
# interval, one at a time at about 0.6 CPU second per second. A refused fork (the process limit) makes the attacker
# collect whatever waits to be collected, as a program that means to run long would.
CHILD_BURNS = """
        end = time.process_time() + 0.03
        while time.process_time() < end:
            pass
        os._exit(0)
"""
REAP = """
import os, time
def reap():
    time.sleep(0.05)
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
"""


def forking(child: str = "", after_fork: str = "", preamble: str = "") -> str:
    """An attacker that forks one CPU-burning child at a time, for ever: ``child`` runs first in each child
    (8 spaces deep), ``after_fork`` in the parent after each fork (4 deep)."""
    return REAP + preamble + """
while True:
    try:
        pid = os.fork()
    except OSError:
        reap()
        continue
    if pid == 0:
""" + child + CHILD_BURNS + after_fork + """    time.sleep(0.05)
"""


UNWAITED_CHILDREN = forking(preamble="""import signal
signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # children reaped by the kernel: their time reaches no parent
""")
ORPHANED_CHILDREN = forking(child="""        try:
            middle = os.fork() != 0             # the middle one leaves at once: the burner is an orphan
        except OSError:
            middle = True
        if middle:
            os._exit(0)
""", after_fork="    os.waitpid(pid, 0)\n")


# Orphans are graded without bubblewrap: in its PID namespace they would go to its init, which is in the tree.
@pytest.mark.parametrize("cell, isolation", [(UNWAITED_CHILDREN, None), (ORPHANED_CHILDREN, "namespace")],
                         ids=["sigchld_ignored", "orphans"])
def test_cpu_of_children_nobody_waits_for_counts_against_the_budget(cell, isolation, tmp_path, fast_course):
    """Counted without the cgroup's CPU accounting, which a grader without root does not have: the kit copy that
    grades here has it switched off."""
    import yaml

    kit = copy_kit(tmp_path / "kit")
    cgroups = kit / "autograder" / "sandbox" / "cgroups.py"
    text = cgroups.read_text()
    assert "    def cpu_seconds(self) -> float | None:\n" in text
    cgroups.write_text(text.replace("    def cpu_seconds(self) -> float | None:\n",
                                    "    def cpu_seconds(self) -> float | None:\n        return None\n", 1))
    data = yaml.safe_load(fast_course.read_text())
    ex1 = data["exercises"]["ex1_myrnn"]
    ex1["checks"]["rnn_cell_values"]["timeout"] = 3   # 3 CPU s, stopped by real time after 6 x 3 + 5 = 23 s:
    data["defaults"]["wall_factor"] = 6                # time enough at ~0.2 CPU s per second on a loaded machine
    ex1["memory_mb"] = 12000   # forked copies of Python count their shared pages each: memory is not this test's subject
    course = tmp_path / "course.yaml"
    course.write_text(yaml.safe_dump(data, sort_keys=False))
    sub = write_submission(tmp_path / "unwaited", "ex1_myrnn",
                           {"myrnn.py": render(SOLUTION, regions={"rnn_cell": cell})})
    result = grade(sub, exercise="ex1_myrnn", checks=["rnn_cell_values"], course=course, timeout=240, kit=kit,
                   env_extra={"AUTOGRADER_ISOLATION": isolation} if isolation else None)
    check = checks_by_name(result, "ex1_myrnn")["rnn_cell_values"]
    assert check["status"] == "timeout" and "s of CPU time" in check["output"], (check["status"], check["output"])
