"""Exercise 2, hidden checks: seeding, coverage, the baseline, the recurrent module, and training.

Not shipped to students. Points, visibility, time limits and the training budget
and thresholds are in course.yaml (ex2_adding.params).
"""
import numpy as np

from autograder.grading.checking import fail
from autograder.sandbox.failures import StudentFailure

from .reference import BASELINE_MSE, curves_png, curves_text, heldout_data, learning_curve
from .test_public import data, models

MODULE_NAMES = {"rnn": "nn.RNN", "lstm": "nn.LSTM", "gru": "nn.GRU"}


def test_data_seeded(student):
    """The same generator seed gives the same data; different seeds give different data."""
    a, b, c = data(student, 200, 20, seed=1), data(student, 200, 20, seed=1), data(student, 200, 20, seed=2)
    if not (np.array_equal(a["x"], b["x"]) and np.array_equal(a["y"], b["y"])):
        fail("two calls with generators seeded alike gave different data: draw every random number "
             "from `generator` (torch.rand(..., generator=generator), torch.randint(..., generator=generator))")
    if np.array_equal(a["x"], c["x"]):
        fail("generators with different seeds gave the same data: is `generator` ignored?")
    data(student, 10, 20, seed=None)  # and it works without one


def test_data_positions_cover_halves(student):
    """Over many sequences every position of each half gets marked (at least a quarter as often as uniform)."""
    n, seq_len = 4000, 20
    mask = data(student, n, seq_len, seed=3)["x"][..., 1]
    counts = mask.sum(0)
    expected = n / (seq_len // 2)
    rare = [int(t) for t in np.flatnonzero(counts < expected / 4)]
    if rare:
        fail(f"over {n} sequences of length {seq_len}, positions {rare} were marked "
             f"{[int(counts[t]) for t in rare]} times; each should be marked about {expected:.0f} times "
             "(sample each mark's position across its whole half)")


def test_constant_baseline(student):
    """The best constant predictor's MSE on the student's data is 1/6, the variance of U1 + U2."""
    y = np.ravel(data(student, 20000, 20, seed=4)["y"])
    mse = float(np.mean((y - y.mean()) ** 2))
    # The estimate's standard error over 20000 targets is 0.0014; ±0.01 is 7 of them.
    if abs(mse - BASELINE_MSE) > 0.01:
        fail(f"predicting the mean target ({y.mean():.3f}) for every sequence of your data gives an MSE of "
             f"{mse:.4f}, but for the sum of two U(0, 1) values it is exactly 1/6 = {BASELINE_MSE:.4f} "
             "(papers often quote 0.1767). Check the values and the targets.")


def test_model_modules(student):
    """cell="rnn", "lstm", "gru" builds a recurrent cell of that kind: torch's nn.RNN, nn.LSTM, nn.GRU,
    or the student's own, recognised by its gates (an LSTM has 4 weight sets per unit, a GRU 3, an RNN 1)."""
    got, failed = models(student, np.random.default_rng(2).random((2, 5, 2)))
    for cell, failure in failed.items():
        fail(f"AddingModel(cell={cell!r}) should build a model with {MODULE_NAMES[cell]} (or a {cell} of your "
             f"own), but it fails: {failure}")
    for cell, name in MODULE_NAMES.items():
        found = got[cell]["modules"]
        if found and found != [cell]:
            have = ", ".join(MODULE_NAMES[f] for f in found)
            fail(f"AddingModel(cell={cell!r}) should use {name}, but it contains {have} (is `cell` ignored?)")
    own = [cell for cell in MODULE_NAMES if not got[cell]["modules"]]
    if own:  # cells written from scratch: their sizes must grow with their gates, rnn < gru < lstm
        sizes = {cell: got[cell]["n_params"] for cell in MODULE_NAMES}
        if not sizes["rnn"] < sizes["gru"] < sizes["lstm"]:
            fail(f"AddingModel(cell=...) has {sizes['rnn']} (rnn), {sizes['gru']} (gru) and {sizes['lstm']} (lstm) "
                 f"parameters, and {', '.join(repr(c) for c in own)} use no nn.RNN, nn.LSTM or nn.GRU. A cell of "
                 "each kind has 1, 3 and 4 sets of gate weights, so the sizes should grow in that order "
                 "(is `cell` ignored?)")


def _builds_a_vanilla_rnn(student) -> bool:
    """Whether AddingModel(cell='rnn') builds with an nn.RNN, or with a recurrent cell of the student's own (no
    torch module: its kind is model_modules' to judge by its size). False where another kind of cell was built
    (model_modules' to charge). Where cell='rnn' fails, there is no vanilla RNN to show the lesson with: the check
    fails, saying so (where no cell builds, a stub or an import that fails, with that failure as it is)."""
    x = np.zeros((1, 3, 2))
    try:
        found = student.call("model", cell="rnn", x=x)["modules"]
    except StudentFailure as failure:
        student.call("model", cell="lstm", x=x)  # a model that builds no cell at all fails here, as it should
        fail("the lesson's contrast needs a vanilla RNN, but AddingModel(cell='rnn') fails, so there is none to "
             f"train: {failure.message}")
    return found in ([], ["rnn"])


def trained_mse(student, params, memo, cell):
    """Train AddingModel(cell) with the student's train_adding; held-out MSE and the losses (memoised)."""
    if cell not in memo:
        train = params["train"]
        x_eval, y_eval = heldout_data(params["heldout_size"], train["seq_len"], params["heldout_seed"])
        got = student.call("train", cell=cell, x_eval=x_eval, **train)
        pred = got["predictions"]
        if np.shape(pred) != np.shape(y_eval) or not np.all(np.isfinite(pred)):
            fail(f"after training, AddingModel(cell={cell!r}) returned predictions of shape {np.shape(pred)}"
                 f"{'' if np.all(np.isfinite(pred)) else ' with NaN or inf'}; expected {np.shape(y_eval)}")
        memo[cell] = (float(np.mean((pred - y_eval) ** 2)), got["losses"])
    return memo[cell]


def _stalled(losses) -> str:
    """A hint when the training loss of the last tenth is not even 10% below the first tenth's."""
    tenth = max(1, len(losses) // 10)
    if len(losses) > 1 and losses[-tenth:].mean() > 0.9 * losses[:tenth].mean():
        return ("The training loss did not move: does train_adding call loss.backward() and optimizer.step() "
                "every step (and optimizer.zero_grad())?")
    return ""


def test_lstm_learns(student, params, memo):
    """An LSTM trained with the student's train_adding at T=50 reaches a held-out MSE far below 1/6."""
    mse, losses = trained_mse(student, params, memo, "lstm")
    student.attach_png(curves_png({"LSTM": losses}), curves_text({"LSTM": losses}))
    train = params["train"]
    # Judged by what the model learned (held-out MSE); the loss list only explains a failure.
    count = "" if len(losses) == train["steps"] else \
        f"(Also: train_adding(steps={train['steps']}) returned {len(losses)} losses; expected one per step.)"
    if mse > params["lstm_mse_max"]:
        fail("\n".join(m for m in [
            f"after training AddingModel(cell='lstm') with train_adding(seq_len={train['seq_len']}, "
            f"steps={train['steps']}, lr={train['lr']}), the MSE on the grader's held-out problems is {mse:.4f}; "
            f"it must be below {params['lstm_mse_max']} (the constant predictor gets {BASELINE_MSE:.4f}; "
            "a correct LSTM reaches about 0.0002)",
            learning_curve(losses), _stalled(losses), count] if m))


def test_vanilla_rnn_forgets(student, params, memo):
    """The lessons' point: at T=50 a vanilla RNN stays near the baseline while an LSTM solves the task.
    Judged where cell='rnn' builds a vanilla RNN: a cell='rnn' that builds another kind of cell is
    test_model_modules' to charge; one that fails leaves nothing to demonstrate, and fails here too."""
    if not _builds_a_vanilla_rnn(student):
        return
    rnn_mse, rnn_losses = trained_mse(student, params, memo, "rnn")
    lstm_mse, lstm_losses = trained_mse(student, params, memo, "lstm")
    curves = {"vanilla RNN": rnn_losses, "LSTM": lstm_losses}
    student.attach_png(curves_png(curves), curves_text(curves))
    curves = f"RNN {learning_curve(rnn_losses)}\nLSTM {learning_curve(lstm_losses)}"
    if lstm_mse > params["lstm_mse_max"]:
        fail(f"the LSTM did not solve the task (held-out MSE {lstm_mse:.4f}), so there is no contrast to show.\n"
             + curves)
    if rnn_mse < params["rnn_mse_min"]:
        fail(f"with cell='rnn' the model reached a held-out MSE of {rnn_mse:.4f}; a vanilla nn.RNN with this budget "
             f"stays near the baseline {BASELINE_MSE:.4f} (above {params['rnn_mse_min']}). Does cell='rnn' really "
             "build an nn.RNN?\n" + curves)
