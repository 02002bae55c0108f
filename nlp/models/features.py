"""Segment features shared by the taggers: text views and boilerplate signals.

Every tagger sees a segment as a :class:`~nlp.text.inputs.SegmentInput`;
:func:`frame` turns inputs into a DataFrame whose columns the scikit-learn
pipelines select by name, so the fitted pipelines hold only scikit-learn objects
and persist as safetensors (:mod:`nlp.models.pipelines`).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Sequence

import numpy as np
import pandas as pd

from nlp.reuse.ngrams import NgramReference, mask_numbers, ngram_keys, text_fingerprint
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
_NUMBER = re.compile(r"\d")

# Document-frequency cut-offs (number of *other* reference reports using an n-gram).
DF_LEVELS = (1, 3, 10)
NUMERIC_COLUMNS = tuple(
    [f"{unit}_df{k}" for unit in ("w4", "c8") for k in DF_LEVELS]
    + ["w4_logdf", "c8_logdf", "w4_none", "c8_none",
       "has_number", "has_date", "n_titles", "has_own_title", "has_doc_number", "n_units",
       "log_len", "is_heading", "enumerated"]
)


def _ngram_stats(prefix: str, kind: str, n: int, items: Sequence, reference: NgramReference | None,
                 own_docs: list[int | None]) -> dict[str, np.ndarray]:
    """Per segment: share of its distinct n-grams used by at least k other reference reports, their mean
    log document frequency, and whether it has none. The batch's keys in one pass, looked up at once."""
    count = len(items)
    rows, keys = ngram_keys(kind, items, n, reference.scheme if reference is not None else "poly64")
    sizes = np.bincount(rows, minlength=count)
    out = {f"{prefix}_none": (sizes == 0).astype(float)}
    if reference is None or not count:
        out.update({f"{prefix}_df{k}": np.zeros(count) for k in DF_LEVELS})
        out[f"{prefix}_logdf"] = np.zeros(count)
        return out
    df = reference.frequencies(keys)
    in_reference = {d: reference.contains(d) for d in set(own_docs) if d is not None}  # one look-up per report
    own = np.array([in_reference.get(d, False) for d in own_docs], dtype=bool)[rows]
    df = np.where(own, np.maximum(df - 1, 0), df)  # a reference report does not count itself
    per = np.maximum(sizes, 1)
    for k in DF_LEVELS:
        out[f"{prefix}_df{k}"] = np.bincount(rows, weights=df >= k, minlength=count) / per
    scale = math.log1p(max(reference.n_docs, 1))
    out[f"{prefix}_logdf"] = np.bincount(rows, weights=np.log1p(df), minlength=count) / per / scale
    return out


def boilerplate_signals(texts: Sequence[str], tokens: Sequence[Sequence[str]],
                        references: dict[str, NgramReference] | None,
                        own_docs: Sequence[int | None] | None = None) -> dict[str, np.ndarray]:
    """Signals of stock vs specific text, one array per signal over a batch of segments."""
    references = references or {}
    own_docs = list(own_docs) if own_docs is not None else [None] * len(texts)
    columns = {
        **_ngram_stats("w4", "word", 4, tokens, references.get("word4"), own_docs),
        **_ngram_stats("c8", "char", 8, texts, references.get("char8"), own_docs),
    }
    rows = [_text_signals(t) for t in texts]
    for i, name in enumerate(_TEXT_SIGNALS):
        columns[name] = np.array([r[i] for r in rows], dtype=float)
    return columns


_TEXT_SIGNALS = ("has_number", "has_date", "n_titles", "has_own_title", "has_doc_number", "n_units", "log_len",
                 "is_heading", "enumerated")


def _text_signals(text: str) -> tuple:
    titles = _TITLE.findall(text)
    return (bool(_NUMBER.search(_YEAR.sub("", text))), bool(_DATE.search(text)), len(titles),
            any(not _HIGHER.search(t) for t in titles), bool(_DOC_NUMBER.search(text)), len(_UNIT.findall(text)),
            math.log1p(len(text)), heading_level(text) is not None and len(text) <= 30 and "，" not in text,
            bool(_ENUM.match(text)))


@functools.lru_cache(maxsize=64)
def _cue_patterns(cue_words: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern]]:
    return [(label, re.compile("|".join(re.escape(c) for c in cues if c))) for label, cues in cue_words
            if any(cues)]


def cue_hits(texts: Sequence[str], cue_words: dict[str, Sequence[str]] | None) -> list[str]:
    """Per text: ``cue=<label>`` for every label one of whose cue words occurs in it."""
    patterns = _cue_patterns(tuple((label, tuple(cues)) for label, cues in (cue_words or {}).items()))
    return [" ".join(f"cue={label}" for label, pattern in patterns if pattern.search(t)) or "cue=none" for t in texts]


def frame(records: Sequence[SegmentInput], tokenizer: Tokenizer, references: dict[str, NgramReference] | None = None,
          with_signals: bool = False, cue_words: dict[str, Sequence[str]] | None = None,
          reuse=None) -> pd.DataFrame:
    """DataFrame with the text views (and optionally boilerplate signals) of each record.

    ``reuse`` (a :class:`~nlp.reuse.reference.ReuseReference`) adds the optional ``families`` group of
    boilerplate signals: sentence-family sizes and boilerplate phrases in a reference corpus.
    """
    texts = [r.text for r in records]
    tokens = [r.tokens if r.tokens is not None else tokenizer(r.text) for r in records]
    # segments of one part share its heading: each distinct heading is tokenised once per batch
    heading_words = {tail: "".join(f" h={w}" for w in tokenizer(tail))
                     for tail in {_heading_tail(r.heading or "") for r in records}}
    columns: dict[str, object] = {
        # masking the joined tokens masks each token: a space ends every number and counter word
        "words": [mask_numbers(" ".join(t)) for t in tokens],
        "chars": [mask_numbers(t) for t in texts],
        "context": [f"section={r.section or 'none'}" + heading_words[_heading_tail(r.heading or "")] for r in records],
        "cues": cue_hits(texts, cue_words),
    }
    extra: list[str] = []
    if with_signals:
        fingerprints = _FingerprintCache()
        own = [fingerprints(r.doc_text) for r in records]
        columns.update(boilerplate_signals(texts, tokens, references, own))
        if reuse is not None:
            extra = list(reuse.columns)
            rows = [reuse.signals(t, w, d) for t, w, d in zip(texts, tokens, own)]
            columns.update({c: [row[c] for row in rows] for c in extra})
    names = list(TEXT_COLUMNS) + (list(NUMERIC_COLUMNS) if with_signals else []) + extra
    return pd.DataFrame({c: columns[c] for c in names}, columns=names)


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
