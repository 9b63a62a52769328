"""Exercise 1, hidden checks: MyRNN's features (each judged against MyRNN itself), state dicts,
gradients, initialisation, no built-in kernels, and SentimentRNN.

Not shipped to students. Points, visibility and time limits are in course.yaml.
Longer than most modules (~350 lines) because it holds eleven checks, one function each, and
each says in words which feature is wrong: splitting it would split one exercise's checks.
"""

from dataclasses import replace

import numpy as np
import torch

from autograder.sandbox.failures import StudentFailure
from autograder.grading.checking import close, expect_close, expect_shape, fail

from .oracle import (ATOL, FLOAT32_ATOL, RTOL, Case, builtin_message, expected, make_inputs, run_forward,
                     sentiment)
from .reference import ALL_CASES, CASES

def test_state_dict_round_trip(student):
    """A fresh MyRNN's state dict loads into nn.RNN, and nn.RNN's back into MyRNN, unchanged."""
    # About names and shapes only, so no forward runs (what the numbers compute is matches_nn_rnn's, and a
    # forward that fails with two layers is stacked_layers'): two layers, so layer 1's names count too.
    case = Case("round trip", num_layers=2, with_h0=True, seed=20)
    exported = student.call("parameters", config=case.config, seed=3)["state_dict"]
    rnn = torch.nn.RNN(**case.config).double()
    try:
        rnn.load_state_dict({k: torch.tensor(v) for k, v in exported.items()})
    except RuntimeError as exc:
        fail("nn.RNN could not load MyRNN's state_dict(): " + str(exc).split("\n", 1)[-1].strip())
    back = {k: v.detach().numpy() for k, v in rnn.state_dict().items()}
    reloaded = student.call("reloaded", config=case.config, state=back)
    if sorted(reloaded) != sorted(back):
        fail(f"MyRNN loaded with nn.RNN's state dict ({case.describe()}) then has the entries {sorted(reloaded)}, "
             f"not nn.RNN's {sorted(back)}")
    for name, value in back.items():
        expect_close(reloaded[name], value, name, atol=FLOAT32_ATOL, rtol=1e-4,  # a float32-only MyRNN rounds
                     context="MyRNN's state dict after loading nn.RNN's, which was loaded from MyRNN's own")


# ---------------------------------------------------------------- features, each judged against MyRNN itself
#
# One mistake, one check: only matches_nn_rnn compares MyRNN's numbers with nn.RNN's. Each
# feature check compares the student's MyRNN with itself under that feature's transformation
# (batch_first against the transposed seq-first run, unbatched against a batch of one, h_0
# against a run split in two, stacked layers against one-layer MyRNNs chained, ...). A wrong
# core (a missing bias, transposed weights) agrees with itself and costs these nothing; a
# feature that is wrong disagrees, whatever the core does.


def _run(student, config, x, h0=None, state=None, default_h0_judged_here=False) -> dict:
    got = run_forward(student, default_h0_judged_here, config=config, x=x, h0=h0, state=state)
    _RUNS.append(got)
    if got["builtin_calls"]:
        fail(builtin_message(got["builtin_calls"]))
    return got


def _seq_first(case: Case) -> tuple[Case, dict]:
    """The case and its inputs without batch_first (that feature is batch_first's check to charge)."""
    inputs = make_inputs(case)
    if case.batch_first and case.batch is not None:
        inputs = {**inputs, "x": inputs["x"].transpose(1, 0, 2)}
        case = replace(case, batch_first=False, label=case.label + ", run seq-first")
    return case, inputs


_RUNS: list[dict] = []  # the runs of the check in progress: their dtypes set _agree's tolerance


def _agree(got, want, what: str, context: str, explain: str = "") -> None:
    """Fail unless two runs of the student's MyRNN agree: float64 up to rounding; a MyRNN that only
    runs in float32 (initial_state charges that) up to float32's precision."""
    float32 = any(r.get("dtypes", ["float64"]) != ["float64", "float64"] for r in _RUNS)
    atol, rtol = (FLOAT32_ATOL, 1e-4) if float32 else (ATOL, RTOL)
    expect_close(got, want, what, atol=atol, rtol=rtol, context=context,
                 explain=(lambda _: [explain]) if explain else None)


