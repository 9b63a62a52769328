"""Exercise 1: where expected values come from, and how a wrong answer is explained.

Ships with the student release (the public checks use it), so it holds no
implementation of anything a student writes and no hidden check's cases:

- expected values come from torch's own RNN (``torch.nn.RNN``, its kernel
  ``torch.rnn_tanh``), run in the grader's process in float64;
- when a student's answer is wrong, ``diagnose`` replays the same inputs through
  torch's kernel with one known mistake put into its *inputs* (transposed
  weights, a bias left out, time reversed, ...: ``with_mistake``) and names the
  mistakes that reproduce the student's numbers exactly.

The hidden checks' cases live in reference.py, which stays with the instructor.
Longer than most modules (~310 lines): the catalogue of known mistakes and the words for each
belong together, since a new mistake is added to both at once.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from autograder.grading.checking import close, difference, fail, fmt, previews
from autograder.sandbox.failures import StudentFailure

ATOL, RTOL = 1e-8, 1e-6          # float64 agreement
FLOAT32_ATOL = 1e-4              # agreement that only float32 arithmetic would explain


@dataclass(frozen=True)
class Case:
    label: str
    input_size: int = 3
    hidden_size: int = 4
    num_layers: int = 1
    bias: bool = True
    batch_first: bool = False
    steps: int = 5
    batch: int | None = 3        # None: unbatched input (T, d)
    with_h0: bool = False
    seed: int = 0

    @property
    def config(self) -> dict:
        return {k: v for k, v in asdict(self).items()
                if k in ("input_size", "hidden_size", "num_layers", "bias", "batch_first")}

    def describe(self) -> str:
        layout = "unbatched (T, d)" if self.batch is None else \
            ("batch_first (B, T, d)" if self.batch_first else "(T, B, d)")
        return (f"case '{self.label}': MyRNN({', '.join(f'{k}={v}' for k, v in self.config.items())}), "
                f"input {layout} with T={self.steps}" + ("" if self.batch is None else f", B={self.batch}")
                + (", h_0 given" if self.with_h0 else ", h_0 omitted"))


# The public check's cases. The hidden checks' groups are in reference.py (never shipped).
CASES = {"basic": [Case("one layer"), Case("one layer, square weights", input_size=4, seed=1)]}


def make_inputs(case: Case) -> dict:
    """Seeded weights, input and h_0 for one case (numpy, float64)."""
    rng = np.random.default_rng(1000 + case.seed)
    n, L = case.hidden_size, case.num_layers
    state = {}
    for k in range(L):
        d = case.input_size if k == 0 else n
        state[f"weight_ih_l{k}"] = rng.uniform(-0.7, 0.7, (n, d))
        state[f"weight_hh_l{k}"] = rng.uniform(-0.7, 0.7, (n, n))
        if case.bias:
            state[f"bias_ih_l{k}"] = rng.uniform(-0.5, 0.5, n)
            state[f"bias_hh_l{k}"] = rng.uniform(-0.5, 0.5, n)
    if case.batch is None:
        x_shape, h_shape = (case.steps, case.input_size), (L, n)
    elif case.batch_first:
        x_shape, h_shape = (case.batch, case.steps, case.input_size), (L, case.batch, n)
    else:
        x_shape, h_shape = (case.steps, case.batch, case.input_size), (L, case.batch, n)
    return {
        "state": state,
        "x": rng.normal(0, 1, x_shape),
        "h0": rng.uniform(-0.8, 0.8, h_shape) if case.with_h0 else None,
    }


def expected(case: Case, inputs: dict) -> dict:
    """What torch.nn.RNN gives for this case."""
    rnn = torch.nn.RNN(**case.config).double()
    rnn.load_state_dict({k: torch.tensor(v) for k, v in inputs["state"].items()})
    x = torch.tensor(inputs["x"])
    with torch.no_grad():
        output, h_n = rnn(x) if inputs["h0"] is None else rnn(x, torch.tensor(inputs["h0"]))
    return {"output": output.numpy(), "h_n": h_n.numpy()}


# ------------------------------------------------------------------ known mistakes

MISTAKES = {
    "transposed_hh": "the hidden-to-hidden weights are used transposed (h @ W_hh instead of h @ W_hh.T)",
    "transposed_ih": "the input-to-hidden weights are used transposed (x @ W_ih instead of x @ W_ih.T)",
    "no_bias": "the biases are missing (neither bias_ih nor bias_hh is added)",
    "only_ih_bias": "a bias is missing: bias_hh is never added",
    "only_hh_bias": "a bias is missing: bias_ih is never added",
    "double_ih_bias": "a bias is doubled: bias_ih is added twice (and bias_hh not at all, or once too often)",
    "double_hh_bias": "a bias is doubled: bias_hh is added twice",
    "relu": "ReLU is used instead of tanh",
    "sigmoid": "sigmoid is used instead of tanh",
    "no_carry": "the hidden state is not carried: every step starts again from h_0 instead of the previous step's h",
    "time_reversed": "the sequence is processed backwards in time",
    "time_reversed_flipped": "the sequence is processed backwards in time",
}


def _layer(x, h, w_ih, w_hh, b_ih, b_hh, act: str):
    """One layer of torch's own RNN kernel on (T, B, d) from h (B, n): (states (T, B, n), last state)."""
    kernel = torch.rnn_relu if act == "relu" else torch.rnn_tanh
    if act == "sigmoid":
        # sigmoid(z) = (1 + tanh(z / 2)) / 2, so g = 2h - 1 follows a tanh RNN with scaled weights:
        # g_t = tanh(W/2 x_t + U/4 g_{t-1} + b_ih/2 + b_hh/2 + U 1/4), and h = (1 + g) / 2.
        states, g_n = _layer(x, 2 * h - 1, w_ih / 2, w_hh / 4, b_ih / 2, b_hh / 2 + w_hh.sum(1) / 4, "tanh")
        return (1 + states) / 2, (1 + g_n) / 2
    states, h_n = kernel(x, h[None], [w_ih, w_hh, b_ih, b_hh], True, 1, 0.0, False, False, False)
    return states, h_n[0]


