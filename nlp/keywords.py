"""Keyword baseline: the cue words of a label set as rules, to show what learning adds."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .labels import LabelSet

_SPECIFIC = re.compile(r"\d|《[^》]+》")
_YEAR = re.compile(r"(19|20)\d\d\s*年度?")


class KeywordTagger:
    """A theme fires when one of its cue words occurs in the segment.

    Boilerplate: a segment with no number (the year aside) and no named document is stock.
    """

    def __init__(self, labelset: LabelSet):
        self.labelset = labelset
        self.labels = labelset.ids
        self._cues = [[c.strip("…") for c in label.cues if c.strip("…")] for label in labelset.labels]

    def predict_proba(self, records: Sequence[dict]) -> np.ndarray:
        return np.array([[float(any(c in r["text"] for c in cues)) for cues in self._cues] for r in records]
                        ).reshape(len(records), len(self.labels))

    def predict(self, records: Sequence[dict]) -> list[list[str]]:
        return [sorted(l for l, s in zip(self.labels, row) if s) for row in self.predict_proba(records)]

    def boilerplate_proba(self, records: Sequence[dict]) -> np.ndarray:
        return np.array([0.0 if _SPECIFIC.search(_YEAR.sub("", r["text"])) else 1.0 for r in records])
