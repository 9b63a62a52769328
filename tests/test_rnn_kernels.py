"""Every implementation of the RNN operations that torch offers is switched off in ex1's worker, found from
torch itself, so that a new torch version cannot add one silently (issue 27).

The guards change torch for good, so they are installed in a fresh Python, as the worker does.
"""
import json
import subprocess
import sys

from .conftest import KIT

SCRIPT = r"""
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import torch, torch._decomp, torch._decomp.decompositions, torch._refs
import probes
reports = []
keep = probes.install_guards(reports.append)  # the worker's audit hook holds it: without it the switch is undone
out = {"unswitched": [], "calls": {}}
# Every operator whose name says rnn, in any namespace: a kernel of the switch's is registered for it
# (torch.library records each registration it made in the dispatcher).
import torch.library
registered = {i.split("/")[0] + "::" + i.split("/")[1] for i in torch.library._impls}
for name in sorted(n for n in torch._C._dispatch_get_all_op_names() if "rnn" in n.partition("::")[2].lower()):
    if name not in registered:
        out["unswitched"].append(name)
for op in [k for k in torch._decomp.decomposition_table if "rnn" in str(k)]:
    if torch._decomp.decomposition_table[op].__name__ != "switched_off":
        out["unswitched"].append(f"decomposition_table[{op}]")
    for key, fn in op.py_kernels.items():
        if getattr(fn, "__name__", "") != "switched_off":
            out["unswitched"].append(f"{op}.py_kernels[{key}]")
for module in (torch._decomp.decompositions, torch._refs):
    for name, value in vars(module).items():
        if "rnn" in name.lower() and callable(value) and getattr(value, "__name__", "") != "switched_off":
            out["unswitched"].append(f"{module.__name__}.{name}")
x, h = torch.zeros(4, 1, 2), torch.zeros(1, 1, 3)
params = [torch.zeros(3, 2), torch.zeros(3, 3)]
def pydispatch():
    from torch._dispatch.python import enable_python_dispatcher
    with enable_python_dispatcher():
        return torch.ops.aten.rnn_tanh.input(x, h, params, False, 1, 0.0, False, False, False)
calls = {
    "nn.RNN": lambda: torch.nn.RNN(2, 3)(x),
    "nn.RNNCell": lambda: torch.nn.RNNCell(2, 3)(x[0]),
    "torch._VF.rnn_relu": lambda: torch._VF.rnn_relu(x, h, params, False, 1, 0.0, False, False, False),
    "torch.ops.aten.rnn_tanh": lambda: torch.ops.aten.rnn_tanh.input(x, h, params, False, 1, 0.0, False, False, False),
    "decompose()": lambda: torch.ops.aten.rnn_tanh.input.decompose(x, h, params, False, 1, 0.0, False, False, False),
    "decomposition_table": lambda: torch._decomp.decomposition_table[torch.ops.aten.rnn_tanh.input](
        x, h, params, False, 1, 0.0, False, False, False),
    "python dispatcher": pydispatch,
    "mkldnn_rnn_layer": lambda: torch.ops.aten.mkldnn_rnn_layer(x, params[0], params[1], torch.zeros(3), torch.zeros(3),
                                                               h[0], h[0], False, [], 1, 3, 1, True, False, False, False),
    "quantized_rnn_tanh_cell": lambda: torch.quantized_rnn_tanh_cell(
        x[0], h[0], params[0], params[1], torch.zeros(3), torch.zeros(3), params[0], params[1],
        torch.zeros(3), torch.zeros(3), 1.0, 1.0, 0, 0),
}
for label, call in calls.items():
    before = len(reports)
    try:
        call()
        out["calls"][label] = "ran"
    except Exception as exc:
        out["calls"][label] = "refused" if len(reports) > before else f"other error: {exc}"[:200]
print(json.dumps(out))
"""


def test_every_rnn_implementation_in_torch_is_switched_off():
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(KIT / "autograder" / "suites" / "ex1_myrnn"),
                           str(KIT / "autograder" / "sandbox")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["unswitched"] == [], out["unswitched"]
    assert set(out["calls"].values()) == {"refused"}, out["calls"]
