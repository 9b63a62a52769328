"""Exercise 2, grader side: held-out data the grader makes itself, and feedback helpers."""
from __future__ import annotations

import numpy as np

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
