"""Boilerplate index after Lang & Stice-Lawrence (2015) and redundancy after Dyer, Lang & Stice-Lawrence (2017).

Boilerplate: an n-gram (jieba word 4-gram, or character 8-gram) counts as a
boilerplate phrase when, over the reference reports,

* it occurs in fewer than ``max_doc_share`` (75 %) of the reports — phrases
  nearly every report uses (the outline's own headings) are dropped first, and
* it occurs in at least ``min_doc_share`` (30 %) of the reports, or on average
  at least ``min_mean_count`` (5) times per report (total occurrences divided
  by the number of reference reports), and
* it occurs in at least ``min_docs`` reports: on a small corpus 30 % can be one
  or two reports, and one report's own repetitions are not stock language.

A segment (the package's sentence unit) containing a boilerplate phrase is a
boilerplate sentence; the boilerplate index of a report (or of one section) is
the share of its words (characters, for character n-grams) that are in
boilerplate sentences. N-grams are taken within segments, never across them,
with numbers masked.

Redundancy (Cazier & Pfeiffer 2016, as used by Dyer et al. 2017): the share of a
report's long n-gram occurrences (word 10-grams) whose n-gram occurs more than
once in the same report.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np

from nlp.reuse.ngrams import char_ngrams, text_fingerprint, word_ngrams

_UNIT = re.compile(r"^(word|char)(\d+)$")


@dataclass(frozen=True)
class BoilerplateConfig:
    """Which n-grams are boilerplate phrases (recorded in every output's metadata)."""

    units: tuple[str, ...] = ("word4", "char8")
    max_doc_share: float = 0.75    # drop n-grams in this share of reports or more
    min_doc_share: float = 0.30    # keep n-grams in at least this share of reports ...
    min_mean_count: float = 5.0    # ... or used at least this often per report on average
    min_docs: int = 5              # and always in at least this many reports
    mask_numbers: bool = True
    reference_by: str | None = None  # None: all analysed reports; "year", "level" or a metadata field: that group's

    def to_dict(self) -> dict:
        return asdict(self) | {"units": list(self.units)}


def parse_unit(unit: str) -> tuple[str, int]:
    """``word4`` → (``word``, 4); ``char8`` → (``char``, 8)."""
    m = _UNIT.match(unit)
    if not m:
        raise ValueError(f"unknown n-gram unit {unit!r}; expected wordN or charN, e.g. word4, char8")
    return m.group(1), int(m.group(2))


def segment_ngrams(unit: str, text: str, tokens: Sequence[str], mask: bool = True) -> list[str]:
    """The n-grams of one segment: jieba words (``tokens``) or characters without spaces."""
    kind, n = parse_unit(unit)
    return word_ngrams(tokens, n, mask) if kind == "word" else char_ngrams(text, n, mask)


def unit_length(unit: str, text: str, tokens: Sequence[str]) -> int:
    """What a share is a share of: words for word n-grams, non-space characters for character n-grams."""
    return len(tokens) if parse_unit(unit)[0] == "word" else len(re.sub(r"\s+", "", text))


def hash_each(grams: Iterable[str]) -> np.ndarray:
    """64-bit hash of every n-gram occurrence (repeats kept), the same hash as :func:`nlp.reuse.ngrams.hash_ngrams`."""
    return np.fromiter((text_fingerprint(g) for g in grams), dtype=np.uint64)


def is_boilerplate(df: np.ndarray, cf: np.ndarray, n_docs: int, config: BoilerplateConfig) -> np.ndarray:
    """The phrase rule on document frequencies ``df`` and total counts ``cf`` over ``n_docs`` reports."""
    df = np.asarray(df, dtype=np.float64)
    cf = np.asarray(cf, dtype=np.float64)
    if n_docs <= 0:
        return np.zeros(df.shape, dtype=bool)
    share = df / n_docs
    common = (share >= config.min_doc_share) | (cf / n_docs >= config.min_mean_count)
    return common & (share < config.max_doc_share) & (df >= config.min_docs)


@dataclass
class PhraseTable:
    """Document frequency ``df`` and total count ``cf`` of every n-gram (hashed) over reference reports.

    The per-report counts (``doc_ptr``/``doc_keys``/``doc_counts``, one row per
    report in ``doc_fps`` order) let a report that is itself in the reference be
    scored as if it were not (leave-one-report-out), as the detector needs.
    """

    unit: str
    keys: np.ndarray
    df: np.ndarray
    cf: np.ndarray
    n_docs: int
    doc_fps: np.ndarray
    doc_ptr: np.ndarray
    doc_keys: np.ndarray
    doc_counts: np.ndarray

    @classmethod
    def build(cls, unit: str, docs: Sequence[tuple[int, Sequence[np.ndarray]]]) -> "PhraseTable":
        """``docs``: (report fingerprint, hashed n-gram occurrences of each segment) for every reference report."""
        per_doc = []
        for _, segments in docs:
            allg = np.concatenate(list(segments)) if len(segments) else np.zeros(0, np.uint64)
            per_doc.append(np.unique(allg, return_counts=True))
        keys = np.unique(np.concatenate([k for k, _ in per_doc])) if per_doc else np.zeros(0, np.uint64)
        df = np.zeros(len(keys), dtype=np.int32)
        cf = np.zeros(len(keys), dtype=np.int64)
        doc_keys = [np.searchsorted(keys, k).astype(np.int32) for k, _ in per_doc]
        for idx, (_, counts) in zip(doc_keys, per_doc):
            df[idx] += 1
            cf[idx] += counts
        ptr = np.zeros(len(per_doc) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum([len(k) for k in doc_keys])
        cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
        return cls(unit, keys, df, cf, len(docs), np.array([fp for fp, _ in docs], dtype=np.uint64), ptr,
                   cat(doc_keys, np.int32), cat([c for _, c in per_doc], np.int32))

    def boilerplate_keys(self, config: BoilerplateConfig) -> np.ndarray:
        """Sorted hashes of the boilerplate phrases over the whole reference."""
        return self.keys[is_boilerplate(self.df, self.cf, self.n_docs, config)]

    def flags(self, hashed: np.ndarray, config: BoilerplateConfig, doc_fp: int | None = None) -> np.ndarray:
        """Is each hashed n-gram a boilerplate phrase, leaving out report ``doc_fp`` if it is a reference report?"""
        hashed = np.asarray(hashed, dtype=np.uint64)
        if not len(hashed) or not len(self.keys):
            return np.zeros(len(hashed), dtype=bool)
        pos = np.minimum(np.searchsorted(self.keys, hashed), len(self.keys) - 1)
        found = self.keys[pos] == hashed
        df = np.where(found, self.df[pos], 0).astype(np.int64)
        cf = np.where(found, self.cf[pos], 0).astype(np.int64)
        n_docs = self.n_docs
        row = np.flatnonzero(self.doc_fps == np.uint64(doc_fp)) if doc_fp is not None else []
        if len(row):  # leave the report out: its own occurrences do not make a phrase common
            r = int(row[0])
            own_keys = self.doc_keys[self.doc_ptr[r]:self.doc_ptr[r + 1]]
            own_counts = self.doc_counts[self.doc_ptr[r]:self.doc_ptr[r + 1]]
            if len(own_keys):
                at = np.minimum(np.searchsorted(own_keys, pos), len(own_keys) - 1)
                mine = found & (own_keys[at] == pos)
                df = df - mine
                cf = cf - np.where(mine, own_counts[at], 0)
            n_docs -= 1
        return is_boilerplate(df, cf, n_docs, config)

    def pruned(self, min_df: int) -> "PhraseTable":
        """Only n-grams in at least ``min_df`` reports (the others can never be phrases): small enough to ship."""
        keep = self.df >= min_df
        new_index = np.cumsum(keep) - 1
        rows, counts, ptr = [], [], [0]
        for r in range(len(self.doc_fps)):
            k = self.doc_keys[self.doc_ptr[r]:self.doc_ptr[r + 1]]
            c = self.doc_counts[self.doc_ptr[r]:self.doc_ptr[r + 1]]
            m = keep[k]
            rows.append(new_index[k[m]].astype(np.int32))
            counts.append(c[m])
            ptr.append(ptr[-1] + int(m.sum()))
        cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt))
        return PhraseTable(self.unit, self.keys[keep], self.df[keep], self.cf[keep], self.n_docs, self.doc_fps,
                           np.array(ptr, dtype=np.int64), cat(rows, np.int32), cat(counts, np.int32))

    def tensors(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.{name}": getattr(self, name) for name in
                ("keys", "df", "cf", "doc_fps", "doc_ptr", "doc_keys", "doc_counts")} | {
            f"{prefix}.n_docs": np.array([self.n_docs], dtype=np.int64)}

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], prefix: str, unit: str) -> "PhraseTable":
        t = {name: tensors[f"{prefix}.{name}"] for name in
             ("keys", "df", "cf", "doc_fps", "doc_ptr", "doc_keys", "doc_counts")}
        return cls(unit=unit, n_docs=int(tensors[f"{prefix}.n_docs"][0]), **t)


def share(lengths: Sequence[int], flags: Sequence[bool]) -> float:
    """Length-weighted share of flagged segments (NaN when there is nothing to weigh)."""
    total = float(np.sum(lengths)) if len(lengths) else 0.0
    return float(np.dot(lengths, np.asarray(flags, dtype=float)) / total) if total else float("nan")


def redundancy(gram_lists: Iterable[Sequence[str]]) -> float:
    """Share of n-gram occurrences whose n-gram occurs more than once across ``gram_lists`` (NaN if none)."""
    counts = Counter(g for grams in gram_lists for g in grams)
    total = sum(counts.values())
    return sum(c for c in counts.values() if c > 1) / total if total else float("nan")
