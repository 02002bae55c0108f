"""The data a training run reads: gold splits, their report texts, and the boilerplate reference corpus."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from nlp.io.corpus import iter_reports
from nlp.labels.gold import SPLITS, GoldError, GoldSegment, gold_records, load_gold, read_documents
from nlp.labels.splits import split_by_body
from nlp.labels.labelset import LabelSet, load_labelset
from nlp.text.inputs import SegmentInput


def data_hash(gold: Path) -> str:
    """A short hash of the gold files, for the model card."""
    h = hashlib.sha256()
    files = sorted(gold.glob("*.jsonl")) if gold.is_dir() else [gold]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class TrainingData:
    """Gold segments by split and the model inputs built from them (with report texts and offsets)."""

    gold: Path
    labelset: LabelSet
    splits: dict[str, list[GoldSegment]]
    documents: dict[str, str] = field(default_factory=dict)
    hash: str = ""  # of the gold files as read: a card written hours later must not hash files changed meanwhile

    @classmethod
    def load(cls, gold: str | Path, labelset: str | LabelSet | None = None,
             split_by: str | None = None) -> "TrainingData":
        """A gold directory (train/dev/test.jsonl), or one gold file whose rows carry a ``split``, or one
        file split here by issuing body (``split_by="body"``). Never trains and tests on the same rows."""
        gold = Path(gold)
        digest = data_hash(gold)
        if gold.is_dir() and split_by is None:
            splits = {s: load_gold(gold, s, labelset) for s in ("train", "dev")}
            splits["test"] = load_gold(gold, "test", labelset) if (gold / "test.jsonl").exists() else []
        else:
            rows = load_gold(gold, None, labelset)
            if split_by == "body":
                ids = (labelset if isinstance(labelset, LabelSet) else load_labelset(labelset or rows[0].label_set)).ids
                assignment = split_by_body(rows, ids)
                rows = [replace(r, split=assignment[r.doc_id]) for r in rows]
            elif split_by is not None:
                raise GoldError(f"unknown split rule {split_by!r}; the one rule is 'body'")
            elif any(r.split not in SPLITS for r in rows):
                raise GoldError(f"{gold}: rows without a 'split' field (train, dev or test), so training, threshold "
                                "tuning and test figures would all use the same rows. Give every row a split, "
                                "or pass --split-by body to split the reports by issuing body.")
            splits = {s: [r for r in rows if r.split == s] for s in SPLITS}
            for s in ("train", "dev"):
                if not splits[s]:
                    raise GoldError(f"{gold}: no {s} rows")
        if isinstance(labelset, LabelSet):
            resolved = labelset
        else:
            resolved = load_labelset(labelset or splits["train"][0].label_set)
        docs_file = (gold if gold.is_dir() else gold.parent) / "documents.jsonl"
        documents = read_documents(docs_file) if docs_file.exists() else {}
        return cls(gold, resolved, splits, documents, digest)

    def inputs(self, split: str) -> list[SegmentInput]:
        return gold_records(self.splits[split], self.documents)

    def segments(self, split: str) -> list[GoldSegment]:
        return self.splits[split]


def reference_texts(reference: Path | None, documents: dict[str, str]) -> tuple[list[str], str]:
    """Texts of the reference corpus for n-gram frequencies (the shared corpus when present)."""
    if reference and Path(reference).exists():
        return [r.source.text for r in iter_reports([reference])], os.path.relpath(reference)
    return list(documents.values()), "gold documents.jsonl"
