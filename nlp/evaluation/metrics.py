"""Score tagger predictions against gold segments, with intervals resampled by document.

Bootstrap samples draw whole documents with replacement, because segments of
one report are not independent. Macro-F1 averages the labels that have gold
support in the sample. The JSON produced by :func:`evaluate` has a stable
schema, documented in ``docs/evaluation.md``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from nlp.labels.gold import GoldSegment
from nlp.models.base import Predictions

SCHEMA_VERSION = 1


def _f1(tp, fp, fn):
    tp, fp, fn = (np.asarray(x, dtype=float) for x in (tp, fp, fn))
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(denom), where=denom > 0)


def _safe_div(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros_like(b), where=b > 0)


class _Counts:
    """Per-document true-positive / false-positive / false-negative counts, for fast resampling."""

    def __init__(self, gold: Sequence[GoldSegment], pred: Predictions, labels: list[str]):
        docs = sorted({g.doc_id for g in gold})
        index = {d: i for i, d in enumerate(docs)}
        row_doc = np.array([index[g.doc_id] for g in gold])
        self.n_docs = len(docs)
        y = np.array([[label in g.themes for label in labels] for g in gold], dtype=bool).reshape(len(gold), len(labels))
        p = np.array([[label in t for label in labels] for t in pred.themes], dtype=bool).reshape(len(gold), len(labels))
        yb = np.array([bool(g.boilerplate) for g in gold])
        pb = np.asarray(pred.boilerplate, dtype=bool)
        self.y, self.p, self.yb, self.pb = y, p, yb, pb

        def per_doc(a):
            out = np.zeros((self.n_docs,) + a.shape[1:])
            np.add.at(out, row_doc, a)
            return out

        self.tp, self.fp, self.fn = per_doc(y & p), per_doc(~y & p), per_doc(y & ~p)
        self.btp, self.bfp, self.bfn = per_doc(yb & pb), per_doc(~yb & pb), per_doc(yb & ~pb)
        self.btn = per_doc(~yb & ~pb)
        self.exact = per_doc((y == p).all(axis=1))
        self.n = per_doc(np.ones(len(gold)))

    def metrics(self, w: np.ndarray) -> dict:
        """Metrics for document weights ``w`` (ones = the observed sample)."""
        tp, fp, fn = w @ self.tp, w @ self.fp, w @ self.fn
        support = tp + fn
        per_label = _f1(tp, fp, fn)
        present = support > 0
        return {
            "micro_f1": float(_f1(tp.sum(), fp.sum(), fn.sum())),
            "macro_f1": float(per_label[present].mean()) if present.any() else 0.0,
            "boilerplate_f1": float(_f1(w @ self.btp, w @ self.bfp, w @ self.bfn)),
            # Both classes: stock (true) and specific (false) text; the specific class is the rarer one.
            "boilerplate_macro_f1": float((_f1(w @ self.btp, w @ self.bfp, w @ self.bfn)
                                           + _f1(w @ self.btn, w @ self.bfn, w @ self.bfp)) / 2),
            "subset_accuracy": float(_safe_div(w @ self.exact, w @ self.n)),
            "per_label_f1": per_label,
        }


def _bootstrap_weights(n_docs: int, n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_docs, np.full(n_docs, 1 / n_docs), size=n_boot).astype(float)


def _interval(values, level=0.95) -> list[float]:
    lo, hi = np.percentile(values, [(1 - level) / 2 * 100, (1 + level) / 2 * 100], axis=0)
    return [float(lo), float(hi)] if np.ndim(lo) == 0 else [lo, hi]


def evaluate(gold: Sequence[GoldSegment], pred: Predictions, n_boot: int = 1000, seed: int = 0,
             n_errors: int = 15) -> dict:
    """All figures for one model on one gold set."""
    labels = list(pred.labels)
    counts = _Counts(gold, pred, labels)
    point = counts.metrics(np.ones(counts.n_docs))
    boots = [counts.metrics(w) for w in _bootstrap_weights(counts.n_docs, n_boot, seed)]
    label_lo, label_hi = _interval(np.array([b["per_label_f1"] for b in boots]))
    tp, fp, fn = counts.tp.sum(0), counts.fp.sum(0), counts.fn.sum(0)
    n = len(gold)
    per_label = {}
    for j, label in enumerate(labels):
        per_label[label] = {
            "precision": float(_safe_div(tp[j], tp[j] + fp[j])), "recall": float(_safe_div(tp[j], tp[j] + fn[j])),
            "f1": float(point["per_label_f1"][j]), "f1_ci": [float(label_lo[j]), float(label_hi[j])],
            "support": int(tp[j] + fn[j]), "predicted": int(tp[j] + fp[j]),
            "true_share": float(_safe_div(tp[j] + fn[j], n)), "predicted_share": float(_safe_div(tp[j] + fp[j], n)),
        }
    btp, bfp, bfn = counts.btp.sum(), counts.bfp.sum(), counts.bfn.sum()
    result = {
        "schema_version": SCHEMA_VERSION,
        "n_segments": n, "n_documents": counts.n_docs,
        "micro_f1": point["micro_f1"], "micro_f1_ci": _interval([b["micro_f1"] for b in boots]),
        "macro_f1": point["macro_f1"], "macro_f1_ci": _interval([b["macro_f1"] for b in boots]),
        "boilerplate_f1": point["boilerplate_f1"], "boilerplate_f1_ci": _interval([b["boilerplate_f1"] for b in boots]),
        "boilerplate_macro_f1": point["boilerplate_macro_f1"],
        "boilerplate_macro_f1_ci": _interval([b["boilerplate_macro_f1"] for b in boots]),
        "boilerplate": {"precision": float(_safe_div(btp, btp + bfp)), "recall": float(_safe_div(btp, btp + bfn)),
                        "support": int(btp + bfn), "true_share": float(_safe_div(btp + bfn, n)),
                        "predicted_share": float(_safe_div(btp + bfp, n))},
        "subset_accuracy": point["subset_accuracy"],
        "per_label": per_label,
        "per_section": _per_section(gold, pred),
        "cooccurrence": _cooccurrence(counts.y, counts.p).tolist(),
        "errors": _errors(gold, pred, labels, n_errors),
        "bootstrap": {"n": n_boot, "seed": seed, "unit": "document"},
        "warnings": _small_sample_warnings(counts.n_docs, per_label),
    }
    return result


MIN_DOCUMENTS = 10   # fewer documents than this: bootstrap intervals by document say little
MIN_SUPPORT = 5      # fewer positives than this: a label's F1 and its interval are unreliable


def _small_sample_warnings(n_docs: int, per_label: dict) -> list[str]:
    out = []
    if n_docs < MIN_DOCUMENTS:
        out.append(f"only {n_docs} documents: the bootstrap resamples documents, so its intervals are "
                   f"degenerate or far too narrow; evaluate on at least {MIN_DOCUMENTS} documents")
    thin = [f"{label} ({v['support']})" for label, v in per_label.items() if v["support"] < MIN_SUPPORT]
    if thin:
        out.append(f"fewer than {MIN_SUPPORT} positives, F1 and interval unreliable: {', '.join(thin)}")
    return out


def _per_section(gold, pred) -> dict:
    out = {}
    for section in sorted({g.section for g in gold}):
        idx = [i for i, g in enumerate(gold) if g.section == section]
        sub = Predictions(pred.labels, [pred.themes[i] for i in idx], pred.scores[idx], np.asarray(pred.boilerplate)[idx],
                          np.asarray(pred.boilerplate_scores)[idx])
        m = _Counts([gold[i] for i in idx], sub, list(pred.labels)).metrics(
            np.ones(len({gold[i].doc_id for i in idx})))
        out[section] = {"n_segments": len(idx), "micro_f1": m["micro_f1"], "macro_f1": m["macro_f1"],
                        "boilerplate_f1": m["boilerplate_f1"], "subset_accuracy": m["subset_accuracy"]}
    return out


def _cooccurrence(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Cell (i, j): segments whose gold has label i and whose prediction has label j."""
    return y.T.astype(int) @ p.astype(int)


