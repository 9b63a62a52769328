import torch
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D


def collect_hidden_states(model, batch):
    """Feed the sentence one word at a time, carrying the hidden state."""
    states, h = [], None
    with torch.no_grad():
        emb = model.embedding(batch)
        for t in range(emb.shape[1]):
            out, h = model.rnn(emb[:, t:t + 1, :], h)
            states.append(out[:, 0, :])
    return torch.stack(states, dim=1)


def pca(X, k):
    X = torch.as_tensor(X).double()
    mean = X.mean(0)
    Xc = X - mean
    C = Xc.T @ Xc
    vals, vecs = torch.linalg.eigh(C)
    vals, vecs = vals.flip(0), vecs.flip(1)
    comps = vecs[:, :k].T.contiguous()
    return comps, vals[:k] / vals.sum(), Xc @ comps.T


def plot_hidden_states(projected, labels, positions):
    p = torch.as_tensor(projected)
    fig = plt.figure(figsize=(10, 4))
    ax1 = fig.add_subplot(1, 2, 1)
    ax1.scatter(p[:, 0], p[:, 1], c=labels, cmap=ListedColormap(["tab:orange", "tab:purple"]), vmin=0, vmax=1, s=4)
    ax1.legend(handles=[Line2D([], [], marker="o", ls="", color="tab:orange", label="neg"),
                        Line2D([], [], marker="o", ls="", color="tab:purple", label="pos")])
    ax1.set(xlabel="first PC", ylabel="second PC", title="by label")
    ax2 = fig.add_subplot(1, 2, 2)
    s = ax2.scatter(p[:, 0], p[:, 1], c=positions, s=4)
    fig.colorbar(s)
    ax2.set(xlabel="first PC", ylabel="second PC", title="by position")
    return fig