def with_mistake(case: Case, inputs: dict, mistake: str) -> dict | None:
    """torch's RNN kernel, one layer at a time, with one known mistake put into what it is given.

    None where the mistake cannot apply (e.g. transposed input weights that are not square).
    """
    params = {k: torch.tensor(v) for k, v in inputs["state"].items()}
    x, h0 = torch.tensor(inputs["x"]), None if inputs["h0"] is None else torch.tensor(inputs["h0"])
    act = mistake if mistake in ("relu", "sigmoid") else "tanh"
    with torch.no_grad():
        try:
            xs, hs = x, h0
            if case.batch is None:
                xs, hs = x.unsqueeze(1), (None if h0 is None else h0.unsqueeze(1))
            elif case.batch_first:
                xs = x.transpose(0, 1)
            steps, batch = xs.shape[:2]
            if hs is None:
                hs = torch.zeros(case.num_layers, batch, case.hidden_size, dtype=torch.float64)
            if mistake in ("time_reversed", "time_reversed_flipped"):
                xs = xs.flip(0)
            layer_in, finals = xs, []
            for k in range(case.num_layers):
                w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
                if mistake == "transposed_ih":
                    if w_ih.shape[0] != w_ih.shape[1]:
                        return None
                    w_ih = w_ih.T
                if mistake == "transposed_hh":
                    w_hh = w_hh.T
                zero = torch.zeros(case.hidden_size, dtype=torch.float64)
                bi, bh = (params[f"bias_ih_l{k}"], params[f"bias_hh_l{k}"]) if case.bias else (zero, zero)
                bi, bh = {"no_bias": (zero, zero), "only_ih_bias": (bi, zero), "only_hh_bias": (zero, bh),
                          "double_ih_bias": (2 * bi, bh), "double_hh_bias": (bi, 2 * bh)}.get(mistake, (bi, bh))
                if mistake == "no_carry":  # every step from h_0: the steps are independent, run them as a batch
                    flat, _ = _layer(layer_in.reshape(1, steps * batch, -1), hs[k].repeat(steps, 1), w_ih, w_hh,
                                     bi, bh, act)
                    layer_in = flat.reshape(steps, batch, -1)
                    finals.append(layer_in[-1])
                else:
                    layer_in, last = _layer(layer_in, hs[k], w_ih, w_hh, bi, bh, act)
                    finals.append(last)
            output, h_n = layer_in, torch.stack(finals)
            if mistake == "time_reversed_flipped":
                output = output.flip(0)
            if case.batch is None:
                output, h_n = output.squeeze(1), h_n.squeeze(1)
            elif case.batch_first:
                output = output.transpose(0, 1)
        except RuntimeError:  # shapes that only fit the correct computation
            return None
    return {"output": output.numpy(), "h_n": h_n.numpy()}