def _errors(gold, pred, labels, n_errors) -> dict:
    fps, fns = [], []
    for i, g in enumerate(gold):
        for j, label in enumerate(labels):
            truth, said = label in g.themes, label in pred.themes[i]
            if said and not truth:
                fps.append((float(pred.scores[i][j]), g, label))
            elif truth and not said:
                fns.append((float(pred.scores[i][j]), g, label))
    row = lambda s, g, label: {"id": g.id, "label": label, "score": round(s, 4), "text": g.text}
    return {"false_positives": [row(*e) for e in sorted(fps, key=lambda e: -e[0])[:n_errors]],
            "false_negatives": [row(*e) for e in sorted(fns, key=lambda e: e[0])[:n_errors]]}


def compare(gold: Sequence[GoldSegment], a: Predictions, b: Predictions, n_boot: int = 1000, seed: int = 0) -> dict:
    """Paired bootstrap of B − A over the same document resamples."""
    ca, cb = _Counts(gold, a, list(a.labels)), _Counts(gold, b, list(b.labels))
    weights = _bootstrap_weights(ca.n_docs, n_boot, seed)
    out = {}
    for key in ("micro_f1", "macro_f1", "boilerplate_f1", "boilerplate_macro_f1"):
        diffs = np.array([cb.metrics(w)[key] - ca.metrics(w)[key] for w in weights])
        observed = cb.metrics(np.ones(ca.n_docs))[key] - ca.metrics(np.ones(ca.n_docs))[key]
        out[key] = {"difference": float(observed), "ci": _interval(diffs),
                    "p_b_not_better": float(np.mean(diffs <= 0))}
    return out
