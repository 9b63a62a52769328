"""Pictures in feedback (a learning curve, a confusion matrix, a class's histogram), as PNG bytes.

``figure`` gives a matplotlib figure on the Agg backend (no display, the same on every
machine); ``png`` renders it small enough to travel inside a result's JSON and a report.
"""
from __future__ import annotations

import io


def figure(width: float, height: float):
    """(fig, ax) of a new figure, ``width`` x ``height`` inches."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def png(fig, dpi: int = 60) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
