"""Pictures in feedback (a learning curve, a confusion matrix, a class's histogram), as PNG bytes.

``figure`` gives a matplotlib figure on the Agg backend (no display, the same on every
machine); ``png`` renders it readable in a report (WIDTH_IN at DPI: 880 px, 15 px text) and still small
enough to travel inside a result's JSON.
"""
from __future__ import annotations

import io


def figure(width: float, height: float):
    """(fig, ax) of a new figure, ``width`` x ``height`` inches."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


# Reports show a figure at its own size up to the page's width (60rem, ~960 px): 8 inches at
# 110 dpi is 880 px, where matplotlib's 10-point text is 15 px, readable without zooming.
WIDTH_IN, DPI = 8.0, 110


def png(fig, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
