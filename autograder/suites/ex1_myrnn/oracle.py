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
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from autograder.checking import close, difference, fail, fmt
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
    """Seeded weights, input, h_0 and upstream gradients for one case (numpy, float64)."""
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
        x_shape, h_shape, out_shape = (case.steps, case.input_size), (L, n), (case.steps, n)
    elif case.batch_first:
        x_shape, h_shape, out_shape = (case.batch, case.steps, case.input_size), (L, case.batch, n), \
            (case.batch, case.steps, n)
    else:
        x_shape, h_shape, out_shape = (case.steps, case.batch, case.input_size), (L, case.batch, n), \
            (case.steps, case.batch, n)
    return {
        "state": state,
        "x": rng.normal(0, 1, x_shape),
        "h0": rng.uniform(-0.8, 0.8, h_shape) if case.with_h0 else None,
        "grad_output": rng.normal(0, 1, out_shape),
        "grad_h_n": rng.normal(0, 1, h_shape),
    }


def _backward(output, h_n, inputs, params: dict, x, h0) -> dict:
    loss = (output * torch.tensor(inputs["grad_output"])).sum() + (h_n * torch.tensor(inputs["grad_h_n"])).sum()
    loss.backward()
    return {"grads": {k: p.grad.numpy() for k, p in params.items()},
            "grad_x": x.grad.numpy(), "grad_h0": None if h0 is None else h0.grad.numpy()}


def expected(case: Case, inputs: dict, grads: bool = False) -> dict:
    """What torch.nn.RNN gives for this case."""
    rnn = torch.nn.RNN(**case.config).double()
    rnn.load_state_dict({k: torch.tensor(v) for k, v in inputs["state"].items()})
    x = torch.tensor(inputs["x"], requires_grad=grads)
    h0 = None if inputs["h0"] is None else torch.tensor(inputs["h0"], requires_grad=grads)
    output, h_n = rnn(x) if h0 is None else rnn(x, h0)
    out = {"output": output.detach().numpy(), "h_n": h_n.detach().numpy()}
    if grads:
        out.update(_backward(output, h_n, inputs, dict(rnn.named_parameters()), x, h0))
    return out


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
    "ignore_h0": "the h_0 passed to forward is ignored (the RNN always starts from zeros)",
    "not_stacked": "the layers are not stacked: every layer reads the input x instead of the layer below",
    "first_layer_output": "output holds the first layer's hidden states instead of the last layer's",
    "batch_first_ignored": "batch_first is ignored: a (B, T, d) input is read as if it were (T, B, d)",
    "time_reversed": "the sequence is processed backwards in time",
    "time_reversed_flipped": "the sequence is processed backwards in time",
    "detached": "the hidden state is detached between steps, so gradients do not flow back through time",
    "detached_last_kept": "the hidden state is detached between steps, so gradients do not flow back through time",
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


