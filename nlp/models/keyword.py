"""Keyword baseline: the cue words of a label set as rules, to show what learning adds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.labels.labelset import LabelSet
from nlp.models.base import Predictions, TaggerModel
from nlp.models.card import read_card
from nlp.text.inputs import SegmentInput

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

    def predict_proba(self, records: Sequence[SegmentInput]) -> np.ndarray:
        return np.array([[float(any(c in r.text for c in cues)) for cues in self._cues] for r in records]
                        ).reshape(len(records), len(self.labels))

    def predict(self, records: Sequence[SegmentInput]) -> list[list[str]]:
        return [sorted(l for l, s in zip(self.labels, row) if s) for row in self.predict_proba(records)]

    def boilerplate_proba(self, records: Sequence[SegmentInput]) -> np.ndarray:
        return np.array([0.0 if _SPECIFIC.search(_YEAR.sub("", r.text)) else 1.0 for r in records])


class KeywordModel(TaggerModel):
    """Cue words of the label set as rules (the baseline)."""

    kind = "keyword"

    def __init__(self, labelset: LabelSet, card: dict | None = None):
        super().__init__(labelset, card)
        self.rules = KeywordTagger(labelset)

    def predict(self, records: Sequence[SegmentInput]) -> Predictions:
        bp = self.rules.boilerplate_proba(records)
        return Predictions(self.labels, self.rules.predict(records), self.rules.predict_proba(records), bp >= 0.5, bp)

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet) -> "KeywordModel":
        return cls(labelset, read_card(path))
