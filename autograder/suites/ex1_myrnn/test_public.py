"""Exercise 1, public checks: the lessons' worked examples and a first comparison with nn.RNN.

Students run these themselves:  python -m autograder check ex1_myrnn
Points, visibility and time limits are in course.yaml.
"""
import numpy as np
import torch

from autograder.grading.checking import close, expect_close, expect_shape, fail

from .oracle import ALIASED, CASES, check_cases, every_step_the_last, run_forward, sentiment

# Lesson 001: n=2, d=1, two steps.
W_H = np.array([[0.5, 0.2], [0.3, 0.6]])
W_X = np.array([[0.8], [0.4]])
B = np.array([0.1, 0.1])
LESSON_H2 = np.array([-0.090, 0.389])  # printed by the lesson, after rounding h_1

# Lesson 002: "I love this movie", input 2, hidden 3, zero biases.
W_XH = np.array([[0.5, -0.3], [0.2, 0.7], [-0.1, 0.4]])
W_HH = np.array([[0.1, 0.4, -0.2], [-0.3, 0.2, 0.5], [0.3, -0.1, 0.1]])
EMBEDDINGS = np.array([[1.0, 0.0], [0.5, 0.8], [0.3, 0.7], [0.9, 0.1]])
W_HY, B_Y = np.array([[0.6, -0.4, 0.3]]), np.array([0.1])


def lesson_001_states():
    """h_1 and h_2 of lesson 001, recomputed exactly (no rounding between steps)."""
    h1 = np.tanh(W_X @ [2.0] + B)
    h2 = np.tanh(W_H @ h1 + W_X @ [-1.0] + B)
    return h1, h2


def lesson_002_states():
    h, states = np.zeros(3), []
    for x in EMBEDDINGS:
        h = np.tanh(W_XH @ x + W_HH @ h)
        states.append(h)
    return np.array(states)


def _cell_mistakes(x, h, w_xh, w_hh, b):
    return {
        "W_hh is used transposed (h_prev @ W_hh instead of h_prev @ W_hh.T)": np.tanh(x @ w_xh.T + h @ w_hh + b),
        "W_xh is used transposed": np.tanh(x @ w_xh + h @ w_hh.T + b) if w_xh.shape[0] == w_xh.shape[1] else None,
        "the bias b is missing": np.tanh(x @ w_xh.T + h @ w_hh.T),
        "tanh is missing": x @ w_xh.T + h @ w_hh.T + b,
        "ReLU is used instead of tanh": np.maximum(x @ w_xh.T + h @ w_hh.T + b, 0),
        "sigmoid is used instead of tanh": 1 / (1 + np.exp(-(x @ w_xh.T + h @ w_hh.T + b))),
        "h_prev is ignored": np.tanh(x @ w_xh.T + b),
    }


def fmt_shapes(shapes: dict) -> str:
    return ", ".join(f"{n} {s}" for n, s in shapes.items())


def test_rnn_cell_shape(student):
    """Lesson 000: batch 3, input 4, hidden 8 gives h_t of shape (3, 8)."""
    rng = np.random.default_rng(0)
    h = student.call("rnn_cell", x_t=rng.normal(size=(3, 4)), h_prev=np.zeros((3, 8)),
                     W_xh=rng.normal(size=(8, 4)) * 0.01, W_hh=rng.normal(size=(8, 8)) * 0.01, b=np.zeros(8))
    expect_shape(h, (3, 8), "rnn_cell(x_t (3, 4), h_prev (3, 8), W_xh (8, 4), W_hh (8, 8), b (8,))",
                 hint="Rows are batch items: x_t @ W_xh.T has shape (3, 8).")


def test_rnn_cell_values(student):
    """rnn_cell computes tanh(x_t W_xh^T + h_prev W_hh^T + b) on random inputs."""
    rng = np.random.default_rng(1)
    for d in (3, 4):  # d == n makes a transposed W_xh visible too
        x, h = rng.normal(size=(5, d)), rng.uniform(-1, 1, (5, 4))
        w_xh, w_hh, b = rng.uniform(-0.8, 0.8, (4, d)), rng.uniform(-0.8, 0.8, (4, 4)), rng.uniform(-0.5, 0.5, 4)
        got = student.call("rnn_cell", x_t=x, h_prev=h, W_xh=w_xh, W_hh=w_hh, b=b)
        want = np.tanh(x @ w_xh.T + h @ w_hh.T + b)

        def explain(actual, args=(x, h, w_xh, w_hh, b)):
            hits = [k for k, v in _cell_mistakes(*args).items() if v is not None and close(actual, v)]
            return ["This matches a known mistake: " + "; or ".join(hits) + "."] if hits else []
        expect_close(got, want, "rnn_cell's h_t", context=f"batch 5, input {d}, hidden 4", explain=explain)


