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


def probe_pipeline(student, state, sizes, tokens, k=2):
    """Final hidden states from the student's collect_hidden_states, through the student's pca."""
    states = student.collect_hidden_states(_model(state, sizes), torch.tensor(np.asarray(tokens), dtype=torch.long))
    final = torch.as_tensor(states)[:, -1]
    components, ratio, projected = _triple(student.pca(final.to(torch.float64), int(k)))
    return {"ratio": ratio, "projected": projected}


def probe_plot(student, projected, labels, positions):
    """What the figure holds (panels, labels, legend, colour bar) and a small PNG of it."""
    import matplotlib

    matplotlib.use("Agg")
    fig = student.plot_hidden_states(tensor(projected), torch.tensor(np.asarray(labels), dtype=torch.long),
                                     torch.tensor(np.asarray(positions), dtype=torch.long))
    if not hasattr(fig, "axes") or not hasattr(fig, "savefig"):
        raise ProbeError(f"plot_hidden_states should return a matplotlib Figure, got {type(fig).__name__}")
    panels = []
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        points = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets"))
        points += sum(len(line.get_xdata()) for line in ax.lines)
        panels.append({"xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(), "title": ax.get_title(),
                       "legend": ax.get_legend() is not None, "points": int(points)})
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return {"panels": panels, "colorbar": any(ax.get_label() == "<colorbar>" for ax in fig.axes),
            "figure_legend": bool(fig.legends), "png": np.frombuffer(buf.getvalue(), dtype=np.uint8)}
