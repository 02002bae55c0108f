"""Matplotlib figures for the HTML reports (``nlp evaluate --html``, ``nlp reuse --html``).

Headless (Agg backend), and embedded in the page as PNG data URIs so one HTML file carries everything.
"""

from __future__ import annotations

import base64
import io
import statistics
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


def f1_curves(curves: dict, *, xlabel: str, ylabel: str, title: str, out: str | Path, log2_x: bool = False) -> None:
    """Theme micro- and macro-F1 side by side, a line per strategy with a mean ± sd band over seeds; PNG at ``out``.

    ``curves``: ``{name: (xs, runs)}``, ``runs[k]`` holding one ``(micro, macro, ...)`` tuple per seed at ``xs[k]``.
    The benches that compare training strategies (``bench/active_learning.py``, ``bench/fewshot_curve.py``) share it.
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    for ax, i, metric in ((axes[0], 0, "theme micro-F1"), (axes[1], 1, "theme macro-F1")):
        for name, (xs, runs) in curves.items():
            mean = [statistics.mean(run[i] for run in at) for at in runs]
            sd = [statistics.pstdev(run[i] for run in at) for at in runs]
            ax.plot(xs, mean, marker="o", label=name)
            ax.fill_between(xs, [m - d for m, d in zip(mean, sd)], [m + d for m, d in zip(mean, sd)], alpha=0.2)
        if log2_x:
            ax.set_xscale("log", base=2)
            ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel(xlabel)
        ax.set_title(metric)
    axes[0].set_ylabel(ylabel)
    axes[0].legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