def test_worked_example_two_steps(student):
    """Lesson 001: inputs 2.0 then -1.0 give h_1 = [0.9354, 0.7163], h_2 = [-0.0888, 0.3888]."""
    h1, h2 = lesson_001_states()
    note = ("Note: the lesson prints h_2 = [-0.090, 0.389] because it rounds h_1 to three decimals before "
            "step 2. The exact value, which the grader expects, is [-0.0888, 0.3888].")

    def rounded(h_2) -> bool:  # the note is for a student who reproduced the lesson's rounding, no one else
        return np.shape(h_2) == np.shape(LESSON_H2) and close(h_2, LESSON_H2, atol=1.5e-3)

    def explain(actual):
        return ["Your h_2 matches the lesson's rounded value. " + note] if rounded(actual) else []

    got1 = student.call("rnn_cell", x_t=[[2.0]], h_prev=[[0.0, 0.0]], W_xh=W_X, W_hh=W_H, b=B)
    expect_close(got1, h1[None], "rnn_cell's h_1", context="lesson 001, step 1, x_1 = 2.0")
    got2 = student.call("rnn_cell", x_t=[[-1.0]], h_prev=h1[None], W_xh=W_X, W_hh=W_H, b=B)
    expect_close(got2[0] if np.ndim(got2) == 2 else got2, h2, "rnn_cell's h_2",
                 context="lesson 001, step 2, x_2 = -1.0", explain=explain)
    state = {"weight_ih_l0": W_X, "weight_hh_l0": W_H, "bias_ih_l0": B, "bias_hh_l0": np.zeros(2)}
    got = run_forward(student, config={"input_size": 1, "hidden_size": 2}, x=[[[2.0]], [[-1.0]]], state=state)
    want = np.stack([h1, h2])[:, None, :]
    expect_close(got["output"], want, "MyRNN's output",
                 context="lesson 001 as MyRNN(1, 2) on x of shape (2, 1, 1), bias_hh_l0 = 0",
                 explain=lambda a: (["Your h_2 matches the lesson's rounded value. " + note]
                                    if np.shape(a) == (2, 1, 2) and rounded(a[1, 0]) else [])
                 + ([f"Your output: {ALIASED}."] if every_step_the_last(a, want) else []))


def test_worked_example_sentiment(student):
    """Lesson 002: SentimentRNN(2, 3, 1) has 25 parameters; "I love this movie" gives the lesson's hidden
    states, logit 0.2318, sigmoid 0.5577."""
    info, _ = sentiment(student, sizes=[2, 3, 1], x=EMBEDDINGS[None])
    if info["n_parameters"] != 25:
        fail(f"SentimentRNN(2, 3, 1) has {info['n_parameters']} parameters, expected 25 "
             "(21 in the RNN + 4 in fc), as in lesson 002")
    states = lesson_002_states()
    logit = W_HY @ states[-1] + B_Y
    state = {"rnn.weight_ih_l0": W_XH, "rnn.weight_hh_l0": W_HH, "rnn.bias_ih_l0": np.zeros(3),
             "rnn.bias_hh_l0": np.zeros(3), "fc.weight": W_HY, "fc.bias": B_Y}
    got, atol = sentiment(student, sizes=[2, 3, 1], x=EMBEDDINGS[None], state=state)
    if "hidden_states" in got:
        expect_close(got["hidden_states"], states[None], "the hidden states of SentimentRNN.rnn", atol=atol,
                     context="lesson 002, 'I love this movie'")
    logits = got["logits"]
    if np.size(logits) == 1:  # the values are judged here; a squeezed shape is sentiment_rnn's to charge
        logits = np.reshape(logits, (1, 1))
    expect_close(logits, logit[None], "SentimentRNN's logit", atol=atol,
                 context="lesson 002: expected 0.2318, sigmoid 0.5577")
    prob = 1 / (1 + np.exp(-got["logits"].item()))
    if abs(prob - 0.5577) > 5e-5:
        fail(f"sigmoid(logit) = {prob:.4f}, expected 0.5577")


def test_parameter_names_and_counts(student):
    """MyRNN's parameters named and shaped like nn.RNN's; 21 for MyRNN(2, 3). (SentimentRNN's 25 are
    worked_example_sentiment's: this check follows MyRNN's constructor in the notebook, before SentimentRNN.)"""
    for config in ({"input_size": 2, "hidden_size": 3},
                   {"input_size": 2, "hidden_size": 3, "num_layers": 2, "bias": False}):
        want = {n: tuple(p.shape) for n, p in torch.nn.RNN(**config).named_parameters()}
        got = {n: tuple(np.shape(p)) for n, p in student.call("parameters", config=config)["parameters"].items()}
        if got != want:
            missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
            wrong = sorted(n for n in set(want) & set(got) if want[n] != got[n])
            parts = [f"MyRNN({', '.join(f'{k}={v}' for k, v in config.items())}) should have nn.RNN's "
                     f"parameters {fmt_shapes(want)}"]
            if missing:
                parts.append(f"missing: {', '.join(missing)} (register them as nn.Parameter attributes)")
            if extra:
                parts.append(f"unexpected: {', '.join(extra)}")
            if wrong:
                parts.append("wrong shape: " + ", ".join(f"{n} is {got[n]}, expected {want[n]}" for n in wrong))
            fail("; ".join(parts) + ".")
    count = sum(int(np.prod(np.shape(p))) for p in
                student.call("parameters", config={"input_size": 2, "hidden_size": 3})["parameters"].values())
    if count != 21:
        fail(f"MyRNN(2, 3) has {count} parameters, expected 21 (6 + 9 + 3 + 3) as in lesson 002")


