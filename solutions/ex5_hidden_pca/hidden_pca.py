"""Exercise 5: what does a trained sentiment RNN keep in its hidden state?

Process sentences with known sentiment, collect the hidden state at every
position, and look at them through PCA, coloured by sentiment and by position.
Trained sentiment RNNs tend to keep their running verdict along one direction
(a "line attractor", Maheswaranathan et al. 2019): you will measure how much
of the final states' variance the first principal component explains.

The corpus and a small model come with the exercise (``sentiment_data.py``):
train one with ``python hidden_pca.py`` (or use your ex1 ``SentimentRNN``).

Check your work with the public checks:  python -m autograder check ex5_hidden_pca
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402


def collect_hidden_states(model, batch):
    """The RNN's hidden state at every position.

    Args:
        model: a sentiment model with ``embedding`` (nn.Embedding) and ``rnn``
               (a batch_first nn.RNN), like sentiment_data.SentimentModel
        batch: (N, T) token ids
    Returns:
        (N, T, H) tensor: the hidden state after reading each position
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        output, _ = model.rnn(model.embedding(batch))
    return output
    ### END SOLUTION


def pca(X, k):
    """PCA from scratch (no sklearn): centre the columns, then SVD or an eigen-decomposition.

    Args:
        X: (N, D) tensor, one sample per row
        k: number of components
    Returns:
        components: (k, D), the top k principal directions as unit-length rows
        explained_variance_ratio: (k,), each component's share of the total variance
        projected: (N, k), the centred data projected on the components
    """
    ### BEGIN SOLUTION
    X = torch.as_tensor(X, dtype=torch.float64)
    centred = X - X.mean(dim=0)
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)
    variance = s ** 2
    components = vt[:k]
    return components, variance[:k] / variance.sum(), centred @ components.T
    ### END SOLUTION


def plot_hidden_states(projected, labels, positions):
    """Two panels of the first two principal components: coloured by sentiment, and by position.

    Args:
        projected: (N, 2) or more columns; the first two are plotted
        labels: (N,) 0 = negative, 1 = positive
        positions: (N,) the word position each hidden state comes from
    Returns:
        a matplotlib Figure with two axes, both with axis labels; the sentiment
        panel has a legend, the position panel a colour bar.
    """
    ### BEGIN SOLUTION
    projected = torch.as_tensor(projected).detach().cpu().numpy()
    labels = torch.as_tensor(labels).cpu().numpy()
    positions = torch.as_tensor(positions).cpu().numpy()
    fig, (by_sentiment, by_position) = plt.subplots(1, 2, figsize=(11, 4.5))
    for value, name, colour in ((0, "negative", "tab:red"), (1, "positive", "tab:blue")):
        chosen = labels == value
        by_sentiment.scatter(projected[chosen, 0], projected[chosen, 1], s=6, alpha=0.6, c=colour, label=name)
    by_sentiment.set_title("Hidden states by sentiment")
    by_sentiment.legend()
    points = by_position.scatter(projected[:, 0], projected[:, 1], s=6, alpha=0.6, c=positions, cmap="viridis")
    fig.colorbar(points, ax=by_position, label="position in sentence")
    by_position.set_title("Hidden states by position")
    for ax in (by_sentiment, by_position):
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
    fig.tight_layout()
    return fig
    ### END SOLUTION


def main():
    """Train the given model, then plot the hidden states of held-out sentences."""
    import sentiment_data as sd

    torch.manual_seed(0)
    corpus = sd.make_corpus(2000, seed=0)
    model = sd.SentimentModel(len(sd.vocabulary()))
    sd.train_sentiment(model, corpus, epochs=10, seed=0)
    test = sd.make_corpus(400, seed=1)
    sentences = [s for s, _ in test]
    tokens = sd.encode(sentences)
    states = collect_hidden_states(model, tokens)
    real = sd.positions(sentences, tokens.shape[1]) >= 0
    labels = torch.tensor([y for _, y in test])[:, None].expand_as(real)
    components, ratio, projected = pca(states[real], 2)
    print(f"accuracy {sd.accuracy(model, test):.3f}; the first two components explain {ratio.tolist()}")
    plot_hidden_states(projected, labels[real], sd.positions(sentences, tokens.shape[1])[real]).savefig("hidden_pca.png")
    print("wrote hidden_pca.png")


if __name__ == "__main__":
    main()
