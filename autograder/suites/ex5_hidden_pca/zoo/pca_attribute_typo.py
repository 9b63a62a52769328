"""Sentiment RNN states through PCA -- my version, numpy for the maths and torch for the model."""
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt
import numpy as np
import torch


def collect_hidden_states(model, batch):
    with torch.no_grad():
        emb = model.embedding(batch)
        h_all, h_last = model.rnn(emb)
    return h_all


def pca(X, k):
    data = np.array(X, dtype=float)
    mean_row = data.mean(axis=0)
    centred = data - mean_row
    covariance = np.cov(centred, rowvar=False)
    vals, vecs = np.linalg.eig_h(covariance)      # symmetric matrix -> real eigenvalues
    idx = np.argsort(vals)[::-1][:k]
    top = vecs[:, idx].T
    explained = vals[idx] / np.sum(vals)
    return top, explained, centred.dot(top.T)


def plot_hidden_states(projected, labels, positions):
    pts = np.asarray(projected)[:, :2]
    labels = np.asarray(labels)
    fig = plt.figure(figsize=(10, 4))
    left = fig.add_subplot(1, 2, 1)
    right = fig.add_subplot(1, 2, 2)
    left.scatter(pts[labels == 1, 0], pts[labels == 1, 1], c="tab:green", s=4, label="pos")
    left.scatter(pts[labels == 0, 0], pts[labels == 0, 1], c="tab:purple", s=4, label="neg")
    left.legend(loc="best")
    cs = right.scatter(pts[:, 0], pts[:, 1], c=np.asarray(positions), cmap="cividis", s=4)
    fig.colorbar(cs, ax=right, label="word index")
    for a in (left, right):
        a.set_xlabel("first PC")
        a.set_ylabel("second PC")
    return fig
