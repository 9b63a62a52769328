"""Exercise 2's lesson, from the student's own code: the LSTM solves the adding problem at T=50, the vanilla
RNN stays at the baseline 1/6.

``python -m autograder check ex2_adding`` trains the student's ``AddingModel(cell="lstm")`` and
``AddingModel(cell="rnn")`` with their ``train_adding`` at the grader's budget (course.yaml's
``params.train``), measures both on 500 new problems from their own ``make_adding_data`` (not the
grader's held-out set), and draws the two learning curves against the constant predictor's 1/6.
See autograder/grading/lessons.py.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import pictures
from autograder.grading.lessons import Lesson

SHOWS = """The learning curves of your own LSTM and vanilla RNN: both trained with your `train_adding` at the
grader's budget (below), measured on 500 new problems from your `make_adding_data`, against the constant
predictor's MSE of 1/6. The lesson's point, from your code: the LSTM solves the adding problem at T=50,
the vanilla RNN stays at the baseline."""
RUNNING = "training your LSTM and your vanilla RNN at the grader's budget"
BASELINE = 1 / 6        # the constant predictor 1.0: Var(U1 + U2) for U ~ U(0, 1)
NEW_PROBLEMS, NEW_SEED = 500, 4242   # the picture's own problems (the grader's held-out set stays with it)
CELLS = (("lstm", "LSTM"), ("rnn", "vanilla RNN"))


def smoothed(losses: np.ndarray, width: int = 50) -> np.ndarray:
    """The training loss averaged over ``width`` steps (a curve one can read; each step's is noisy)."""
    width = max(1, min(width, len(losses)))
    return np.convolve(losses, np.ones(width) / width, mode="valid")


def lesson(student, exercise, params) -> Lesson:
    train = params["train"]
    data = student.call("data", n_samples=NEW_PROBLEMS, seq_len=train["seq_len"], seed=NEW_SEED)
    losses, mse = {}, {}
    for cell, label in CELLS:
        got = student.call("train", cell=cell, x_eval=data["x"], **train)
        losses[label] = np.asarray(got["losses"], dtype=float)
        mse[label] = float(np.mean((np.asarray(got["predictions"]) - np.asarray(data["y"])) ** 2))
    budget = (f"T={train['seq_len']}, {train['steps']} steps of {train['batch_size']}, lr {train['lr']}, "
              f"hidden size {train['hidden_size']}")
    fig, ax = pictures.figure(pictures.WIDTH_IN, 4.5)
    for label, curve in losses.items():
        if len(curve):
            ax.plot(np.arange(len(smoothed(curve))), smoothed(curve), linewidth=1.5,
                    label=f"your {label} (MSE on new problems {mse[label]:.4f})")
    ax.axhline(BASELINE, color="black", linestyle="--", label="constant prediction 1.0 (MSE 1/6)")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("training MSE (mean of 50 steps, log scale)")
    ax.set_title(f"The adding problem: {budget}")
    ax.legend()
    lines = []
    for label, curve in losses.items():
        tenth = max(1, len(curve) // 10)
        start, end = (curve[:tenth].mean(), curve[-tenth:].mean()) if len(curve) else (float("nan"),) * 2
        lines.append(f"Your {label}: training MSE {start:.4f} in the first tenth of training, {end:.4f} in the "
                     f"last; MSE on {NEW_PROBLEMS} new problems {mse[label]:.4f}, {mse[label] / BASELINE:.3g} times "
                     f"the baseline 1/6 = {BASELINE:.4f}.")
    lstm, rnn = mse["LSTM"], mse["vanilla RNN"]
    if lstm < BASELINE / 10 and rnn > BASELINE / 2:
        lines.append("As the lesson says: the LSTM's cell state carries the two marked values across "
                     f"{train['seq_len']} steps, while the vanilla RNN's gradient fades over them and it "
                     "predicts about the average, 1.0.")
    elif lstm >= BASELINE / 10:
        lines.append("Your LSTM did not get far below the baseline: look at its curve. Does train_adding call "
                     "zero_grad, backward and step every step, and does the model read the last time step?")
    return Lesson("learning_curves", "learning curves of your LSTM and vanilla RNN", pictures.png(fig),
                  " ".join(lines))
