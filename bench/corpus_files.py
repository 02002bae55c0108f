"""Write the shared corpus (seeds + excerpts) as one .txt file per report, for benchmarks of the file-based commands."""

import tempfile
from pathlib import Path

from nlp.io.corpus import iter_corpus

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared" / "corpus"


def corpus_reports():
    return list(iter_corpus(SHARED))


def write_corpus_files(folder: Path | None = None, copies: int = 1) -> Path:
    """One .txt per report, ``copies`` times (issue #12 measures on the corpus written 8 times)."""
    folder = Path(folder or tempfile.mkdtemp(prefix="bench-corpus-"))
    for report in corpus_reports():
        for i in range(copies):
            (folder / f"{report.doc_id}-{i}.txt").write_text(report.source.text, encoding="utf-8")
    return folder
