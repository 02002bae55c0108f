"""Read the shared report corpus layout: ``seeds/*.txt`` (whole reports) and ``excerpts.jsonl`` (passages)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from nlp.text.reader import Source, read, read_text
from nlp.text.sections import NARRATIVE_KINDS


@dataclass
class CorpusReport:
    doc_id: str
    source: Source
    origin: str
    meta: dict

    @property
    def start_kind(self) -> str | None:
        """The section a headingless passage starts in, when the collector listed only one narrative kind."""
        sections = self.meta.get("sections") or []
        return sections[0] if len(sections) == 1 and sections[0] in NARRATIVE_KINDS else None


def seed_doc_id(path: Path) -> str:
    return f"seed-{path.stem[:3]}-{path.stem[4:]}"


def iter_corpus(root: str | Path) -> Iterator[CorpusReport]:
    """Every report of a corpus directory laid out like ``shared/corpus``."""
    root = Path(root)
    for path in sorted((root / "seeds").glob("*.txt")):
        yield CorpusReport(seed_doc_id(path), read(path), f"seeds/{path.name}", {})
    excerpts = root / "excerpts.jsonl"
    if excerpts.exists():
        with open(excerpts, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                meta = {k: v for k, v in row.items() if k != "text"}
                yield CorpusReport(f"ex-{row['id']}", read_text(row["text"]), f"excerpts.jsonl#{row['id']}", meta)
