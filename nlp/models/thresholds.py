"""Per-label decision thresholds, shared by every model kind.

A score passes when ``score >= threshold``; thresholds are chosen to maximise F1
on held-out scores. A label the model never saw a positive of gets a threshold
above 1 so it is never predicted.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

NEVER = 1.01


def best_threshold(y_true: np.ndarray, scores: np.ndarray, default: float = 0.5) -> float:
    """Threshold on ``scores`` that maximises F1 on ``y_true`` (``default`` when there are no positives)."""
    y_true = np.asarray(y_true, dtype=int)
    if y_true.sum() == 0:
        return default
    candidates = np.unique(np.concatenate([scores, [default]]))
    best, best_f1 = default, -1.0
    for t in candidates:
        pred = scores >= t
        tp = float(np.sum(pred & (y_true == 1)))
        f1 = 2 * tp / (pred.sum() + y_true.sum()) if (pred.sum() + y_true.sum()) else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return best


def midpoint_threshold(y_true: np.ndarray, scores: np.ndarray, default: float = 0.5) -> float:
    """:func:`best_threshold` moved down halfway to the next lower score: the same decisions on these
    scores, but none sits exactly on the threshold, where the last bit of a float (another backend,
    another thread count) would flip the label."""
    t = best_threshold(y_true, scores, default)
    lower = scores[scores < t]
    return float((t + lower.max()) / 2) if lower.size else t


def tune_thresholds(y: np.ndarray, scores: np.ndarray, trained: np.ndarray, midpoint: bool = False) -> np.ndarray:
    """One threshold per column of ``scores``; untrained labels get :data:`NEVER`."""
    pick = midpoint_threshold if midpoint else best_threshold
    return np.array([pick(y[:, j], scores[:, j]) if trained[j] else NEVER for j in range(y.shape[1])])


def decide(scores: np.ndarray, thresholds: np.ndarray, labels: Sequence[str], top_k: int | None = None
           ) -> list[list[str]]:
    """Labels whose score passes its threshold (at most ``top_k``, best first), sorted by name."""
    passed = np.asarray(scores, dtype=float).reshape(-1, len(labels)) >= np.asarray(thresholds)
    if not top_k:  # the common case, without a sort per row: columns in label-name order, passed ones kept
        by_name = sorted(range(len(labels)), key=lambda j: labels[j])
        names = [labels[j] for j in by_name]
        return [[names[k] for k in np.flatnonzero(row)] for row in passed[:, by_name]]
    out = []
    for row, ok in zip(scores, passed):
        chosen = [j for j in np.argsort(-row) if ok[j]][:top_k]
        out.append(sorted(labels[j] for j in chosen))
    return out
