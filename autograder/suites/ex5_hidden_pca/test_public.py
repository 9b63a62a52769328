"""Exercise 5, public checks: PCA on random data, hidden states, and the two-panel plot.

Students run these themselves:  python -m autograder check ex5_hidden_pca
Points, visibility, time limits and the kit model's settings are in course.yaml.
"""
import numpy as np

from autograder.checking import expect_close, expect_shape, fail

from .reference import check_pca, eval_set, model_payload, trained_model


def kit_model(params):
    return trained_model(params["train_size"], params["epochs"], params["seed"])


def test_pca_shapes(student):
    """pca(X (N, D), k) returns components (k, D), explained_variance_ratio (k,), projected (N, k)."""
    X = np.random.default_rng(0).normal(size=(50, 6))
    got = student.call("pca", X=X, k=2)
    expect_shape(got["components"], (2, 6), "components from pca(X (50, 6), k=2)",
                 hint="One principal direction per row.")
    expect_shape(got["ratio"], (2,), "explained_variance_ratio from pca(X (50, 6), k=2)")
    expect_shape(got["projected"], (50, 2), "projected from pca(X (50, 6), k=2)")


def test_pca_random(student):
    """pca equals a reference PCA (numpy's SVD of the centred data) up to the sign of each component."""
    rng = np.random.default_rng(1)
    for n, d, k in ((200, 10, 3), (40, 5, 5)):
        # Distinct variances per direction so the components are well defined.
        X = rng.normal(size=(n, d)) @ np.diag(np.linspace(3, 0.5, d)) @ np.linalg.qr(rng.normal(size=(d, d)))[0]
        X += rng.normal(size=d) * 5  # an offset: PCA must centre
        check_pca(student.call("pca", X=X, k=k), X, k, f"pca on random data (N={n}, D={d}, k={k})")


def test_collect_hidden_states(student, params):
    """collect_hidden_states gives the model's own RNN output at every position."""
    import torch

    model = kit_model(params)
    tokens, _, _ = eval_set(20, params["eval_seed"])
    got = student.call("collect", tokens=tokens, **model_payload(model))
    with torch.no_grad():
        want = model.rnn(model.embedding(torch.tensor(tokens)))[0].numpy()

    def explain(actual):
        if np.shape(actual) != want.shape:
            return []
        if np.allclose(actual[:, 1:], want[:, :-1], atol=1e-5) or np.allclose(actual[:, :-1], want[:, 1:], atol=1e-5):
            return ["Your states are shifted by one position: position t should hold the state after reading word t."]
        return []
    if np.shape(got) == want.shape[:2] + (model.embedding.embedding_dim,):
        fail(f"collect_hidden_states returned shape {np.shape(got)}: that is the embedding layer's output; "
             f"return the RNN's hidden states (N, T, {model.rnn.hidden_size})")
    expect_close(got, want, "collect_hidden_states(model, batch)", atol=1e-5,
                 context=f"20 held-out sentences, T={tokens.shape[1]}", explain=explain)


def test_plot_two_panels(student):
    """plot_hidden_states returns a Figure with two labelled panels, a legend and a colour bar."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 120)
    projected = rng.normal(size=(120, 2)) + labels[:, None] * 2
    got = student.call("plot", projected=projected, labels=labels, positions=rng.integers(0, 15, 120))
    student.attach_png(got["png"].tobytes())
    panels = [p for p in got["panels"] if p["points"] > 0]
    if len(panels) < 2:
        fail(f"the figure has {len(panels)} panel(s) with points; it needs two: one coloured by sentiment, "
             "one by position (plt.subplots(1, 2))")
    for i, p in enumerate(panels[:2]):
        if not p["xlabel"] or not p["ylabel"]:
            fail(f"panel {i + 1} has no axis labels: use ax.set_xlabel('PC 1') and ax.set_ylabel('PC 2')")
    if not (any(p["legend"] for p in panels) or got["figure_legend"]):
        fail("no legend: the sentiment panel should say which colour is positive and which negative (ax.legend())")
    if not got["colorbar"]:
        fail("no colour bar: the position panel should show which colour is which position (fig.colorbar(...))")
