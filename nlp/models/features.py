"""Segment features shared by the taggers: text views and boilerplate signals.

Every tagger sees a segment as a :class:`~nlp.text.inputs.SegmentInput`;
:func:`frame` turns inputs into a DataFrame whose columns the scikit-learn
pipelines select by name, so the fitted pipelines hold only scikit-learn objects
and persist as safetensors (:mod:`nlp.models.pipelines`).
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np
import pandas as pd

from nlp.reuse.ngrams import NgramReference, char_ngrams, mask_numbers, text_fingerprint, word_ngrams
from nlp.text.inputs import SegmentInput
from nlp.text.segments import heading_level
from nlp.text.tokenizer import Tokenizer

TEXT_COLUMNS = ("words", "chars", "context", "cues")
_YEAR = re.compile(r"(19|20)\d\d\s*年度?")
_DATE = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年\s*\d{1,2}\s*月|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_TITLE = re.compile(r"《([^》]{2,60})》")
_HIGHER = re.compile(r"条例|国务院|国办|中共中央|党中央|省人民政府|省政府|全国|国家")
_DOC_NUMBER = re.compile(r"〔\d{4}〕|\[\d{4}\]|\d{4}〕")
_UNIT = re.compile(r"(?<![我本各该])[\u4e00-\u9fff]{2,12}(局|镇|乡|街道|委员会|中心|办公室|办|厅|院|所|站|队|馆|公司)")
_ENUM = re.compile(r"^[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．是]")

# Document-frequency cut-offs (number of *other* reference reports using an n-gram).
DF_LEVELS = (1, 3, 10)
NUMERIC_COLUMNS = tuple(
    [f"{unit}_df{k}" for unit in ("w4", "c8") for k in DF_LEVELS]
    + ["w4_logdf", "c8_logdf", "w4_none", "c8_none",
       "has_number", "has_date", "n_titles", "has_own_title", "has_doc_number", "n_units",
       "log_len", "is_heading", "enumerated"]
)


def _ngram_stats(prefix: str, grams: list[str], reference: NgramReference | None, own_doc: int | None) -> dict:
    out = {f"{prefix}_none": float(not grams)}
    if not grams or reference is None:
        out.update({f"{prefix}_df{k}": 0.0 for k in DF_LEVELS})
        out[f"{prefix}_logdf"] = 0.0
        return out
    df = reference.lookup(grams, own_doc)
    for k in DF_LEVELS:
        out[f"{prefix}_df{k}"] = float(np.mean(df >= k))
    out[f"{prefix}_logdf"] = float(np.mean(np.log1p(df)) / math.log1p(max(reference.n_docs, 1)))
    return out


def boilerplate_signals(text: str, tokens: Sequence[str], references: dict[str, NgramReference] | None,
                        own_doc: int | None = None) -> dict:
    """Signals of stock vs specific text for one segment."""
    references = references or {}
    no_year = _YEAR.sub("", text)
    titles = _TITLE.findall(text)
    signals = {
        **_ngram_stats("w4", word_ngrams(tokens, 4), references.get("word4"), own_doc),
        **_ngram_stats("c8", char_ngrams(text, 8), references.get("char8"), own_doc),
        "has_number": float(bool(re.search(r"\d", no_year))),
        "has_date": float(bool(_DATE.search(text))),
        "n_titles": float(len(titles)),
        "has_own_title": float(any(not _HIGHER.search(t) for t in titles)),
        "has_doc_number": float(bool(_DOC_NUMBER.search(text))),
        "n_units": float(len(_UNIT.findall(text))),
        "log_len": math.log1p(len(text)),
        "is_heading": float(heading_level(text) is not None and len(text) <= 30 and "，" not in text),
        "enumerated": float(bool(_ENUM.match(text))),
    }
    return signals


def cue_hits(text: str, cue_words: dict[str, Sequence[str]] | None) -> str:
    """``cue=<label>`` for every label one of whose cue words occurs in ``text``."""
    return " ".join(f"cue={label}" for label, cues in (cue_words or {}).items()
                    if any(c and c in text for c in cues)) or "cue=none"


def frame(records: Sequence[SegmentInput], tokenizer: Tokenizer, references: dict[str, NgramReference] | None = None,
          with_signals: bool = False, cue_words: dict[str, Sequence[str]] | None = None,
          reuse=None) -> pd.DataFrame:
    """DataFrame with the text views (and optionally boilerplate signals) of each record.

    ``reuse`` (a :class:`~nlp.reuse.reference.ReuseReference`) adds the optional ``families`` group of
    boilerplate signals: sentence-family sizes and boilerplate phrases in a reference corpus.
    """
    fingerprints = _FingerprintCache()
    rows = []
    for r in records:
        tokens = r.tokens if r.tokens is not None else tokenizer(r.text)
        row = {
            "words": " ".join(mask_numbers(t) for t in tokens),
            "chars": mask_numbers(r.text),
            "context": " ".join([f"section={r.section or 'none'}"]
                                + [f"h={w}" for w in tokenizer(_heading_tail(r.heading or ""))]),
            "cues": cue_hits(r.text, cue_words),
        }
        if with_signals:
            own = fingerprints(r.doc_text)
            row.update(boilerplate_signals(r.text, tokens, references, own))
            if reuse is not None:
                row.update(reuse.signals(r.text, tokens, own))
        rows.append(row)
    extra = list(reuse.columns) if with_signals and reuse is not None else []
    return pd.DataFrame(rows, columns=list(TEXT_COLUMNS) + (list(NUMERIC_COLUMNS) if with_signals else []) + extra)


class _FingerprintCache:
    """One fingerprint per report text: segments of one report share the same string object, so tagging
    stays linear in report size (hashing the whole report per segment made it quadratic)."""

    def __init__(self):
        self._by_id: dict[int, tuple[str, int]] = {}

    def __call__(self, doc_text: str | None) -> int | None:
        if doc_text is None:
            return None
        hit = self._by_id.get(id(doc_text))
        if hit is None or hit[0] is not doc_text:
            hit = (doc_text, text_fingerprint(doc_text))
            self._by_id[id(doc_text)] = hit
        return hit[1]


def _heading_tail(heading: str) -> str:
    """The sub-heading part of a heading path (``problems > (二)改进措施`` → ``(二)改进措施``)."""
    parts = heading.split(" > ")
    return " ".join(parts[1:])
