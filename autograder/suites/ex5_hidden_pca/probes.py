"""Exercise 5 probes: run inside the student process (see sandbox/worker.py).

The kit's model class comes from the given sentiment_data.py, which the grader
copies from the kit into the sandbox; its weights come from the grader.
"""
import io

import numpy as np
import torch

from probekit import ProbeError, tensor, to_numpy, unpack

# Loading these is reported to the grader as it happens (sandbox/worker.py): pca must be the student's own.
WATCHED_IMPORTS = ("sklearn",)


def _triple(result):
    result = unpack(result, 3, "pca should return (components, explained_variance_ratio, projected)")
    return [to_numpy(v, name) for v, name in zip(result, ("components", "explained_variance_ratio", "projected"))]


def probe_pca(student, X, k):
    components, ratio, projected = _triple(student.pca(tensor(X), int(k)))
    return {"components": components, "ratio": ratio, "projected": projected}


def _model(state, sizes):
    import sentiment_data

    model = sentiment_data.SentimentModel(*sizes)
    model.load_state_dict({k: torch.tensor(np.asarray(v), dtype=torch.float32) for k, v in state.items()})
    return model.eval()


def probe_collect(student, state, sizes, tokens):
    model = _model(state, sizes)
    return to_numpy(student.collect_hidden_states(model, torch.tensor(np.asarray(tokens), dtype=torch.long)),
                    "collect_hidden_states' result")


def probe_pipeline(student, state, sizes, tokens, k=2, with_pca=True):
    """Final hidden states from the student's collect_hidden_states, through the student's pca (``with_pca``)
    or alone: where the student's pca is wrong the grader projects them itself, and a pca that raises must not
    take the states down with it."""
    states = student.collect_hidden_states(_model(state, sizes), torch.tensor(np.asarray(tokens), dtype=torch.long))
    final = torch.as_tensor(states)[:, -1]
    final_np = to_numpy(final, "the final hidden states")
    if not with_pca:
        return {"final": final_np}
    components, ratio, projected = _triple(student.pca(final.to(torch.float64), int(k)))
    return {"ratio": ratio, "projected": projected, "final": final_np}


def probe_defines(student, name):
    """Whether the student's module loads and defines ``name`` as something callable (nothing of it is run)."""
    return {"callable": callable(getattr(student, name, None))}


def _points(ax):
    """Every plotted point of a panel (scatter collections and marker lines): (x, y) and its colour (RGB)."""
    xy, rgb = [np.zeros((0, 2))], [np.zeros((0, 3))]
    for c in ax.collections:
        if not hasattr(c, "get_offsets"):
            continue
        offsets = np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2)
        colours = np.asarray(c.get_facecolors(), dtype=float).reshape(-1, 4)[:, :3]
        if len(colours) == 0:
            colours = np.asarray(c.get_edgecolors(), dtype=float).reshape(-1, 4)[:, :3]
        if len(offsets) and len(colours):
            xy.append(offsets)
            rgb.append(np.resize(colours, (len(offsets), 3)))  # one colour for all, or one each
    for line in ax.lines:
        x, y = np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)
        if len(x):
            import matplotlib.colors as mcolors

            xy.append(np.stack([x, y], axis=1))
            rgb.append(np.tile(mcolors.to_rgb(line.get_color()), (len(x), 1)))
    return np.concatenate(xy), np.concatenate(rgb)


def probe_plot(student, projected, labels, positions):
    """What the figure holds (panels, labels, legend, colour bar) and a small PNG of it."""
    import matplotlib

    matplotlib.use("Agg")
    fig = student.plot_hidden_states(tensor(projected), torch.tensor(np.asarray(labels), dtype=torch.long),
                                     torch.tensor(np.asarray(positions), dtype=torch.long))
    if not hasattr(fig, "axes") or not hasattr(fig, "savefig"):
        raise ProbeError(f"plot_hidden_states should return a matplotlib Figure, got {type(fig).__name__}")
    buf = io.BytesIO()
    # drawing first: a scatter's colours are mapped when it is drawn. At the reports' width (pictures.py),
    # whatever size the student chose: their 10-point text is then as readable as the kit's own figures.
    width, height = fig.get_size_inches()
    if width > 0 and height > 0:
        fig.set_size_inches(8.0, min(8.0 * height / width, 8.0))
    fig.savefig(buf, format="png", dpi=110)
    panels = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        xy, rgb = _points(ax)
        panels.append({"xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(), "title": ax.get_title(),
                       "legend": ax.get_legend() is not None, "points": len(xy), "xy": xy, "rgb": rgb})
    return {"panels": panels, "colorbar": any(ax.get_label() == "<colorbar>" for ax in fig.axes),
            "figure_legend": bool(fig.legends), "png": np.frombuffer(buf.getvalue(), dtype=np.uint8)}