def test_initial_state(student):
    """An h_0 passed to forward is used (a run split in two continues from its first half's h_n);
    omitted, it is zeros in the input's dtype; float64 in, float64 out (the dtype check)."""
    _RUNS.clear()
    for case in CASES["initial_state"]:
        case, inputs = _seq_first(case)
        x, state, config = inputs["x"], inputs["state"], case.config
        if case.with_h0:
            split = case.steps // 2
            full = _run(student, config, x, inputs["h0"], state)
            first = _run(student, config, x[:split], inputs["h0"], state)
            second = _run(student, config, x[split:], first["h_n"], state)
            context = (f"{case.describe()}: MyRNN(x[{split}:], h_0 = the h_n of MyRNN(x[:{split}], h_0)) "
                       "against MyRNN(x, h_0)")
            hint = "The h_0 passed to forward seems to be ignored: each layer must start from h_0[layer]."
            _agree(second["output"], full["output"][split:], "the second half's output", context, hint)
            _agree(second["h_n"], full["h_n"], "h_n", context, hint)
        else:
            # No retry with h_0 given: a default h_0 in the wrong dtype is this check's to charge.
            default = _run(student, config, x, None, state, default_h0_judged_here=True)
            if default["dtypes"] != ["float64", "float64"]:
                fail(f"{case.describe()}: for float64 input MyRNN returned output and h_n of dtypes "
                     f"{', '.join(default['dtypes'])}; compute in the input's dtype (x.new_zeros(...), no .float())")
            layers, batch = case.num_layers, x.shape[1]
            zeros = _run(student, config, x, np.zeros((layers, batch, case.hidden_size)), state)
            context = f"{case.describe()}: h_0 omitted against h_0 = zeros given"
            _agree(default["output"], zeros["output"], "output", context,
                   "With h_0 omitted, MyRNN must start from zeros (of the input's dtype and device).")
            _agree(default["h_n"], zeros["h_n"], "h_n", context)


def test_batch_first(student):
    """batch_first=True takes and returns (B, T, ...) tensors: the seq-first run, transposed; h_n stays
    (num_layers, B, n)."""
    _RUNS.clear()
    for case in CASES["batch_first"]:
        inputs = make_inputs(case)
        x, h0, state = inputs["x"], inputs["h0"], inputs["state"]
        batch_first = _run(student, case.config, x, h0, state)
        seq_first = _run(student, {**case.config, "batch_first": False}, x.transpose(1, 0, 2), h0, state)
        context = f"{case.describe()}: against the same MyRNN, batch_first=False, on x.transpose(0, 1)"
        _agree(batch_first["output"], seq_first["output"].transpose(1, 0, 2), "output", context,
               "batch_first is ignored or misapplied: with batch_first=True, x is (B, T, d) and output (B, T, n).")
        _agree(batch_first["h_n"], seq_first["h_n"], "h_n", context,
               "h_n is (num_layers, B, n) whatever batch_first says (as in nn.RNN): transpose only x and output.")