def _matches(got: dict, ref: dict) -> bool:
    return close(got["output"], ref["output"], ATOL, RTOL) and close(got["h_n"], ref["h_n"], ATOL, RTOL)


def diagnose(case: Case, inputs: dict, got: dict) -> list[str]:
    """Descriptions of the known mistakes that reproduce the student's numbers."""
    found = []
    for key, words in MISTAKES.items():
        ref = with_mistake(case, inputs, key)
        if ref is not None and _matches(got, ref) and words not in found:
            found.append(words)
    return found


ALIASED = ("every time step of the output holds the same values, the last step's: the steps are one tensor "
           "overwritten in place (h.copy_(...), h[:] = ..., or writes into a tensor you keep appending), so the "
           "outputs alias one tensor. Make a new tensor at each step (h = torch.tanh(...)) and stack them")


def every_step_the_last(got, want, time_axis: int = 0) -> bool:
    """Whether every time step of the student's output equals its last one where the right output's do not: the
    steps alias one buffer that was overwritten in place."""
    if np.shape(got) != np.shape(want) or np.ndim(got) < 2 or np.shape(got)[time_axis] < 2:
        return False
    g, w = np.moveaxis(np.asarray(got), time_axis, 0), np.moveaxis(np.asarray(want), time_axis, 0)
    return all(close(g[t], g[-1], ATOL, RTOL) for t in range(len(g))) and \
        not all(close(w[t], w[-1], ATOL, RTOL) for t in range(len(w)))


def divergence(case: Case, got: np.ndarray, want: np.ndarray, got_hn: np.ndarray, want_hn: np.ndarray) -> str:
    """Where the hidden states first go wrong: the time step (last layer) and the layer (h_n)."""
    parts = []
    if got.shape == want.shape:
        g, w = (got[:, None] if case.batch is None else got), (want[:, None] if case.batch is None else want)
        if case.batch_first and case.batch is not None:
            g, w = g.transpose(1, 0, 2), w.transpose(1, 0, 2)
        bad_t = [t for t in range(w.shape[0]) if not close(g[t], w[t], ATOL, RTOL)]
        if bad_t:
            parts.append(f"the last layer's hidden state first differs at time step {bad_t[0]} (counting from 0)")
    if got_hn.shape == want_hn.shape:
        bad_k = [k for k in range(want_hn.shape[0]) if not close(got_hn[k], want_hn[k], ATOL, RTOL)]
        if bad_k and case.num_layers > 1:
            parts.append(f"in h_n, layer {bad_k[0]} is the first layer whose final state differs")
    return ("Where: " + "; ".join(parts) + ".") if parts else ""


def float32_hint(got: list, want: list) -> str:
    """The float32 hint, only when every result (output and h_n) agrees to float32 precision:
    a wrong h_n beside a right output is a different mistake."""
    if all(np.shape(g) == np.shape(w) and close(g, w, FLOAT32_ATOL, 1e-4) for g, w in zip(got, want)):
        return ("Your values agree only to about 1e-6, which is float32 precision: part of your computation "
                "runs in float32 (e.g. torch.zeros(...) without dtype=x.dtype). The grader runs in float64.")
    return ""


# ------------------------------------------------------------------ verdicts

def builtin_message(calls: list[str]) -> str:
    return (f"MyRNN must compute the recurrence itself, but it called {', '.join(calls)}. "
            "Write the loop over time steps with matrix products and torch.tanh.")


def _compare(got, want, what: str, problems: list[str], atol: float = ATOL, rtol: float = RTOL) -> bool:
    if np.shape(got) != np.shape(want):
        problems.append(f"{what} has shape {tuple(np.shape(got))}, expected {tuple(np.shape(want))}")
        return False
    if not close(got, want, atol, rtol):
        problems.append(f"{what} is wrong: {difference(got, want, atol, rtol)}.\n"
                        + "\n".join(previews(got, want, atol, rtol)))
        return False
    return True


def _dtype_slip(failure) -> bool:
    """Whether a failure is a dtype mismatch (e.g. a float32 tensor made inside float64 code)."""
    text = str(getattr(failure, "message", failure)).lower()
    return "dtype" in text or "expected scalar type" in text


DEFAULT_H0_NOTE = ("MyRNN fails on float64 input when no h_0 is given: its default h_0 is not in the input's "
                   "dtype (make it with x.new_zeros(...) or dtype=x.dtype). The checks above gave it h_0 = zeros "
                   "and passed it; the instructor's hidden check initial_state charges this.")