def with_mistake(case: Case, inputs: dict, mistake: str, grads: bool = False) -> dict | None:
    """torch's RNN kernel, one layer at a time, with one known mistake put into what it is given.

    None where the mistake cannot apply (e.g. transposed input weights that are not square).
    """
    params = {k: torch.tensor(v, requires_grad=grads) for k, v in inputs["state"].items()}
    x = torch.tensor(inputs["x"], requires_grad=grads)
    h0 = None if inputs["h0"] is None else torch.tensor(inputs["h0"], requires_grad=grads)
    act = mistake if mistake in ("relu", "sigmoid") else "tanh"
    try:
        xs, hs = x, h0
        if case.batch is None:
            xs, hs = x.unsqueeze(1), (None if h0 is None else h0.unsqueeze(1))
        elif case.batch_first and mistake != "batch_first_ignored":
            xs = x.transpose(0, 1)
        steps, batch = xs.shape[:2]
        if hs is None or mistake == "ignore_h0":
            hs = torch.zeros(case.num_layers, batch, case.hidden_size, dtype=torch.float64)
        if mistake in ("time_reversed", "time_reversed_flipped"):
            xs = xs.flip(0)
        layer_in, finals, first_out = xs, [], None
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
            src = xs if mistake == "not_stacked" else layer_in
            if mistake == "no_carry":  # every step from h_0: the steps are independent, so run them as a batch
                flat, _ = _layer(src.reshape(1, steps * batch, -1), hs[k].repeat(steps, 1), w_ih, w_hh, bi, bh, act)
                layer_out = flat.reshape(steps, batch, -1)
                last = layer_out[-1]
            elif mistake in ("detached", "detached_last_kept"):  # one step at a time, cut from the graph between
                h, states = hs[k], []
                for t in range(steps):
                    step, h = _layer(src[t:t + 1], h, w_ih, w_hh, bi, bh, act)
                    states.append(step[0])
                    h = h.detach()
                layer_out = torch.stack(states)
                # A detaching loop usually hands on its detached h as the final state too.
                last = states[-1] if mistake == "detached_last_kept" else h
            else:
                layer_out, last = _layer(src, hs[k], w_ih, w_hh, bi, bh, act)
            first_out = layer_out if k == 0 else first_out
            layer_in = layer_out
            finals.append(last)
        output = first_out if mistake == "first_layer_output" else layer_in
        if mistake == "time_reversed_flipped":
            output = output.flip(0)
        h_n = torch.stack(finals)
        if case.batch is None:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
        elif case.batch_first and mistake != "batch_first_ignored":
            output = output.transpose(0, 1)
    except RuntimeError:  # shapes that only fit the correct computation
        return None
    out = {"output": output.detach().numpy(), "h_n": h_n.detach().numpy()}
    if grads:
        try:
            out.update(_backward(output, h_n, inputs, params, x, h0))
        except (RuntimeError, AttributeError):
            return None
    return out


def _matches(got: dict, ref: dict, grads: bool) -> bool:
    if not (close(got["output"], ref["output"], ATOL, RTOL) and close(got["h_n"], ref["h_n"], ATOL, RTOL)):
        return False
    if not grads:
        return True
    got_grads = got.get("grads") or {}
    return all(got_grads.get(k) is not None and close(got_grads[k], v, ATOL, RTOL)
               for k, v in ref["grads"].items())


def diagnose(case: Case, inputs: dict, got: dict, grads: bool = False) -> list[str]:
    """Descriptions of the known mistakes that reproduce the student's numbers."""
    found = []
    for key, words in MISTAKES.items():
        if key.startswith("detached") and not grads:
            continue
        ref = with_mistake(case, inputs, key, grads=grads)
        if ref is not None and _matches(got, ref, grads) and words not in found:
            found.append(words)
    return found


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


def _compare(got, want, what: str, problems: list[str]) -> bool:
    if got is None:
        problems.append(f"{what} received no gradient (is it used in forward?)")
        return False
    if np.shape(got) != np.shape(want):
        problems.append(f"{what} has shape {tuple(np.shape(got))}, expected {tuple(np.shape(want))}")
        return False
    if not close(got, want, ATOL, RTOL):
        problems.append(f"{what} is wrong: {difference(got, want, ATOL, RTOL)}.\n"
                        f"  expected: {fmt(want)}\n  got:      {fmt(got)}")
        return False
    return True


def _dtype_slip(failure) -> bool:
    """Whether a failure is a dtype mismatch (e.g. a float32 tensor made inside float64 code)."""
    text = str(getattr(failure, "message", failure)).lower()
    return "dtype" in text or "expected scalar type" in text


def run_forward(student, default_h0_judged_here: bool = False, **args) -> dict:
    """The "run" probe; a case without h_0 that fails on a dtype error runs again with zeros as h_0.

    A MyRNN whose default h_0 is made in float32 (torch.zeros(...) without dtype=x.dtype)
    fails every float64 run without h_0: that mistake is initial_state's to judge
    (``default_h0_judged_here``), and everywhere else the run is judged with the
    default given explicitly (one mistake, one check).
    """
    try:
        return student.call("run", **args)
    except StudentFailure as failure:
        if default_h0_judged_here or args.get("h0") is not None or not _dtype_slip(failure):
            raise
    config, x = args["config"], np.asarray(args["x"])
    layers, hidden = config.get("num_layers", 1), config["hidden_size"]
    batch = () if x.ndim == 2 else (x.shape[0] if config.get("batch_first") else x.shape[1],)
    return student.call("run", **{**args, "h0": np.zeros((layers, *batch, hidden))})


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