def test_stacked_layers(student):
    """num_layers 2 and 3 equal one-layer MyRNNs chained: each layer reads the one below; h_n holds every
    layer's final state."""
    _RUNS.clear()
    for case in CASES["stacked_layers"]:
        case, inputs = _seq_first(case)
        x, h0, state = inputs["x"], inputs["h0"], inputs["state"]
        stacked = _run(student, case.config, x, h0, state)
        layer_input, finals = x, []
        for k in range(case.num_layers):
            config = {**case.config, "input_size": case.input_size if k == 0 else case.hidden_size, "num_layers": 1}
            own = {name.replace(f"_l{k}", "_l0"): v for name, v in state.items() if name.endswith(f"_l{k}")}
            layer = _run(student, config, layer_input, None if h0 is None else h0[k:k + 1], own)
            layer_input = layer["output"]
            finals.append(np.asarray(layer["h_n"])[0])
        context = f"{case.describe()}: against {case.num_layers} one-layer MyRNNs with the same weights, chained"
        expect_shape(stacked["h_n"], np.shape(np.stack(finals)), f"h_n ({context})",
                     hint="h_n holds every layer's final state: (num_layers, B, n).")
        _agree(stacked["output"], layer_input, "output", context,
               "Each layer must read the hidden states of the layer below (layer 0 reads x), with its own weights; "
               "output holds the last layer's states.")
        _agree(stacked["h_n"], np.stack(finals), "h_n", context)


def test_no_bias(student):
    """bias=False: no bias parameters, and the same as bias=True with zero biases."""
    _RUNS.clear()
    for case in CASES["no_bias"]:
        names = list(student.call("parameters", config=case.config, seed=0)["parameters"])
        extra = [n for n in names if n.startswith("bias")]
        if extra:
            fail(f"MyRNN(..., bias=False) has bias parameters {extra}: create them only when bias is true")
        case, inputs = _seq_first(case)
        x, h0, state = inputs["x"], inputs["h0"], inputs["state"]
        without = _run(student, case.config, x, h0, state)
        zero_biases = dict(state)
        for k in range(case.num_layers):
            zero_biases.update({f"bias_ih_l{k}": np.zeros(case.hidden_size), f"bias_hh_l{k}": np.zeros(case.hidden_size)})
        with_zero = _run(student, {**case.config, "bias": True}, x, h0, zero_biases)
        context = f"{case.describe()}: against bias=True with zero biases"
        _agree(without["output"], with_zero["output"], "output", context,
               "With bias=False nothing is added to x W_ih^T + h W_hh^T.")
        _agree(without["h_n"], with_zero["h_n"], "h_n", context)


def test_unbatched(student):
    """Unbatched input (T, d) gives output (T, n) and h_n (num_layers, n): a batch of one, without its axis."""
    _RUNS.clear()
    for case in CASES["unbatched"]:
        inputs = make_inputs(case)
        x, h0, state = inputs["x"], inputs["h0"], inputs["state"]
        unbatched = _run(student, case.config, x, h0, state)
        one = _run(student, case.config, x[:, None], None if h0 is None else h0[:, None], state)
        context = f"{case.describe()}: against the same input as a batch of one, (T, 1, d)"
        _agree(unbatched["output"], np.asarray(one["output"])[:, 0], "output", context,
               "Unbatched input (T, d) is a batch of one without its batch axis: add it, run, and remove it.")
        _agree(unbatched["h_n"], np.asarray(one["h_n"])[:, 0], "h_n", context)


