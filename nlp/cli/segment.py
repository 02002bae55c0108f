"""``nlp segment``: narrative segments with offsets and jieba tokens, for a whole corpus."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from nlp.cli.common import prepare, print_summary, provenance
from nlp.io import batch
from nlp.io.rows import SEGMENT_COLUMNS, segment_rows
from nlp.io.sinks import RowSink
from nlp.text.document import Document
from nlp.text.tokenizer import Tokenizer


def _segment_work(tokenizer: Tokenizer, paths: list[str]) -> list[batch.Result]:
    docs, failed = batch.read_each(paths, Document.from_path)
    return failed + [batch.Result(key=path, rows=segment_rows(doc.tokenize(tokenizer)),
                                  sections=[s.kind for s in doc.sections]) for path, doc in docs]


def segment(
    paths: List[str] = typer.Argument(..., help="Report files, directories or globs (.txt .html .docx .pdf)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .jsonl, .csv or .parquet (by extension)."),
    workers: int = typer.Option(1, "--workers", "-j", help="Worker processes."),
    resume: bool = typer.Option(False, "--resume", help="Skip reports already in --out from an interrupted run."),
    failed: Optional[Path] = typer.Option(None, "--failed", help="Where to list unreadable files [default: failed.jsonl beside --out]."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
):
    """Cut the narrative sections (overall, problems) into segments with offsets and jieba tokens.

    One row per segment: doc_id, path, section, heading, start, end, text, tokens.
    """
    files = prepare(paths, out)
    failed_path = failed or out.with_name("failed.jsonl")
    if not resume:
        failed_path.unlink(missing_ok=True)
    sink = RowSink(out, SEGMENT_COLUMNS, resume=resume, meta=provenance("segment"))
    summary = batch.run(files, sink, _segment_work, setup=Tokenizer, n_process=workers,
                        failed_path=failed_path, desc="segment", progress=progress)
    sink.close()
    print_summary(summary, out, failed_path)
