"""Exercise 1, grader side: cases, expected values from torch.nn.RNN, and diagnosis.

Expected values come from ``torch.nn.RNN`` itself, run here in the grader's
process in float64. When a student's answer is wrong, ``diagnose`` replays the
same inputs through a catalogue of known mistakes (``run_rnn(..., mistake=...)``)
and names the ones that reproduce the student's numbers exactly.
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


# Named groups of cases; each hidden check covers one group, the gradient check all.
CASES = {
    "basic": [Case("one layer"), Case("one layer, square weights", input_size=4, seed=1)],
    # h_0 given, and h_0 omitted: the default must be zeros in the input's dtype (the grader runs in float64).
    "initial_state": [Case("h_0 given", with_h0=True, seed=2), Case("h_0 omitted, float64 input", seed=15)],
    "batch_first": [Case("batch_first", batch_first=True, steps=4, batch=3, seed=3),
                    Case("batch_first with h_0", batch_first=True, with_h0=True, seed=4)],
    "stacked_layers": [Case("two layers", num_layers=2, with_h0=True, seed=5),
                       Case("three layers, batch_first", num_layers=3, batch_first=True, seed=6),
                       Case("two layers, square", input_size=4, num_layers=2, seed=7)],
    "no_bias": [Case("bias=False", bias=False, seed=8),
                Case("bias=False, two layers", bias=False, num_layers=2, with_h0=True, seed=9)],
    "unbatched": [Case("unbatched", batch=None, seed=10),
                  Case("unbatched with h_0, two layers", batch=None, num_layers=2, with_h0=True, seed=11)],
    "edge_sizes": [Case("sequence length 1", steps=1, with_h0=True, seed=12),
                   Case("batch size 1", batch=1, seed=13),
                   Case("length 1, batch 1, batch_first", steps=1, batch=1, batch_first=True, seed=14)],
}
ALL_CASES = [c for group in CASES.values() for c in group]


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


def run_rnn(case: Case, inputs: dict, mistake: str | None = None, grads: bool = False) -> dict | None:
    """A plain RNN with one known mistake switched on; None where the mistake cannot apply."""
    params = {k: torch.tensor(v, requires_grad=grads) for k, v in inputs["state"].items()}
    x = torch.tensor(inputs["x"], requires_grad=grads)
    h0 = None if inputs["h0"] is None else torch.tensor(inputs["h0"], requires_grad=grads)
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid}.get(mistake, torch.tanh)
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
            b = 0.0
            if case.bias:
                bi, bh = params[f"bias_ih_l{k}"], params[f"bias_hh_l{k}"]
                b = {"no_bias": 0.0, "only_ih_bias": bi, "only_hh_bias": bh,
                     "double_ih_bias": 2 * bi + bh, "double_hh_bias": bi + 2 * bh}.get(mistake, bi + bh)
            src = xs if mistake == "not_stacked" else layer_in
            h, states = hs[k], []
            for t in range(steps):
                prev = hs[k] if mistake == "no_carry" else h
                h = act(src[t] @ w_ih.T + prev @ w_hh.T + b)
                states.append(h)
                if mistake in ("detached", "detached_last_kept"):
                    h = h.detach()
            layer_out = torch.stack(states)
            first_out = layer_out if k == 0 else first_out
            layer_in = layer_out
            # A detaching loop usually hands on its detached h as the final state too.
            finals.append(states[-1] if mistake == "detached_last_kept" else h)
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
        ref = run_rnn(case, inputs, key, grads=grads)
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