def _judge(student, case: Case, grads: bool, default_h0_judged_here: bool) -> tuple[bool, str | None]:
    """(forward right?, the failure message or None) for one case."""
    inputs = make_inputs(case)
    extra = {"grad_output": inputs["grad_output"], "grad_h_n": inputs["grad_h_n"]} if grads else {}
    got = run_forward(student, default_h0_judged_here, config=case.config, x=inputs["x"], h0=inputs["h0"],
                      state=inputs["state"], **extra)
    if got["builtin_calls"]:
        fail(builtin_message(got["builtin_calls"]))
    want = expected(case, inputs, grads)
    problems: list[str] = []
    forward_ok = _compare(got["output"], want["output"], "output", problems)
    forward_ok &= _compare(got["h_n"], want["h_n"], "h_n", problems)
    if grads and forward_ok:
        for name, g in want["grads"].items():
            _compare((got.get("grads") or {}).get(name), g, f"the gradient of {name}", problems)
        _compare(got.get("grad_x"), want["grad_x"], "the gradient of the input x", problems)
        if want["grad_h0"] is not None:
            _compare(got.get("grad_h0"), want["grad_h0"], "the gradient of h_0", problems)
    if not problems:
        return True, None
    message = [f"In {case.describe()}:"] + problems
    mistakes = diagnose(case, inputs, got, grads=grads and forward_ok)
    if mistakes:
        message.append("This matches a known mistake: " + "; or ".join(mistakes) + ".")
    if not forward_ok:
        message.append(divergence(case, got["output"], want["output"], got["h_n"], want["h_n"]))
        message.append(float32_hint([got["output"], got["h_n"]], [want["output"], want["h_n"]]))
    return forward_ok, "\n".join(m for m in message if m)


def without_other_features(case: Case, feature: str | None) -> Case | None:
    """The same case without the features other checks own (batch_first, unbatched input), or None."""
    changes = {}
    if case.batch_first and feature != "batch_first":
        changes["batch_first"] = False
    if case.batch is None and feature != "unbatched":
        changes["batch"] = 1
    return replace(case, label=case.label + " (as plain batched, seq-first input)", **changes) if changes else None


def check_cases(student, cases: list[Case], grads: bool = False, default_h0_judged_here: bool = False,
                feature: str | None = None) -> None:
    """Run each case through the student's MyRNN and nn.RNN; fail on the first that disagrees.

    One mistake, one check:

    - a default h_0 created in the wrong dtype (torch.zeros(...) in float32) is
      initial_state's to judge (``default_h0_judged_here``); elsewhere a case with
      h_0 omitted that fails on a dtype error runs again with zeros as h_0 (``run_forward``);
    - a case that also uses batch_first or unbatched input, in a check about
      something else (``feature``), is judged without them when it fails with them:
      those features are their own checks' to charge;
    - gradients (``grads``) are judged on the cases whose forward pass is right; a
      wrong forward is its own checks' to charge. At least one case must be judged.
    """
    judged, first_failure = 0, None
    for case in cases:
        attempts = [c for c in (case, without_other_features(case, feature)) if c is not None]
        first = None
        for attempt in attempts:
            try:
                forward_ok, message = _judge(student, attempt, grads, default_h0_judged_here)
                failure = None
            except StudentFailure as exc:
                forward_ok, message, failure = False, None, exc
                first_failure = first_failure or exc
            first = first or (message, failure)
            if grads and forward_ok:  # gradients are judged where the forward pass is right
                judged += 1
                if message:
                    fail(message)
                break
            if not grads and forward_ok and message is None:
                break
        else:
            if grads:
                continue  # a wrong forward pass is its own checks' to charge
            message, failure = first
            if failure is not None:
                raise failure
            fail(message)
    if grads and judged == 0:
        if first_failure is not None:  # e.g. "not implemented yet": the reason there is nothing to judge
            raise first_failure
        fail("the gradients can only be checked once MyRNN's output matches nn.RNN's in some case: "
             "see matches_nn_rnn first")