# PCA as in many forum answers: the SVD of the data matrix, without centring it first.
import numpy as np
import torch
import matplotlib.pyplot as plt


def collect_hidden_states(model, batch):
    with torch.no_grad():
        out, _ = model.rnn(model.embedding(batch))
    return out


def pca(X, k):
    X = np.asarray(X, dtype=np.float64)
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    var = S ** 2
    return Vt[:k], var[:k] / var.sum(), X @ Vt[:k].T


def plot_hidden_states(projected, labels, positions):
    projected = np.asarray(projected)
    fig, axs = plt.subplots(1, 2)
    for l, c in ((0, "r"), (1, "b")):
        m = np.asarray(labels) == l
        axs[0].scatter(projected[m, 0], projected[m, 1], c=c, label=str(l))
    axs[0].legend()
    sc = axs[1].scatter(projected[:, 0], projected[:, 1], c=np.asarray(positions))
    fig.colorbar(sc, ax=axs[1])
    for ax in axs:
        ax.set_xlabel("PC 1"); ax.set_ylabel("PC 2")
    return fig
