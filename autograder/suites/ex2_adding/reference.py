"""Exercise 2, grader side: held-out data the grader makes itself, and feedback helpers."""
from __future__ import annotations


import numpy as np

from autograder.grading import pictures

BASELINE_MSE = 1 / 6  # Var(U1 + U2) for U ~ U(0, 1): the constant predictor 1.0's MSE


def heldout_data(n: int, seq_len: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Adding problems from the grader's own generator (never the student's code)."""
    rng = np.random.default_rng(seed)
    half = seq_len // 2
    values = rng.random((n, seq_len))
    mask = np.zeros((n, seq_len))
    rows = np.arange(n)
    mask[rows, rng.integers(0, half, n)] = 1
    mask[rows, rng.integers(half, seq_len, n)] = 1
    return np.stack([values, mask], axis=-1).astype(np.float32), (values * mask).sum(1, keepdims=True)


def learning_curve(losses: np.ndarray, points: int = 10) -> str:
    """The loss, averaged over tenths of training, against the baseline: one line of text."""
    if len(losses) == 0:
        return "learning curve: train_adding returned no losses"
    chunks = np.array_split(np.asarray(losses, dtype=float), min(points, len(losses)))
    means = " ".join(f"{np.mean(c):.4f}" for c in chunks)
    return f"learning curve (mean training loss per tenth of training): {means}; baseline {BASELINE_MSE:.4f}"


def curves_text(curves: dict[str, np.ndarray]) -> str:
    """What curves_png draws, in its numbers: each model's training loss over the first and the last tenth of
    its steps, against the constant predictor's 1/6 (the picture's text alternative)."""
    said = []
    for label, losses in curves.items():
        losses = np.asarray(losses, dtype=float)
        if len(losses) == 0:
            said.append(f"{label}: no losses")
            continue
        tenth = max(1, len(losses) // 10)
        first, last = losses[:tenth].mean(), losses[-tenth:].mean()
        where = "below" if last < BASELINE_MSE else "at or above"
        said.append(f"{label}: {first:.4f} over the first tenth of its {len(losses)} steps, {last:.4f} over the "
                    f"last ({where} the baseline)")
    return ("Training loss (MSE, log scale) per step on the adding problem at T=50, with the constant predictor's "
            f"{BASELINE_MSE:.4f} as a dashed line. " + "; ".join(said) + ".")


def curves_png(curves: dict[str, np.ndarray]) -> bytes:
    """Training-loss curves against the constant baseline, as a small PNG."""
    fig, ax = pictures.figure(pictures.WIDTH_IN, 4.5)
    for label, losses in curves.items():
        ax.plot(np.asarray(losses, dtype=float), label=label, linewidth=1)
    ax.axhline(BASELINE_MSE, color="grey", linestyle="--", label="constant predictor (1/6)")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("training MSE")
    ax.set_title("Adding problem, T=50")
    ax.legend()
    return pictures.png(fig)