def test_edge_sizes(student):
    """Sequence length 1 and batch size 1 give what the same input gives inside a longer or wider run."""
    _RUNS.clear()
    for case in CASES["edge_sizes"]:
        case, inputs = _seq_first(case)
        x, h0, state = inputs["x"], inputs["h0"], inputs["state"]
        edge = _run(student, case.config, x, h0, state)
        t_axis, b_axis = (1, 0) if case.batch_first else (0, 1)
        rng = np.random.default_rng(100 + case.seed)
        shape = list(np.shape(x))
        shape[t_axis], shape[b_axis] = case.steps + 3, case.batch + 2
        big = rng.normal(size=shape)
        big[tuple(slice(0, n) for n in np.shape(x))] = x   # x in the corner: first steps, first items
        big_h0 = None
        if h0 is not None:
            big_h0 = rng.uniform(-0.8, 0.8, (case.num_layers, case.batch + 2, case.hidden_size))
            big_h0[:, :case.batch] = h0
        bigger = _run(student, case.config, big, big_h0, state)
        corner = tuple(slice(0, n) for n in np.shape(edge["output"])) if np.ndim(edge["output"]) == 3 else None
        context = (f"{case.describe()}: against the first {case.steps} step(s) of batch item(s) 0..{case.batch - 1} "
                   f"of a run with {case.steps + 3} steps and a batch of {case.batch + 2}")
        if corner is None:
            fail(f"output has shape {np.shape(edge['output'])} ({case.describe()}); expected 3 dimensions: "
                 "do not squeeze a batch or a sequence of one")
        # The edge run is judged against the student's own wider run only where torch does not already call it
        # right, and only where that wider run is right itself: a wider run that is wrong (a state not
        # carried, outputs that alias one buffer) is wrong at every size, which matches_nn_rnn charges; the
        # edge sizes cannot be told apart from it there.
        if not _matches_torch(edge["output"], case, {"x": x, "h0": h0, "state": state}) and \
                _matches_torch(bigger["output"], case, {"x": big, "h0": big_h0, "state": state}):
            _agree(edge["output"], np.asarray(bigger["output"])[corner], "output", context,
                   "A sequence of length 1 or a batch of 1 must give what the same steps and items give inside "
                   "a longer or wider run (keep their axis: no .squeeze()).")
        # h_n: the batch items' final states; with one step, the final state is the first step's.
        _agree(np.asarray(edge["h_n"])[-1], np.take(edge["output"], -1, axis=t_axis), "h_n[-1]",
               f"{case.describe()}: h_n[-1] against output's last step", "h_n[-1] is the last step's state.")


def _matches_torch(output, case: Case, inputs: dict) -> bool:
    """Whether a run's output is what nn.RNN gives for the same case (up to the run's own precision)."""
    want = expected(case, inputs)["output"]
    float32 = any(r.get("dtypes", ["float64"]) != ["float64", "float64"] for r in _RUNS)
    return close(output, want, *((FLOAT32_ATOL, 1e-4) if float32 else (ATOL, RTOL)))


def test_gradients(student):
    """Gradients flow to every parameter, the input and h_0 through every step: autograd's gradients
    equal the numerical derivative of MyRNN's own forward pass, in every case. The message names the case
    that failed and which cases' gradients are right (a mistake with two layers only, say)."""
    wrong, right = [], []
    for case in ALL_CASES:
        problem = _gradient_problem(student, case)
        if problem is None:
            right.append(case)
        elif problem:
            wrong.append((case, problem))
    if wrong and not right and isinstance(wrong[0][1], StudentFailure):
        raise wrong[0][1]  # it fails in every case (a stub, an import that fails): that failure, as it is
    if wrong:
        case, problem = wrong[0]
        others = f" Also wrong in {len(wrong) - 1} other case(s)." if len(wrong) > 1 else ""
        fine = ""
        if right:
            failing, passing = {c.num_layers for c, _ in wrong}, {c.num_layers for c in right}
            only = f": it fails only with num_layers={min(failing)}" if len(failing) == 1 and \
                failing.isdisjoint(passing) else ""
            fine = f" The gradients are right in {len(right)} of {len(right) + len(wrong)} cases{only}."
        fail(f"In {case.describe()}: {problem}{others}{fine}")


