"""Splits by issuing body: every report of one body on one side, themes stratified across sides.

Near-identical sentences recur within one body's reports, so a split by segment (or even by report)
overstates how a model does on bodies it has never seen.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Sequence
from urllib.parse import urlsplit

import numpy as np

from nlp.text.script import to_simplified

SPLITS = ("train", "dev", "test")


def body_key(meta: dict) -> str:
    """The issuing body of a report: its agency (normalised; traditional script folded, as mirrors copy a body's
    reports in either script), else its url's host, else its doc id."""
    agency = re.sub(r"[\s（）()·]", "", to_simplified(meta.get("agency") or "")).replace("人民政府", "政府")
    if agency:
        return agency
    host = (urlsplit(meta.get("url") or "").hostname or "").removeprefix("www.")
    return host or str(meta.get("doc_id", "unknown"))


def split_groups(groups: Sequence[str], targets: np.ndarray, test: float = 0.20, dev: float = 0.19,
                 seed: int = 26) -> dict[str, str]:
    """group → split, by iterative stratification over the rows of ``targets`` (one row per group:
    which labels it has). ``dev`` is the share of what remains after test."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    groups = list(groups)
    if len(groups) < 3:
        raise ValueError(f"only {len(groups)} issuing bodies: too few to split into train, dev and test")
    x = np.zeros((len(groups), 1))
    rest, test_idx = next(MultilabelStratifiedShuffleSplit(n_splits=1, test_size=test, random_state=seed)
                          .split(x, targets))
    train_idx, dev_idx = next(MultilabelStratifiedShuffleSplit(n_splits=1, test_size=dev, random_state=seed)
                              .split(x[rest], targets[rest]))
    out = {}
    for split, index in (("train", rest[train_idx]), ("dev", rest[dev_idx]), ("test", test_idx)):
        out.update({groups[i]: split for i in index})
    return out


def split_by_body(segments: Sequence, labels: Sequence[str], seed: int = 26) -> dict[str, str]:
    """doc_id → split for gold segments (objects with ``doc_id``, ``themes``, ``section``, ``meta``)."""
    docs_of: dict[str, set[str]] = defaultdict(set)
    rows_of: dict[str, list] = defaultdict(list)
    for s in segments:
        key = body_key({**(s.meta or {}), "doc_id": s.doc_id})
        docs_of[key].add(s.doc_id)
        rows_of[key].append(s)
    names = sorted(docs_of)
    targets = np.array([[any(l in s.themes for s in rows_of[g]) for l in labels]
                        + [any(s.section == "problems" for s in rows_of[g])] for g in names], dtype=int)
    by_group = split_groups(names, targets, seed=seed)
    return {doc: by_group[g] for g in names for doc in docs_of[g]}
