"""Exercise 1 probes: run inside the student process (see sandbox/worker.py).

Each ``probe_<name>(student, **args)`` builds the student's objects from the
grader's inputs and returns plain arrays. No expected values live here: this
file is visible to the student's code, and the verdicts are made elsewhere.
"""
import torch

from probekit import ProbeError, isinstance_, tensor, to_numpy, unpack

# Names of torch's built-in RNN entry points called while student code ran.
_builtin_calls = set()
BUILTIN_SWITCHED_OFF = ("torch's built-in RNN kernels (behind nn.RNN, nn.RNNCell, torch._VF.rnn_tanh and "
                        "torch.rnn_tanh) are switched off in this exercise: MyRNN must compute the recurrence "
                        "itself, with matrix products and torch.tanh in a loop over time steps")
# Where torch keeps implementations of its operations in Python (decompositions, references): every
# function of theirs whose name says rnn is switched off too, and their files re-run are reported.
PYTHON_IMPLEMENTATIONS = ("torch._decomp.decompositions", "torch._refs", "torch._refs.nn.functional")


def rnn_operators():
    """Every operator in torch's dispatcher that computes (part of) an RNN: found by name, from torch itself,
    so that an operator a new torch adds is switched off without a change here (tests/test_rnn_kernels.py)."""
    return sorted(n for n in torch._C._dispatch_get_all_op_names() if "rnn" in n.partition("::")[2].lower())


def _overloads(name):
    """The OpOverload objects of a dispatcher name ("aten::rnn_tanh.input"), for their Python-level kernels."""
    ns, _, rest = name.partition("::")
    op, _, overload = rest.partition(".")
    try:
        return [getattr(getattr(getattr(torch.ops, ns), op), overload or "default")]
    except (AttributeError, RuntimeError):
        return []


def _implementation_modules():
    """The modules of PYTHON_IMPLEMENTATIONS this torch has, imported."""
    import importlib
    found = []
    for module_name in PYTHON_IMPLEMENTATIONS:
        try:
            found.append(importlib.import_module(module_name))
        except ImportError:
            continue
    return found


def python_implementations():
    """(module, name) of torch's Python-level RNN implementations (decompositions and references)."""
    return [(m, n) for m in _implementation_modules() for n, v in vars(m).items() if "rnn" in n.lower() and callable(v)]


def _switch_off_kernels(audit):
    """Replace every RNN operator's kernels, in torch's dispatcher and in Python, by one that reports each
    call to the grader, then raises.

    Returns the Libraries that hold the registrations, with their finalizers detached: the
    worker's audit hook keeps them alive, and nothing else in this process refers to them,
    so undoing the switch first means searching memory (which is reported).
    """
    import warnings
    import weakref

    def switched_off(*args, **kwargs):
        audit("kernel")  # out of this process at once: nothing the student's code does later erases it
        _builtin_calls.add("torch's built-in RNN kernel")
        raise RuntimeError(BUILTIN_SWITCHED_OFF)

    has = torch._C._dispatch_has_kernel_for_dispatch_key
    libraries = {}
    with warnings.catch_warnings():  # "overriding a previously registered kernel": that is the point
        warnings.simplefilter("ignore")
        for name in rnn_operators():
            ns, _, op = name.partition("::")
            library = libraries.setdefault(ns, torch.library.Library(ns, "IMPL"))
            # A composite kernel serves every backend; otherwise the CPU one (reached through Autograd) and
            # the explicit composite of .out overloads. A GPU kernel cannot run: the worker sees no GPU.
            keys = ["CompositeImplicitAutograd"] if has(name, "CompositeImplicitAutograd") else \
                ["CPU"] + (["CompositeExplicitAutograd"] if has(name, "CompositeExplicitAutograd") else [])
            for key in keys:
                library.impl(op, switched_off, key)
            for overload in _overloads(name):  # the Python dispatcher's kernels (enable_python_dispatcher)
                for key in list(overload.py_kernels):
                    overload.py_kernels[key] = switched_off
                overload._dispatch_cache.clear()
    import torch._decomp as decomp
    tables = [decomp.decomposition_table, *getattr(decomp, "global_decomposition_table", {}).values()]
    for table in tables:
        for key in [k for k in table if "rnn" in str(k).lower()]:
            table[key] = switched_off
    for module, name in python_implementations():
        setattr(module, name, switched_off)
    for library in libraries.values():
        for finalizer in list(weakref.finalize._registry):  # the registry would lead code to the library
            if finalizer.peek() is not None and finalizer.peek()[0] is library:
                finalizer.detach()
    return list(libraries.values())