def _gradient_problem(student, case: Case):
    """What is wrong with autograd's gradients in one case: None (nothing), "" (not judged here: a feature that
    does not run is its own check's to charge), the problem in words, or the StudentFailure it raised."""
    inputs = make_inputs(case)
    try:
        got = run_forward(student, probe="gradient_consistency", config=case.config, x=inputs["x"],
                          h0=inputs["h0"], state=inputs["state"], seed=case.seed)
    except StudentFailure as failure:
        if case.batch is None or case.batch_first:
            return ""
        return failure
    if got["builtin_calls"]:
        fail(builtin_message(got["builtin_calls"]))
    tolerance = 1e-2 if got.get("dtype") == "float32" else 1e-6  # float32: what its rounding allows
    for name, (analytic, numeric) in got["derivatives"].items():
        # A parameter forward never uses has no gradient, and rightly so: the output does not depend on
        # it either (a forward mistake, matches_nn_rnn's to charge). No gradient where it does is a cut.
        if analytic is None and abs(numeric) > (1e-2 if got.get("dtype") == "float32" else 1e-6):
            return (f"{name} received no gradient, though MyRNN's output depends on it: is the computation kept "
                    "in torch (no .detach(), .data, .item() or numpy)?")
        if abs((analytic or 0.0) - numeric) > tolerance * max(1.0, abs(numeric)):
            return (f"along a random direction, autograd's derivative with respect to {name} is {analytic:.6g}, "
                    f"but MyRNN's own output changes at the rate {numeric:.6g}. Part of the computation is cut "
                    "from autograd: is the hidden state detached between steps (.detach(), .data, numpy, "
                    "torch.no_grad, in-place writes)?")
    return None


def test_initialisation(student):
    """Every parameter is uniform in ±1/sqrt(hidden_size), like nn.RNN's.

    With hidden 256 the bound is 1/16; the bounds on the sample variance (±10%,
    ±35% for the 256-element biases) are over 6 standard errors wide, so a
    correct initialiser fails with probability below 1e-8.
    """
    bound = 1 / 16
    for layers in (1, 2):  # a MyRNN without stacking keeps these points: stacked_layers charges for that
        config = {"input_size": 16, "hidden_size": 256, "num_layers": layers}
        try:
            first = student.call("parameters", config=config, seed=0)["parameters"]
            second = student.call("parameters", config=config, seed=1)["parameters"]
        except StudentFailure:
            if layers == 1:
                raise
            return
        if not first:
            fail(f"MyRNN(16, 256, num_layers={layers}) has no parameters")
        _check_uniform(first, second, bound)


def _check_uniform(first: dict, second: dict, bound: float) -> None:
    for name, w in first.items():
        w = np.asarray(w).ravel()
        if np.max(np.abs(w)) > bound * (1 + 1e-6):
            fail(f"{name}: values reach {np.max(np.abs(w)):.4f}, but nn.RNN's initialisation stays within "
                 f"±1/sqrt(hidden_size) = ±{bound:.4f} (input_size=16, hidden_size=256)")
        if np.max(np.abs(w)) < 0.95 * bound:
            fail(f"{name}: values stay within ±{np.max(np.abs(w)):.4f}; uniform(-{bound:.4f}, {bound:.4f}) "
                 "should reach close to the bound. Use uniform_(-k, k) with k = 1/sqrt(hidden_size).")
        var_tol = 0.10 if w.size >= 1000 else 0.35
        ratio = np.var(w) / (bound ** 2 / 3)
        if abs(ratio - 1) > var_tol or abs(np.mean(w)) > 6 * bound / np.sqrt(3 * w.size):
            fail(f"{name}: mean {np.mean(w):.5f} and variance {np.var(w):.3g} do not look uniform in "
                 f"±{bound:.4f} (expected mean 0, variance {bound ** 2 / 3:.3g})")
        if name in second and close(second[name], first[name], atol=0):
            fail(f"{name} is the same for two different torch seeds: initialise it randomly")


def test_no_builtin_rnn(student):
    """MyRNN computes the recurrence itself: no nn.RNN, nn.RNNCell or torch._VF kernels.

    Judged by what runs (torch's kernels report every call, see probes.py), never by
    names in the text: a student's own class called RNN is no built-in.
    """
    case = CASES["basic"][0]
    inputs = make_inputs(case)
    got = run_forward(student, config=case.config, x=inputs["x"], state=inputs["state"])
    kernel_calls = student.evidence().get("kernel", 0)  # reported by the kernels themselves, out of reach
    if not student.guards_hold():
        fail("the grader's switch that turns off torch's built-in RNN kernels was removed or replaced while your "
             "code ran. That is tampering with the grader; your instructor sees this message.")
    tampering = sorted(e.split(" ", 1)[1] for e in student.evidence() if e.startswith("tamper "))
    if tampering:
        fail(f"your code searched the grader's memory or bypassed Python ({', '.join(tampering)}). MyRNN needs "
             "none of that; it is taken as tampering with the grader, and your instructor sees this message.")
    if got["builtin_calls"] or kernel_calls:
        fail(builtin_message(got["builtin_calls"] or ["torch's built-in RNN kernel"]))


