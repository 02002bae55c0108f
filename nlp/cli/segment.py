"""``nlp segment``: narrative segments with offsets and jieba tokens, for a whole corpus."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import List, Optional

import typer

from nlp.cli.common import fail, finish, open_sink, prepare, provenance
from nlp.io import batch
from nlp.io.rows import SEGMENT_COLUMNS, segment_rows
from nlp.text.document import Document
from nlp.text.reader import DEFAULT_MAX_BYTES
from nlp.text.tokenizer import BACKENDS, Tokenizer

MAX_SIZE_HELP = "Largest report file to read, in MB (a bigger file is listed as failed with its size)."
DEFAULT_MAX_MB = DEFAULT_MAX_BYTES / 2**20


@dataclass(frozen=True)
class SegmentWork:
    """What a worker does with a chunk of paths (picklable: it carries only the size limit)."""

    max_bytes: int = DEFAULT_MAX_BYTES

    def __call__(self, tokenizer: Tokenizer, paths: list[str]) -> list[batch.Result]:
        docs, failed = batch.read_each(paths, partial(Document.from_path, max_bytes=self.max_bytes))
        return failed + [batch.Result(key=path, rows=segment_rows(doc.tokenize(tokenizer)), status=doc.status,
                                      sections=[s.kind for s in doc.sections]) for path, doc in docs]


def segment(
    paths: List[str] = typer.Argument(..., help="Report files, directories or globs (.txt .html .docx .pdf)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .jsonl, .csv or .parquet (by extension)."),
    workers: int = typer.Option(1, "--workers", "-j", help="Worker processes."),
    resume: bool = typer.Option(False, "--resume", help="Skip reports already in --out from an earlier run."),
    failed: Optional[Path] = typer.Option(None, "--failed", help="Where to list inputs that gave no rows [default: failed.jsonl beside --out]."),
    max_size: float = typer.Option(DEFAULT_MAX_MB, "--max-size", help=MAX_SIZE_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    tokenizer_backend: str = typer.Option("rjieba", "--tokenizer", help=f"{' | '.join(BACKENDS)}: the same dictionary "
                                          "and algorithm; rjieba is the Rust port, much faster (docs/performance.md)."),
):
    """Cut the narrative sections (overall, problems) into segments with offsets and jieba tokens.

    One row per segment: doc_id, path, section, heading, start, end, text, is_heading, tokens.
    Exit code 0: every input done; 1: nothing done; 3: some inputs failed (listed in --failed).
    """
    if tokenizer_backend not in BACKENDS:
        fail(f"--tokenizer {tokenizer_backend!r}: use {' or '.join(BACKENDS)}")
    files, problems = prepare(paths, out)
    tokenizer = Tokenizer(backend=tokenizer_backend)
    sink = open_sink(out, list(SEGMENT_COLUMNS), resume, provenance("segment", tokenizer.hash),
                     identity={"command": "segment", "tokenizer": tokenizer.hash})
    failed_path = failed or out.with_name("failed.jsonl")
    summary = batch.run(files, sink, SegmentWork(int(max_size * 2**20)), setup=partial(Tokenizer, backend=tokenizer_backend),
                        n_process=workers,
                        failed_path=failed_path, desc="segment", progress=progress, problems=problems)
    sink.close()
    finish(summary, out, failed_path)
