"""Exercise 3's lesson, from the student's own code: how well their classifier tells the languages apart, and
which it confuses.

``python -m autograder check ex3_names`` splits the shipped names with the student's ``split_names`` (a seed
of its own: the grader's held-out split stays with it), trains their ``NameClassifier`` with their
``train_names`` at the grader's settings, classifies every held-out name with their ``predict`` and draws the
confusion matrix, with each language's accuracy. See autograder/grading/lessons.py.
"""
from __future__ import annotations

import numpy as np

from autograder.grading import pictures
from autograder.grading.lessons import Lesson

from .oracle import kit_names

SHOWS = """The per-language accuracy and the confusion matrix of your own classifier: the shipped names split
by your `split_names`, your `NameClassifier` trained by your `train_names` at the grader's settings (below),
every held-out name classified by your `predict`. As in PyTorch's "Classifying Names" tutorial, the
matrix shows which languages your model mixes up."""
RUNNING = "training your name classifier at the grader's settings"
SPLIT_SEED = 3   # the picture's own split (the grader's held-out one stays with it)


def counts_by_pair(truth: np.ndarray, guessed: np.ndarray, n: int) -> np.ndarray:
    """rows: the true language, columns: the guessed one; each cell a count of names."""
    table = np.zeros((n, n), dtype=int)
    for t, g in zip(truth, guessed):
        table[t, g] += 1
    return table


def lesson(student, exercise, params) -> Lesson:
    data = kit_names(exercise)
    split = student.call("split", data=data, test_fraction=params["test_fraction"], seed=SPLIT_SEED)
    languages = sorted(split["train"])
    test = [(name, languages.index(lang)) for lang in languages for name in split["test"].get(lang, [])]
    got = student.call("train", train=split["train"], test_names=[n for n, _ in test],
                       hidden=params["hidden_size"], epochs=params["epochs"])
    truth, guessed = np.array([i for _, i in test]), np.asarray(got["predicted"], dtype=int)
    table = counts_by_pair(truth, np.clip(guessed, 0, len(languages) - 1), len(languages))
    per_language = table.diagonal() / np.maximum(table.sum(axis=1), 1)
    overall = float(table.diagonal().sum() / max(table.sum(), 1))
    shares = table / np.maximum(table.sum(axis=1, keepdims=True), 1)
    fig, ax = pictures.figure(pictures.WIDTH_IN, 7.0)
    shown = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(languages)), languages, rotation=90)
    ax.set_yticks(range(len(languages)), [f"{lang} ({100 * a:.0f}%)" for lang, a in zip(languages, per_language)])
    ax.set_xlabel("guessed language")
    ax.set_ylabel("true language (its accuracy)")
    ax.set_title(f"Your classifier on {len(truth)} held-out names: accuracy {100 * overall:.1f}%")
    fig.colorbar(shown, ax=ax, label="share of the true language's names")
    off = [(shares[i, j], languages[i], languages[j]) for i in range(len(languages)) for j in range(len(languages))
           if i != j and table[i, j]]
    confused = ", ".join(f"{a} taken for {b} ({100 * s:.0f}%)" for s, a, b in sorted(off, reverse=True)[:3])
    best, worst = int(np.argmax(per_language)), int(np.argmin(per_language))
    text = (f"Your classifier names the language of {100 * overall:.1f}% of {len(truth)} held-out names "
            f"(guessing the largest language would give {100 * table.sum(axis=1).max() / max(table.sum(), 1):.1f}%). "
            f"Best: {languages[best]} {100 * per_language[best]:.0f}%; worst: {languages[worst]} "
            f"{100 * per_language[worst]:.0f}%. Most confused: {confused or 'none'}.")
    return Lesson("confusion_matrix", "your classifier's confusion matrix", pictures.png(fig), text)
