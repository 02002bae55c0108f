"""Year-over-year reuse between a body's consecutive reports: stickiness and length-adjusted similarity.

* **Sticky share**: the share of this year's segments (headings left out: every
  report repeats the outline) that have a near duplicate
  (:func:`nlp.reuse.families.near_duplicate`, the same rule as sentence families)
  anywhere in the same body's report of the previous year.
* **N-gram stickiness** (Dyer, Lang & Stice-Lawrence 2017): the share of this
  year's word 8-gram occurrences whose 8-gram also occurs in last year's report.
* **Similarity** (Brown & Tucker 2011): cosine similarity of the two years'
  word-frequency vectors (jieba words, numbers masked); their modification score
  is one minus it. Similarity rises mechanically with length, so the adjusted
  score is the residual of an OLS regression of the similarity on a polynomial in
  the log word count of this year's text, fitted over all pairs; the degree is
  ``max_degree`` (5) lowered to keep ``pairs_per_coefficient`` pairs per
  coefficient on small samples, and recorded.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from nlp.reuse.families import Fingerprint, jaccard


@dataclass(frozen=True)
class StickinessConfig:
    ngram_unit: str = "word8"
    max_degree: int = 5
    pairs_per_coefficient: int = 5
    skip_headings: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def consecutive_pairs(bodies: Sequence[str | None], years: Sequence[int | None],
                      sizes: Sequence[int]) -> dict[int, int]:
    """For each report, the report of the same body one year earlier (the longest if there are several)."""
    by_key: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, (body, year) in enumerate(zip(bodies, years)):
        if body and year is not None:
            by_key[(body, int(year))].append(i)
    pairs = {}
    for (body, year), reports in by_key.items():
        previous = by_key.get((body, year - 1))
        if previous:
            prev = max(previous, key=lambda j: (sizes[j], -j))
            for i in reports:
                pairs[i] = prev
    return pairs


def sticky_flags(current: Sequence[Fingerprint], previous: Sequence[Fingerprint], threshold: float) -> list[bool]:
    """Does each current segment have a near duplicate among the previous report's segments?"""
    prev_keys = {fp.key for fp in previous if fp.key}
    prev_long = [fp.shingles for fp in previous if not fp.short]
    out = []
    for fp in current:
        if fp.key and fp.key in prev_keys:
            out.append(True)
        elif fp.short:
            out.append(False)
        else:
            out.append(any(jaccard(fp.shingles, s) >= threshold for s in prev_long))
    return out


def cosine(a: Sequence[str], b: Sequence[str]) -> float:
    """Cosine similarity of two bags of words (NaN if either is empty)."""
    ca, cb = Counter(a), Counter(b)
    na = math.sqrt(sum(v * v for v in ca.values()))
    nb = math.sqrt(sum(v * v for v in cb.values()))
    if not na or not nb:
        return float("nan")
    return sum(v * cb[k] for k, v in ca.items()) / (na * nb)


def ngram_stickiness(current: Sequence[str], previous: set[str]) -> float:
    """Share of ``current`` n-gram occurrences also found in ``previous`` (NaN if there are none)."""
    if not current:
        return float("nan")
    return sum(g in previous for g in current) / len(current)


def length_adjusted(similarity: Sequence[float], length: Sequence[float], max_degree: int = 5,
                    pairs_per_coefficient: int = 5) -> tuple[np.ndarray, int | None]:
    """Residuals of ``similarity`` on a polynomial in log ``length``, and the degree used (None: too few pairs)."""
    y = np.asarray(similarity, dtype=float)
    x = np.log(np.maximum(np.asarray(length, dtype=float), 1.0))
    out = np.full(len(y), np.nan)
    ok = np.isfinite(y)
    n = int(ok.sum())
    if n < 2:
        return out, None
    degree = max(0, min(max_degree, n // pairs_per_coefficient - 1))
    xs = x[ok]
    if xs.std() == 0:
        degree = 0
    z = (xs - xs.mean()) / (xs.std() or 1.0)
    design = np.vander(z, degree + 1)
    beta, *_ = np.linalg.lstsq(design, y[ok], rcond=None)
    out[ok] = y[ok] - design @ beta
    return out, degree
