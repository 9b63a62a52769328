"""Exercise 5, public checks: PCA on random data, hidden states, and the two-panel plot.

Students run these themselves:  python -m autograder check ex5_hidden_pca
Points, visibility, time limits and the kit model's settings are in course.yaml.
"""
import numpy as np

from autograder.grading.checking import expect_close, expect_shape, fail

from .oracle import check_pca, eval_set, model_payload, public_expectations, trained_model


PUBLIC_SENTENCES_SEED = 11  # not the hidden checks' seed, which stays with the instructor


def kit_model(exercise, params):
    return trained_model(exercise, params["train_size"], params["epochs"], params["seed"])


def test_pca_shapes(student):
    """pca(X (N, D), k) returns components (k, D), explained_variance_ratio (k,), projected (N, k)."""
    X = np.random.default_rng(0).normal(size=(50, 6))
    got = student.call("pca", X=X, k=2)
    expect_shape(got["components"], (2, 6), "components from pca(X (50, 6), k=2)",
                 hint="One principal direction per row.")
    expect_shape(got["ratio"], (2,), "explained_variance_ratio from pca(X (50, 6), k=2)")
    expect_shape(got["projected"], (50, 2), "projected from pca(X (50, 6), k=2)")
    for note in smoke_hidden_features(student):
        student.note(note)


def smoke_hidden_features(student) -> list[str]:
    """Smoke tests of what two hidden checks judge (notes, no points here): pca on data of lower rank than k
    (pca_rank_deficient) runs and gives finite values, and nothing imported scikit-learn (pca_from_scratch)."""
    from autograder.sandbox.failures import StudentFailure

    notes = []
    X = np.outer(np.random.default_rng(4).normal(size=20), np.ones(3)) + 2.0   # rank 1: k=2 exceeds it
    try:
        got = student.call("pca", X=X, k=2)
        if not all(np.all(np.isfinite(got[name])) for name in ("components", "ratio", "projected")):
            notes.append("Smoke test of degenerate data (the hidden check pca_rank_deficient judges it): pca on data "
                         "of rank 1 with k=2 returned NaN or infinite values; a direction with no variance must not "
                         "be divided by.")
    except StudentFailure as failure:
        notes.append("Smoke test of degenerate data (the hidden check pca_rank_deficient judges it): pca on data of "
                     f"rank 1 with k=2 raised: {failure.message.splitlines()[0][:300]}")
    if student.evidence().get("import sklearn"):
        notes.append("Smoke test of from-scratch PCA (the hidden check pca_from_scratch judges it): your code "
                     "imported scikit-learn; the exercise asks for PCA written with numpy or torch.")
    return notes


def test_pca_random(student):
    """pca equals the expected PCA (stored: the SVD of the centred data) up to the sign of each component."""
    stored = public_expectations()
    for i in (0, 1):
        X, k = stored[f"X{i}"], int(stored[f"k{i}"])
        want = stored[f"components{i}"], stored[f"ratio{i}"], stored[f"projected{i}"]
        check_pca(student.call("pca", X=X, k=k), X, k, f"pca on random data (N={X.shape[0]}, D={X.shape[1]}, k={k})",
                  want, stored[f"uncentred{i}"])


def test_collect_hidden_states(student, exercise, params):
    """collect_hidden_states gives the model's own RNN output at every position (on 20 sentences)."""
    import torch

    model = kit_model(exercise, params)
    tokens, _, _ = eval_set(exercise, 20, seed=PUBLIC_SENTENCES_SEED)
    got = student.call("collect", tokens=tokens, **model_payload(exercise, model))
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
                 context=f"20 sentences the model was not trained on, T={tokens.shape[1]}", explain=explain)


def test_plot_two_panels(student):
    """A Figure with two labelled panels of the projected points: one coloured by sentiment (legend), one by
    position (colour bar), judged by the points and colours it draws."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 120)
    projected = rng.normal(size=(120, 2)) + labels[:, None] * 2
    positions = rng.integers(0, 15, 120)
    got = student.call("plot", projected=projected, labels=labels, positions=positions)
    panels = [p for p in got["panels"] if p["points"] > 0]
    said = "; ".join(f"panel {i + 1}: {p['points']} points, titled {p['title']!r}, x axis {p['xlabel']!r}, y axis "
                     f"{p['ylabel']!r}{', with a legend' if p['legend'] else ''}" for i, p in enumerate(panels))
    student.attach_png(got["png"].tobytes(), f"Your plot_hidden_states figure of the grader's {len(projected)} "
                       f"points in two sentiment groups and {len(set(positions.tolist()))} positions: "
                       f"{len(panels)} panel(s) with points ({said or 'none'})"
                       f"{'; a colour bar' if got['colorbar'] else ''}.")
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
    judge_what_the_plot_shows(panels, projected, labels, positions)


def _rows(xy: np.ndarray, projected: np.ndarray):
    """For each plotted point, the row of ``projected`` it shows (PC 1 across, PC 2 up), or -1."""
    pcs = projected[:, :2]
    scale = np.abs(pcs).max() + 1e-12
    dist = np.abs(xy[:, None, :] - pcs[None, :, :]).max(axis=2) / scale
    rows = dist.argmin(axis=1)
    return np.where(dist[np.arange(len(xy)), rows] < 1e-4, rows, -1)


def _colour_follows(rgb: np.ndarray, keys: np.ndarray) -> bool:
    """Whether each key's points share one colour, and points with different keys (mostly) do not."""
    colours = [tuple(c) for c in np.round(rgb, 3)]
    by_key: dict = {}
    for key, colour in zip(keys.tolist(), colours):
        by_key.setdefault(key, set()).add(colour)
    if any(len(c) != 1 for c in by_key.values()):
        return False
    distinct = {next(iter(c)) for c in by_key.values()}
    return len(distinct) >= max(2, 0.8 * len(by_key))


def judge_what_the_plot_shows(panels: list, projected: np.ndarray, labels: np.ndarray, positions: np.ndarray):
    """A panel that colours every point by sentiment, and another by position: judged by the points drawn."""
    shown = []
    for i, p in enumerate(panels[:2]):
        xy, rgb = np.asarray(p["xy"], dtype=float).reshape(-1, 2), np.asarray(p["rgb"], dtype=float).reshape(-1, 3)
        rows = _rows(xy, projected)
        if (rows < 0).any() or len(set(rows.tolist())) < len(projected):
            swapped = (_rows(xy[:, ::-1], projected) >= 0).all()
            fail(f"panel {i + 1} does not draw each projected point once at (PC 1, PC 2): "
                 f"{int((rows >= 0).sum())} of its {len(xy)} points are rows of projected (there are "
                 f"{len(projected)})" + (". Its axes are swapped: PC 1 goes across (x), PC 2 up (y)." if swapped
                                         else ". Plot projected[:, 0] against projected[:, 1], every row once."))
        shown.append((_colour_follows(rgb, labels[rows]), _colour_follows(rgb, positions[rows])))
    if not any(s for s, _ in shown):
        fail("no panel colours its points by sentiment: every negative point should have one colour and every "
             "positive point another (e.g. one scatter call per label, with label=... for the legend)")
    if not any(shown[j][1] for j in range(len(shown)) if not (shown[j][0] and sum(s for s, _ in shown) == 1)):
        fail("no panel colours its points by position: points at the same word position should share a colour "
             "from a colour map, different positions different colours (scatter(..., c=positions, cmap=...))")
