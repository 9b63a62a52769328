"""Hidden-state PCA, numpy first: PCA by the eigen-decomposition of the covariance matrix."""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch


def collect_hidden_states(model, batch):
    model.eval()
    with torch.no_grad():
        embedded = model.embedding(batch)
        all_states, last = model.rnn(embedded)
    return all_states.numpy()


def pca(X, k):
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0, keepdims=True)
    cov = Xc.T @ Xc / (len(X) - 1)
    eigvals, eigvecs = np.linalg.eigh(cov)          # ascending order
    order = np.argsort(eigvals)[::-1]
    eigvals, eigvecs = eigvals[order], eigvecs[:, order]
    eigvals = np.clip(eigvals, 0, None)
    components = eigvecs[:, :k].T
    ratio = eigvals[:k] / eigvals.sum()
    return components, ratio, Xc @ components.T


def plot_hidden_states(projected, labels, positions):
    projected, labels, positions = np.asarray(projected), np.asarray(labels), np.asarray(positions)
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for lab, name, col in [(0, "negative", "red"), (1, "positive", "green")]:
        idx = np.where(labels == lab)[0]
        axes[0].scatter(projected[idx, 0], projected[idx, 1], color=col, s=5, label=name)
    axes[0].legend()
    sc = axes[1].scatter(projected[:, 0], projected[:, 1], c=positions, cmap="plasma", s=5)
    plt.colorbar(sc, ax=axes[1])
    for ax, title in zip(axes, ["sentiment", "position"]):
        ax.set_title(title)
        ax.set_xlabel("PC1")
        ax.set_ylabel("PC2")
    return fig


if __name__ == "__main__":
    # compare with scikit-learn (only when I run this file myself)
    from sklearn.decomposition import PCA

    X = np.random.randn(100, 5)
    print(np.allclose(np.abs(PCA(2).fit(X).components_), np.abs(pca(X, 2)[0])))
