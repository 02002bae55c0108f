"""Inter-annotator agreement between two labelling passes over the same segments."""

from __future__ import annotations

from typing import Sequence


def _kappa(a: list[bool], b: list[bool]) -> float | None:
    """Cohen's κ; None when both passes used a single value throughout (κ undefined)."""
    if len(set(a) | set(b)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score  # here: every `nlp` command imports this module via annotate

    return float(cohen_kappa_score(a, b))


def agreement(first: dict[str, dict], second: dict[str, dict], labels: Sequence[str]) -> dict:
    """Per-label and boilerplate Cohen's κ and percentage agreement over the ids both passes labelled.

    Each pass maps segment id → {"themes": [...], "boilerplate": bool}.
    """
    ids = sorted(set(first) & set(second))
    out = {"n_segments": len(ids), "per_label": {}}
    for label in labels:
        a = [label in first[i]["themes"] for i in ids]
        b = [label in second[i]["themes"] for i in ids]
        out["per_label"][label] = {"kappa": _kappa(a, b), "percent_agreement": sum(x == y for x, y in zip(a, b)) / len(ids),
                                   "positives_first": sum(a), "positives_second": sum(b)}
    a = [bool(first[i]["boilerplate"]) for i in ids]
    b = [bool(second[i]["boilerplate"]) for i in ids]
    out["boilerplate"] = {"kappa": _kappa(a, b), "percent_agreement": sum(x == y for x, y in zip(a, b)) / len(ids),
                          "positives_first": sum(a), "positives_second": sum(b)}
    out["exact_theme_set_agreement"] = sum(sorted(first[i]["themes"]) == sorted(second[i]["themes"]) for i in ids) / len(ids)
    kappas = [v["kappa"] for v in out["per_label"].values() if v["kappa"] is not None]
    out["mean_kappa"] = sum(kappas) / len(kappas) if kappas else None
    return out
