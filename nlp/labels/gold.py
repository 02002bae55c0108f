"""Read and validate hand-labelled gold files (LABELING.md §4) into segment objects.

A gold directory holds ``train.jsonl``, ``dev.jsonl``, ``test.jsonl`` and,
optionally, ``documents.jsonl`` with the normalised text of every document so
that offsets can be checked. A single JSONL file in the same row format works
too, including files the project has never seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Sequence
from pathlib import Path

from nlp.labels.labelset import LabelSet, LabelSetError, load_labelset
from nlp.text.inputs import SegmentInput, simplified_report
from nlp.text.script import to_simplified
from nlp.text.segments import Segment

SPLITS = ("train", "dev", "test")
DEFAULT_LABELSET = "gov-disclosure-v1"


class GoldError(ValueError):
    """A gold file that breaks the format or the label set; the message names file and line."""


@dataclass
class GoldSegment(Segment):
    """A segment with its hand labels and provenance."""

    id: str = ""
    doc_id: str = ""
    split: str | None = None
    source: str | None = None
    annotator: str | None = None
    label_set: str = DEFAULT_LABELSET
    meta: dict = field(default_factory=dict)


_CORE = {"id", "doc_id", "section", "text", "start", "end", "themes", "boilerplate", "source", "annotator",
         "heading", "label_set", "split"}


def _row_to_segment(row: dict, where: str, split: str | None) -> GoldSegment:
    for key in ("id", "doc_id", "text", "themes", "boilerplate"):
        if key not in row:
            raise GoldError(f"{where}: missing required key {key!r}")
    if not isinstance(row["themes"], list) or not all(isinstance(t, str) for t in row["themes"]):
        raise GoldError(f"{where}: 'themes' must be a list of theme ids")
    if not isinstance(row["boilerplate"], bool):
        raise GoldError(f"{where}: 'boilerplate' must be true or false")
    return GoldSegment(
        section=row.get("section") or "", heading=row.get("heading") or row.get("section") or "",
        start=row.get("start"), end=row.get("end"), text=row["text"],
        themes=sorted(row["themes"]), boilerplate=row["boilerplate"],
        id=row["id"], doc_id=row["doc_id"], split=row.get("split", split), source=row.get("source"),
        annotator=row.get("annotator"), label_set=row.get("label_set", DEFAULT_LABELSET),
        meta={k: v for k, v in row.items() if k not in _CORE},
    )


def read_gold_file(path: str | Path, split: str | None = None) -> list[GoldSegment]:
    path = Path(path)
    if not path.exists():
        raise GoldError(f"{path}: no such gold file")
    out = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise GoldError(f"{path}:{number}: not valid JSON ({err.msg})") from None
            out.append(_row_to_segment(row, f"{path}:{number}", split))
    return out


def read_documents(path: str | Path) -> dict[str, str]:
    """``documents.jsonl``: doc_id → normalised text."""
    with open(path, encoding="utf-8") as f:
        return {row["doc_id"]: row["text"] for row in map(json.loads, filter(str.strip, f))}


def gold_records(segments: Sequence[GoldSegment], documents: dict[str, str]) -> list[SegmentInput]:
    """Model inputs of gold segments, each with its report's text and offsets for context features."""
    reports = {doc_id: simplified_report(text) for doc_id, text in documents.items()}
    return [SegmentInput(text=to_simplified(s.text), section=s.section, heading=to_simplified(s.heading), doc_id=s.doc_id,
                         start=s.start, end=s.end, doc_text=reports.get(s.doc_id)) for s in segments]


def _files(path: Path, split: str | None) -> list[tuple[Path, str | None]]:
    if path.is_dir():
        wanted = [split] if split else list(SPLITS)
        files = [(path / f"{s}.jsonl", s) for s in wanted if (path / f"{s}.jsonl").exists()]
        if not files:
            raise GoldError(f"{path}: no {' / '.join(f'{s}.jsonl' for s in wanted)} in this gold directory")
        return files
    return [(path, split)]


def load_gold(path: str | Path, split: str | None = None, labelset: LabelSet | str | None = None,
              documents: dict[str, str] | None = None) -> list[GoldSegment]:
    """Load and validate gold segments from a directory (optionally one split) or a file.

    Checks: theme ids defined by the label set, unique ids, one split per document,
    and ``text == document[start:end]`` wherever the document text is known.
    """
    path = Path(path)
    segments: list[GoldSegment] = []
    for file, file_split in _files(path, split):
        segments.extend(read_gold_file(file, file_split))
    if split and not path.is_dir():
        segments = [s for s in segments if s.split in (None, split)]
    if documents is None:
        docs_file = (path if path.is_dir() else path.parent) / "documents.jsonl"
        documents = read_documents(docs_file) if docs_file.exists() else {}
    validate(segments, labelset, documents, where=str(path))
    return segments


def validate(segments: list[GoldSegment], labelset: LabelSet | str | None, documents: dict[str, str],
             where: str) -> None:
    names = {s.label_set for s in segments}
    if labelset is None:
        if len(names) > 1:
            raise GoldError(f"{where}: rows name several label sets {sorted(names)}")
        labelset = names.pop() if names else DEFAULT_LABELSET
    if isinstance(labelset, str):
        labelset = load_labelset(labelset)
    seen: set[str] = set()
    split_of: dict[str, str] = {}
    for seg in segments:
        if seg.id in seen:
            raise GoldError(f"{where}: duplicate segment id {seg.id!r}")
        seen.add(seg.id)
        try:
            labelset.check(seg.themes, f"{where}: segment {seg.id!r}")
        except LabelSetError as err:
            raise GoldError(str(err)) from None
        if seg.split:
            other = split_of.setdefault(seg.doc_id, seg.split)
            if other != seg.split:
                raise GoldError(f"{where}: document {seg.doc_id!r} is in both {other!r} and {seg.split!r}; "
                                "splits must be disjoint by document")
        text = documents.get(seg.doc_id)
        if text is not None and seg.start is not None:
            if text[seg.start:seg.end] != seg.text:
                raise GoldError(f"{where}: segment {seg.id!r}: offsets {seg.start}:{seg.end} give "
                                f"{text[seg.start:seg.end][:30]!r}, not the segment text {seg.text[:30]!r}")