def watched_sources():
    """The files of torch's Python-level implementations: running one again (a reload, an exec of its
    text under its own name) would bring back what the switch replaced, so the worker reports it."""
    return [f for f in (getattr(m, "__file__", None) for m in _implementation_modules()) if f]


def _guard_check():
    """Call a switched-off kernel through the C++ operator captured now: the grader expects its report.

    A restored kernel runs without reporting; a stand-in raises without reporting.
    Either way the grader, which counts the reports, sees that the switch is gone.
    """
    op = torch.ops.aten.rnn_tanh_cell.default._op  # a builtin: its behaviour cannot be patched
    zeros = torch.zeros

    def check():
        seen = set(_builtin_calls)
        try:
            op(zeros(1, 1), zeros(1, 1), zeros(1, 1), zeros(1, 1))
        except RuntimeError:
            pass
        _builtin_calls.clear()
        _builtin_calls.update(seen)
    return check


def install_guards(audit):
    """Switch torch's RNN kernels off and trace its RNN modules, before the student's module is imported.

    Returns (what must stay alive, the check that the switch still holds): see sandbox/worker.py.
    """
    libraries = _switch_off_kernels(audit)
    check = _guard_check()

    def traced(owner, name, label):
        original = getattr(owner, name, None)
        if original is None:
            return

        def wrapper(*args, **kwargs):
            _builtin_calls.add(label)
            return original(*args, **kwargs)
        try:
            setattr(owner, name, wrapper)
        except (AttributeError, TypeError):
            pass

    for owner, prefix in ((torch._VF, "torch._VF"), (torch, "torch")):
        for name in [n for n in dir(owner) if "rnn" in n.lower() and not n.startswith("__")]:
            traced(owner, name, f"{prefix}.{name}")
    for cls in (torch.nn.RNN, torch.nn.RNNCell):
        traced(cls, "forward", f"nn.{cls.__name__}")
    return libraries, check


def _build(student, config, state=None, dtype="float64"):
    """MyRNN(**config) in ``dtype`` (float32 only when the grader retries a float32-only MyRNN)."""
    model = student.MyRNN(**config)
    if not isinstance_(model, torch.nn.Module):
        raise ProbeError("MyRNN must subclass torch.nn.Module")
    model = model.float() if dtype == "float32" else model.double()
    if state is not None:
        model.load_state_dict({k: _as(tensor(v), dtype) for k, v in state.items()})
    return model


def _as(t, dtype):
    return t.float() if dtype == "float32" else t


def probe_rnn_cell(student, x_t, h_prev, W_xh, W_hh, b):
    h = student.rnn_cell(tensor(x_t), tensor(h_prev), tensor(W_xh), tensor(W_hh), tensor(b))
    return to_numpy(h, "rnn_cell's result")


def probe_parameters(student, config, seed=0):
    """The parameters a fresh MyRNN(**config) creates: names, shapes and values."""
    torch.manual_seed(seed)
    model = student.MyRNN(**config)
    if not isinstance_(model, torch.nn.Module):
        raise ProbeError("MyRNN must subclass torch.nn.Module")
    return {"parameters": {n: to_numpy(p, n) for n, p in model.named_parameters()},
            "state_dict": {n: to_numpy(p, n) for n, p in model.state_dict().items()}}


def probe_reloaded(student, config, state):
    """MyRNN(**config) with ``state`` loaded (load_state_dict): its state dict, as it now holds it."""
    model = _build(student, config, state)
    return {n: to_numpy(p, n) for n, p in model.state_dict().items()}


def probe_run(student, config, x, h0=None, state=None, dtype="float64"):
    """Forward through MyRNN in float64 (or float32, see _build)."""
    model = _build(student, config, state, dtype)
    _builtin_calls.clear()
    xt, h0t = _as(tensor(x), dtype), None if h0 is None else _as(tensor(h0), dtype)
    with torch.no_grad():
        output, h_n = unpack(model(xt) if h0t is None else model(xt, h0t), 2,
                             "MyRNN.forward should return a pair (output, h_n)")
    return {"output": to_numpy(output, "output"), "h_n": to_numpy(h_n, "h_n"), "builtin_calls": sorted(_builtin_calls),
            "dtypes": [str(getattr(t, "dtype", type(t).__name__)).replace("torch.", "") for t in (output, h_n)]}


