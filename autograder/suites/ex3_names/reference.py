"""Exercise 3, instructor side: the held-out split, and the feedback pictures. Never shipped to students."""
from __future__ import annotations

import random

import numpy as np

from autograder.grading import pictures


def heldout_split(data: dict[str, list[str]], test_fraction: float, seed: int):
    """The grader's own stratified split: each distinct name goes wholly to one side."""
    rng = random.Random(seed)
    test = set()
    for language in sorted(data):
        distinct = sorted(set(data[language]))
        rng.shuffle(distinct)
        test.update(distinct[: round(len(distinct) * test_fraction)])
    train = {lang: [n for n in names if n not in test] for lang, names in data.items()}
    held = {lang: [n for n in names if n in test] for lang, names in data.items()}
    return train, held


def confusion(truth: np.ndarray, predicted: np.ndarray, n: int) -> np.ndarray:
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def most_confused(matrix: np.ndarray, categories: list[str], top: int = 5) -> str:
    off = [(matrix[i, j], categories[i], categories[j]) for i in range(len(categories))
           for j in range(len(categories)) if i != j and matrix[i, j]]
    off.sort(reverse=True)
    return "; ".join(f"{a} taken for {b} ({c} times)" for c, a, b in off[:top]) or "none"


def confusion_text(matrix: np.ndarray, categories: list[str]) -> str:
    """What confusion_png draws, in its numbers: the accuracy, the best and worst recognised languages and the
    most confused pairs (the picture's text alternative)."""
    totals = matrix.sum(1)
    accuracy = np.trace(matrix) / max(totals.sum(), 1)
    rates = {c: matrix[i, i] / totals[i] for i, c in enumerate(categories) if totals[i]}
    ranked = sorted(rates, key=lambda c: (-rates[c], c))
    best = ", ".join(f"{c} {rates[c]:.0%}" for c in ranked[:3])
    worst = ", ".join(f"{c} {rates[c]:.0%}" for c in ranked[::-1][:3])
    return (f"Confusion matrix of {totals.sum()} held-out names in {len(categories)} languages (rows: the true "
            f"language, columns: the predicted one; shade: the share of the row). {accuracy:.0%} named right. "
            f"Best recognised: {best}. Worst: {worst}. Most confused: {most_confused(matrix, categories, 3)}.")


def confusion_png(matrix: np.ndarray, categories: list[str]) -> bytes:
    rates = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    fig, ax = pictures.figure(pictures.WIDTH_IN, 7)
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(categories)), categories, rotation=90)
    ax.set_yticks(range(len(categories)), categories)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true language")
    ax.set_title("Confusion matrix (share of each true language)")
    fig.colorbar(image, ax=ax)
    return pictures.png(fig)