def test_sentiment_rnn(student):
    """SentimentRNN: rnn is a batch_first MyRNN, fc a Linear, logits from the final hidden state."""
    rng = np.random.default_rng(30)
    d, n, k = 5, 6, 3
    state = {"rnn.weight_ih_l0": rng.uniform(-0.7, 0.7, (n, d)), "rnn.weight_hh_l0": rng.uniform(-0.7, 0.7, (n, n)),
             "rnn.bias_ih_l0": rng.uniform(-0.5, 0.5, n), "rnn.bias_hh_l0": rng.uniform(-0.5, 0.5, n),
             "fc.weight": rng.uniform(-0.7, 0.7, (k, n)), "fc.bias": rng.uniform(-0.5, 0.5, k)}
    x = rng.normal(size=(4, 7, d))
    got, atol = sentiment(student, sizes=[d, n, k], x=x, state=state)
    if not got["rnn_is_myrnn"]:
        fail("SentimentRNN.rnn should be a MyRNN")
    if not got["rnn_batch_first"]:
        fail("SentimentRNN.rnn should be created with batch_first=True: SentimentRNN takes x of shape (B, T, d)")
    if not got["fc_is_linear"] or got["fc_shape"] != [k, n]:
        fail(f"SentimentRNN.fc should be nn.Linear(hidden_size={n}, output_size={k})")
    if got["builtin_calls"]:
        fail(builtin_message(got["builtin_calls"]))
    rnn = torch.nn.RNN(d, n, batch_first=True).double()
    rnn.load_state_dict({k_[4:]: torch.tensor(v) for k_, v in state.items() if k_.startswith("rnn.")})
    with torch.no_grad():
        out, h_n = rnn(torch.tensor(x))
    w, b = state["fc.weight"], state["fc.bias"]
    if not close(got["hidden_states"], out.numpy(), atol) and np.shape(got["hidden_states"]) == out.shape:
        # MyRNN itself is wrong (its own checks charge that): judge SentimentRNN's wiring on what its
        # own rnn gives, so that one mistake in MyRNN does not cost SentimentRNN's points too.
        out = torch.tensor(got["hidden_states"])
        finals = [out[:, -1].numpy() @ w.T + b, np.asarray(got["h_n"])[-1] @ w.T + b]
        want = next((f for f in finals if close(got["logits"], f, atol)), finals[0])
    else:
        want = h_n[-1].numpy() @ w.T + b
    wrong_uses = {"the mean of all hidden states": out.mean(1).numpy() @ w.T + b,
                  "the first time step's hidden state": out[:, 0].numpy() @ w.T + b,
                  "a softmax or sigmoid of the logits (return raw logits)": 1 / (1 + np.exp(-want))}

    def explain(actual):
        hits = [k_ for k_, v in wrong_uses.items() if close(actual, v)]
        return [f"Your logits come from {hits[0]}; they should come from fc(final hidden state)."] if hits else []
    expect_close(got["logits"], want, "SentimentRNN's logits", context="batch 4, 7 steps, input 5, hidden 6, 3 classes",
                 explain=explain, atol=atol)
    one, _ = sentiment(student, sizes=[d, n, 1], x=x[:1])
    if np.shape(one["logits"]) != (1, 1):
        fail(f"SentimentRNN({d}, {n}, output_size=1) on a batch of one sentence returned logits of shape "
             f"{np.shape(one['logits'])}, expected (1, 1) (batch, output_size). A .squeeze() drops the batch "
             "dimension too when the batch has one item: keep the logits' shape as fc gives it.")