def probe_sentiment(student, sizes, x, state=None, dtype="float64"):
    """Structure of SentimentRNN(*sizes) and, with ``state`` loaded, its logits and hidden states."""
    model = student.SentimentRNN(*sizes)
    rnn, fc = getattr(model, "rnn", None), getattr(model, "fc", None)
    info = {
        "rnn_is_myrnn": isinstance_(rnn, student.MyRNN),
        "rnn_batch_first": bool(getattr(rnn, "batch_first", False)),
        "fc_is_linear": isinstance_(fc, torch.nn.Linear),
        "fc_shape": list(fc.weight.shape) if isinstance_(fc, torch.nn.Linear) else [],
        "n_parameters": sum(int(p.numel()) for p in model.parameters()),
        "state_keys": sorted(model.state_dict()),
    }
    float32 = dtype == "float32"
    model = model.float() if float32 else model.double()
    if state is not None:
        model.load_state_dict({k: tensor(v).float() if float32 else tensor(v) for k, v in state.items()})
    xt = tensor(x).float() if float32 else tensor(x)
    _builtin_calls.clear()
    with torch.no_grad():
        info["logits"] = to_numpy(model(xt), "SentimentRNN's logits")
        if info["rnn_is_myrnn"]:
            output, h_n = unpack(rnn(xt), 2, "MyRNN.forward should return a pair (output, h_n)")
            info["hidden_states"] = to_numpy(output, "the RNN's output")
            info["h_n"] = to_numpy(h_n, "the RNN's h_n")
    info["builtin_calls"] = sorted(_builtin_calls)
    return info


def probe_gradient_consistency(student, config, x, h0=None, state=None, seed=0, dtype="float64"):
    """Autograd's gradients against the numerical derivative of the student's own forward pass.

    For each parameter, the input and h_0: the directional derivative of a fixed random
    loss along a random direction v, once from autograd (grad . v) and once by central
    differences of the forward pass. No reference RNN is involved: a wrong forward pass
    with intact gradients agrees with itself; a cut in the graph (detach, .data, numpy,
    torch.no_grad) does not.
    """
    model = _build(student, config, state, dtype)
    xt = _as(tensor(x), dtype).requires_grad_()
    h0t = None if h0 is None else _as(tensor(h0), dtype).requires_grad_()
    gen = torch.Generator().manual_seed(seed)
    weights = {}

    def loss_of():
        output, h_n = unpack(model(xt) if h0t is None else model(xt, h0t), 2,
                             "MyRNN.forward should return a pair (output, h_n)")
        for name, t in (("output", output), ("h_n", h_n)):
            if name not in weights:  # fixed random upstream gradients, in the shapes the student returns
                weights[name] = torch.randn(tuple(t.shape), generator=gen, dtype=torch.float64).to(t.dtype)
        return (output * weights["output"]).sum() + (h_n * weights["h_n"]).sum()

    _builtin_calls.clear()
    loss = loss_of()
    if not loss.requires_grad:
        raise ProbeError("the outputs are not connected to the parameters by autograd "
                         "(did you use .detach(), .data or torch.no_grad()?)")
    loss.backward()
    precise = loss.dtype == torch.float64   # a MyRNN that computes in float32 gives float32 whatever it is fed
    eps = 1e-5 if precise else 3e-3         # float32: a wider step, above its rounding
    leaves = dict(model.named_parameters())
    leaves["the input x"] = xt
    if h0t is not None:
        leaves["h_0"] = h0t
    result = {}
    for name, leaf in leaves.items():
        direction = torch.randn(tuple(leaf.shape), generator=gen, dtype=leaf.dtype)
        analytic = None if leaf.grad is None else float((leaf.grad * direction).sum())
        with torch.no_grad():
            original = leaf.detach().clone()
            leaf.add_(eps * direction)
            plus = float(loss_of())
            leaf.copy_(original - eps * direction)
            minus = float(loss_of())
            leaf.copy_(original)
        result[name] = [analytic, (plus - minus) / (2 * eps)]
    return {"derivatives": result, "builtin_calls": sorted(_builtin_calls), "dtype": "float64" if precise else "float32"}
