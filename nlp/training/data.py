"""The data a training run reads: gold splits, their report texts, and the boilerplate reference corpus."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from nlp.io.corpus import iter_reports
from nlp.labels.gold import GoldSegment, gold_records, load_gold, read_documents
from nlp.labels.labelset import LabelSet, load_labelset
from nlp.text.inputs import SegmentInput


def data_hash(gold: Path) -> str:
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

    @classmethod
    def load(cls, gold: str | Path, labelset: str | LabelSet | None = None) -> "TrainingData":
        gold = Path(gold)
        splits = {"train": load_gold(gold, "train", labelset), "dev": load_gold(gold, "dev", labelset)}
        has_test = not gold.is_dir() or (gold / "test.jsonl").exists()
        splits["test"] = load_gold(gold, "test", labelset) if has_test else []
        if isinstance(labelset, LabelSet):
            resolved = labelset
        else:
            resolved = load_labelset(labelset or splits["train"][0].label_set)
        docs_file = (gold if gold.is_dir() else gold.parent) / "documents.jsonl"
        documents = read_documents(docs_file) if docs_file.exists() else {}
        return cls(gold, resolved, splits, documents)

    def inputs(self, split: str) -> list[SegmentInput]:
        return gold_records(self.splits[split], self.documents)

    def segments(self, split: str) -> list[GoldSegment]:
        return self.splits[split]

    @property
    def hash(self) -> str:
        return data_hash(self.gold)


def reference_texts(reference: Path | None, documents: dict[str, str]) -> tuple[list[str], str]:
    """Texts of the reference corpus for n-gram frequencies (the shared corpus when present)."""
    if reference and Path(reference).exists():
        return [r.source.text for r in iter_reports([reference])], os.path.relpath(reference)
    return list(documents.values()), "gold documents.jsonl"