def test_matches_nn_rnn(student):
    """One-layer MyRNN with nn.RNN's weights loaded gives nn.RNN's output and h_n (float64); then a smoke test
    of each feature the hidden checks judge (notes, no points here)."""
    check_cases(student, CASES["basic"])
    for note in smoke_hidden_features(student):
        student.note(note)


# Smoke tests of what the hidden checks judge: stacked layers' h_n, batch_first, unbatched input, gradients.
# Each compares the student's MyRNN with its own runs (never with nn.RNN's values, which stay hidden), and
# costs no point here: a failure is a note under the exercise that names the hidden check that charges it,
# so a mistake worth many points shows while the student can still fix it.
SMOKE_CONFIG = {"input_size": 3, "hidden_size": 4, "num_layers": 2}
SMOKE_X = np.random.default_rng(5).normal(size=(4, 2, 3))   # (T, B, d)


def smoke_hidden_features(student) -> list[str]:
    from autograder.sandbox.failures import StudentFailure

    notes = []

    def said(feature: str, check: str, what: str) -> None:
        notes.append(f"Smoke test of {feature} (the hidden check {check} judges it): {what}")

    def run(feature, check, **args):
        try:
            return student.call("run", **args)
        except StudentFailure as failure:
            said(feature, check, f"it raised: {failure.message.splitlines()[0][:300]}")
            return None

    try:
        state = student.call("parameters", config=SMOKE_CONFIG)["state_dict"]
    except StudentFailure:
        return notes   # MyRNN(num_layers=2) cannot be built: parameter_names_and_counts says so
    T, B, _ = SMOKE_X.shape
    L, H = SMOKE_CONFIG["num_layers"], SMOKE_CONFIG["hidden_size"]
    # h_0 given, in the input's dtype: a default h_0 in another dtype is initial_state's, and already said
    h0 = np.random.default_rng(6).uniform(-0.5, 0.5, (L, B, H))
    plain = run("stacked layers", "stacked_layers", config=SMOKE_CONFIG, x=SMOKE_X, h0=h0, state=state)
    if plain is None:
        return notes
    out, h_n = plain["output"], plain["h_n"]
    if np.shape(h_n) != (L, B, H) or np.shape(out) != (T, B, H):
        said("stacked layers", "stacked_layers", f"MyRNN(3, 4, num_layers=2) on x of shape {SMOKE_X.shape} returned "
             f"output {np.shape(out)} and h_n {np.shape(h_n)}; expected {(T, B, H)} and {(L, B, H)}")
        return notes
    if not close(h_n[-1], out[-1]):
        said("stacked layers", "stacked_layers", "h_n[-1] is not the last layer's output at the last step")
    if close(h_n[0], h_n[1]):
        said("stacked layers", "stacked_layers", "h_n holds the same state for both layers: h_n[0] should be the "
             "first layer's final state, h_n[1] the second's")
    first = run("batch_first", "batch_first", config={**SMOKE_CONFIG, "batch_first": True},
                x=SMOKE_X.transpose(1, 0, 2), h0=h0, state=state)
    if first is not None and not (close(first["output"], out.transpose(1, 0, 2)) and close(first["h_n"], h_n)):
        said("batch_first", "batch_first", "with batch_first=True and the same weights, the output is not the "
             "(batch, time, hidden) layout of the same run, or h_n changed (h_n stays (layers, batch, hidden))")
    one = run("unbatched input", "unbatched", config=SMOKE_CONFIG, x=SMOKE_X[:, 0], h0=h0[:, 0], state=state)
    if one is not None and not (close(one["output"], out[:, 0]) and close(one["h_n"], h_n[:, 0])):
        said("unbatched input", "unbatched", f"on x of shape {SMOKE_X[:, 0].shape} (no batch axis) the result "
             f"(output {np.shape(one['output'])}, h_n {np.shape(one['h_n'])}) is not the batched run of that "
             f"sequence without its batch axis ({(T, H)} and {(L, H)})")
    try:
        got = student.call("gradient_consistency", config=SMOKE_CONFIG, x=SMOKE_X, h0=h0, state=state)
    except StudentFailure as failure:
        said("gradients", "gradients", f"backpropagating through MyRNN failed: {failure.message.splitlines()[0][:300]}")
        return notes
    tolerance = 1e-2 if got.get("dtype") == "float32" else 1e-6   # the hidden check's: what rounding allows
    cut = sorted(n for n, (analytic, numeric) in got["derivatives"].items()
                 if abs((analytic or 0.0) - numeric) > tolerance * max(1.0, abs(numeric)))
    if cut:
        said("gradients", "gradients", f"autograd's gradient disagrees with the change of your own output for "
             f"{', '.join(cut)}: is the graph cut (.detach(), .data, numpy) on the way?")
    return notes

