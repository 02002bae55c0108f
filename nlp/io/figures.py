"""Matplotlib figures for the HTML reports (``nlp evaluate --html``, ``nlp reuse --html``).

Headless (Agg backend), and embedded in the page as PNG data URIs so one HTML file carries everything.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (no display needed; imported only when plotting)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def data_uri(fig, save_to: str | Path | None = None) -> str:
    """The figure as a PNG data URI, also written to ``save_to`` when given; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    if save_to is not None:
        Path(save_to).write_bytes(buf.getvalue())
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
