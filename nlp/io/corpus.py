"""Read report corpora, whatever their layout, as :class:`CorpusReport` items (one reader for every caller).

A source is one of:
- a corpus directory laid out like ``shared/corpus``: ``seeds/*.txt`` (whole reports) and
  ``excerpts.jsonl`` (passages with metadata);
- a JSONL file of reports, one object per line with ``text`` and optional ``id``/metadata
  (the shared excerpts, or the project's corpus v2 in ``corpora/corpus/``);
- report files, directories (recursively, known suffixes) or globs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from nlp.text.reader import ReadError, Source, read, read_text
from nlp.text.sections import NARRATIVE_KINDS


@dataclass
class CorpusReport:
    doc_id: str
    source: Source
    origin: str
    meta: dict

    @property
    def start_kind(self) -> str | None:
        """The section a headingless passage starts in, when the collector listed only one narrative kind
        (``collector_sections`` in corpus v2, ``sections`` in the shared corpus)."""
        sections = self.meta.get("collector_sections", self.meta.get("sections")) or []
        return sections[0] if len(sections) == 1 and sections[0] in NARRATIVE_KINDS else None


def seed_doc_id(path: Path) -> str:
    return f"seed-{path.stem[:3]}-{path.stem[4:]}"


def iter_jsonl_reports(path: str | Path, prefix: str = "") -> Iterator[CorpusReport]:
    """Reports of a JSONL file: every row's ``text`` with the rest of the row as metadata."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            key = row.get("id") or f"{path.stem}-{n}"
            meta = {k: v for k, v in row.items() if k != "text"}
            yield CorpusReport(f"{prefix}{key}", read_text(row["text"]), f"{path.name}#{key}", meta)


def iter_corpus(root: str | Path) -> Iterator[CorpusReport]:
    """Every report of a corpus directory laid out like ``shared/corpus``."""
    root = Path(root)
    for path in sorted((root / "seeds").glob("*.txt")):
        yield CorpusReport(seed_doc_id(path), read(path), f"seeds/{path.name}", {})
    if (root / "excerpts.jsonl").exists():
        yield from iter_jsonl_reports(root / "excerpts.jsonl", prefix="ex-")


def is_corpus_dir(path: Path) -> bool:
    return path.is_dir() and ((path / "excerpts.jsonl").exists() or (path / "seeds").is_dir())


def iter_reports(sources: Iterable[str | Path],
                 on_error: Callable[[str, str], None] | None = None) -> Iterator[CorpusReport]:
    """Reports of every source (see the module docstring), in order.

    A file that cannot be read is passed to ``on_error(path, reason)`` and skipped; without
    ``on_error`` the :class:`ReadError` propagates.
    """
    from nlp.io.batch import expand_paths

    files: list[str] = []
    for source in sources:
        path = Path(source)
        if is_corpus_dir(path):
            yield from iter_corpus(path)
        elif path.suffix == ".jsonl" and path.is_file():
            yield from iter_jsonl_reports(path)
        else:
            files.append(str(source))
    for path in expand_paths(files) if files else []:
        try:
            yield CorpusReport(path.stem, read(path), str(path), {})
        except ReadError as err:
            if on_error is None:
                raise
            on_error(str(path), err.reason)
