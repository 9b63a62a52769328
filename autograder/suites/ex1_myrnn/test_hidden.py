"""Exercise 1, hidden checks: MyRNN against nn.RNN in every configuration, gradients,
initialisation, no built-in kernels, and SentimentRNN.

Not shipped to students. Points, visibility and time limits are in course.yaml.
"""

import numpy as np
import torch

from autograder.sandbox.failures import StudentFailure
from autograder.checking import close, expect_close, fail

from .oracle import Case, builtin_message, check_cases, expected, make_inputs, run_forward, sentiment
from .reference import ALL_CASES, CASES

def test_state_dict_round_trip(student):
    """A fresh MyRNN's state dict loads into nn.RNN, and back, with the same outputs."""
    # About names and shapes only: seq-first (batch_first is its own check's), and two layers
    # (names of layer 1 too), with h_0 given.
    case = Case("round trip", num_layers=2, with_h0=True, seed=20)
    exported = student.call("parameters", config=case.config, seed=3)["state_dict"]
    rnn = torch.nn.RNN(**case.config).double()
    try:
        rnn.load_state_dict({k: torch.tensor(v) for k, v in exported.items()})
    except RuntimeError as exc:
        fail("nn.RNN could not load MyRNN's state_dict(): " + str(exc).split("\n", 1)[-1].strip())
    inputs = dict(make_inputs(case), state=exported)
    got = student.call("run", config=case.config, x=inputs["x"], h0=inputs["h0"], state=exported)
    want = expected(case, inputs)
    expect_close(got["output"], want["output"], "output",
                 context="MyRNN with its own initial weights vs nn.RNN loaded with MyRNN's state dict")


def test_initial_state(student):
    """An h_0 passed to forward is used."""
    check_cases(student, CASES["initial_state"], default_h0_judged_here=True, feature="initial_state")


def test_batch_first(student):
    """batch_first=True takes and returns (B, T, ...) tensors."""
    check_cases(student, CASES["batch_first"], feature="batch_first")


def test_stacked_layers(student):
    """num_layers 2 and 3: each layer reads the one below; h_n holds every layer's final state."""
    check_cases(student, CASES["stacked_layers"], feature="stacked_layers")


def test_no_bias(student):
    """bias=False: no bias parameters, and none added."""
    check_cases(student, CASES["no_bias"], feature="no_bias")


def test_unbatched(student):
    """Unbatched input (T, d) gives output (T, n) and h_n (num_layers, n)."""
    check_cases(student, CASES["unbatched"], feature="unbatched")


def test_edge_sizes(student):
    """Sequence length 1 and batch size 1."""
    check_cases(student, CASES["edge_sizes"], feature="edge_sizes")


def test_gradients(student):
    """Gradients of every parameter, of the input through time and of h_0 match nn.RNN's, in every case."""
    check_cases(student, ALL_CASES, grads=True)


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
