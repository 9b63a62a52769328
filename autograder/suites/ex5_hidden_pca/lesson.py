"""Exercise 5's lesson, from the student's own code: their PCA picture of a trained sentiment RNN's hidden states.

``python -m autograder check ex5_hidden_pca`` runs the student's ``collect_hidden_states`` on the kit's
trained model (the public checks' model, course.yaml's public params), their ``pca`` on every real hidden
state of 300 sentences the model never saw, and their ``plot_hidden_states``: the picture is their own
figure. The text says what it shows in numbers: each component's share of the variance, how well PC1
separates the sentences' final states by sentiment (AUC), and how PC1 and PC2 follow the position.
See autograder/grading/lessons.py.
"""
from __future__ import annotations

import numpy as np

from autograder.grading.lessons import Lesson

from .oracle import eval_set, model_payload, trained_model

SHOWS = """Your own PCA picture of a trained sentiment RNN: your `collect_hidden_states` and `pca` on the kit's
trained model (below) and 300 sentences it never saw, drawn by your `plot_hidden_states`, with how much
variance PC1 and PC2 carry and how well PC1 separates positive from negative sentences."""
RUNNING = "running your collect_hidden_states, pca and plot_hidden_states on the kit's trained model"
SENTENCES, SEED = 300, 31   # the picture's own sentences (the hidden checks' stay with the instructor)


def separation(scores: np.ndarray, labels: np.ndarray) -> float:
    """How well ``scores`` order positives above negatives (0.5: not at all, 1: fully), either direction."""
    ranks = np.argsort(np.argsort(scores)) + 1.0
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    value = (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(max(value, 1 - value))


def lesson(student, exercise, params) -> Lesson:
    model = trained_model(exercise, params["train_size"], params["epochs"], params["seed"])
    tokens, labels, positions = eval_set(exercise, SENTENCES, seed=SEED)
    states = np.asarray(student.call("collect", tokens=tokens, **model_payload(exercise, model)))
    real = positions >= 0
    got = student.call("pca", X=states[real], k=2)
    projected, ratio = np.asarray(got["projected"]), np.asarray(got["ratio"])
    point_labels = np.broadcast_to(labels[:, None], positions.shape)[real]
    drawn = student.call("plot", projected=projected, labels=point_labels, positions=positions[real])
    # each sentence's final state: states[real] runs row by row, so a row's last is at its cumulative count
    counts = real.sum(axis=1)
    last = np.cumsum(counts)[counts > 0] - 1
    final_auc = separation(projected[last, 0], labels[counts > 0])
    follows = [abs(float(np.corrcoef(projected[:, i], positions[real])[0, 1])) for i in range(2)]
    text = (f"Your PCA of {int(real.sum())} hidden states from {SENTENCES} sentences the model never saw: PC1 "
            f"explains {100 * ratio[0]:.1f}% of their variance, PC2 {100 * ratio[1]:.1f}%. Along PC1 alone, "
            f"the sentences' final states separate by sentiment with AUC {final_auc:.3f} (0.5: not at all, 1: "
            f"fully). The position in the sentence correlates with PC1 at |r| = {follows[0]:.2f} and with PC2 at "
            f"|r| = {follows[1]:.2f}.")
    if final_auc > 0.9 and ratio[0] > ratio[1]:
        text += (" As the lesson says: the trained RNN keeps one direction of its state for sentiment, and it is "
                 "the direction along which its states vary most.")
    return Lesson("hidden_pca", "your PCA picture of the trained model's hidden states",
                  np.asarray(drawn["png"], dtype=np.uint8).tobytes(), text)