FLOAT32_NOTE = ("MyRNN fails on float64 input: part of it computes in float32 (a .float(), a float32 buffer, or "
                "torch.zeros(...) without dtype=x.dtype). The checks above ran it in float32 and judged it to "
                "float32's precision; the instructor's hidden check initial_state charges this.")


def run_forward(student, default_h0_judged_here: bool = False, probe: str = "run", **args) -> dict:
    """A probe that runs MyRNN ("run" by default), retried when it fails on a dtype error alone.

    A MyRNN whose default h_0 is made in float32 (torch.zeros(...) without dtype=x.dtype)
    fails every float64 run without h_0; one that computes in float32 (x.float(), float32
    buffers) fails every float64 run. Those mistakes are initial_state's to judge
    (``default_h0_judged_here``); everywhere else the run is retried, first with zeros
    given as h_0, then in float32, and judged at float32's precision where it ran so
    (the result's "dtypes"): one mistake, one check.
    """
    try:
        return student.call(probe, **args)
    except StudentFailure as failure:
        if default_h0_judged_here or not _dtype_slip(failure):
            raise
        last = failure
    # Not this check's to charge, but a student running the public checks hears of it before handing
    # in (the hidden initial_state charges it): said once, under the exercise, where the retry worked.
    if args.get("h0") is None:
        config, x = args["config"], np.asarray(args["x"])
        layers, hidden = config.get("num_layers", 1), config["hidden_size"]
        batch = () if x.ndim == 2 else (x.shape[0] if config.get("batch_first") else x.shape[1],)
        args = {**args, "h0": np.zeros((layers, *batch, hidden))}
        try:
            result = student.call(probe, **args)
            student.note(DEFAULT_H0_NOTE)
            return result
        except StudentFailure as failure:
            if not _dtype_slip(failure):
                raise
            last = failure
    try:
        result = student.call(probe, **args, dtype="float32")
    except StudentFailure:
        raise last from None
    student.note(FLOAT32_NOTE)
    return result


def sentiment(student, **args) -> tuple[dict, float]:
    """The sentiment probe in float64, and the tolerance to judge it with.

    A MyRNN whose default h_0 is float32 fails in float64 on a dtype error: that is
    initial_state's to judge, so here it runs again in float32, judged to float32's
    precision (one mistake, one check).
    """
    try:
        return student.call("sentiment", **args), 1e-6
    except StudentFailure as failure:
        if not _dtype_slip(failure):
            raise
        return student.call("sentiment", dtype="float32", **args), 1e-5


def check_cases(student, cases: list[Case]) -> None:
    """Run each case through the student's MyRNN and nn.RNN; fail on the first that disagrees.

    Only the core check (matches_nn_rnn) compares with nn.RNN; the feature checks compare
    MyRNN with itself (test_hidden.py). A MyRNN whose default h_0 is float32 runs here with
    zeros given as h_0 (``run_forward``): that mistake is initial_state's.
    """
    for case in cases:
        inputs = make_inputs(case)
        got = run_forward(student, config=case.config, x=inputs["x"], h0=inputs["h0"], state=inputs["state"])
        if got["builtin_calls"]:
            fail(builtin_message(got["builtin_calls"]))
        want = expected(case, inputs)
        # Results in float32 (for float64 input) are initial_state's to charge: judged here to float32's precision.
        atol, rtol = (ATOL, RTOL) if got.get("dtypes", ["float64"] * 2) == ["float64"] * 2 else (FLOAT32_ATOL, 1e-4)
        problems: list[str] = []
        _compare(got["output"], want["output"], "output", problems, atol, rtol)
        _compare(got["h_n"], want["h_n"], "h_n", problems, atol, rtol)
        if not problems:
            continue
        message = [f"In {case.describe()}:"] + problems
        mistakes = diagnose(case, inputs, got)
        if every_step_the_last(got["output"], want["output"], 1 if case.batch_first and case.batch is not None else 0):
            mistakes.append(ALIASED)
        if mistakes:
            message.append("This matches a known mistake: " + "; or ".join(mistakes) + ".")
        message.append(divergence(case, got["output"], want["output"], got["h_n"], want["h_n"]))
        message.append(float32_hint([got["output"], got["h_n"]], [want["output"], want["h_n"]]))
        fail("\n".join(m for m in message if m))
