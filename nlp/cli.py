"""Command line: ``nlp segment`` and ``nlp tag`` over files, directories and globs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from . import batch
from .document import SEGMENT_COLUMNS, Document
from .records import RowSink, output_format
from .tokenizer import Tokenizer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Read, segment and tag Chinese government information-disclosure annual reports.")
console = Console(stderr=True)


def _segment_work(tokenizer: Tokenizer, path: str) -> batch.Result:
    doc = Document.from_path(path).tokenize(tokenizer)
    return batch.Result(key=path, rows=doc.rows(), sections=[s.kind for s in doc.sections])


def _print_summary(summary: batch.Summary, out: Path, failed_path: Path) -> None:
    table = Table(title=f"wrote {out}", show_header=False)
    table.add_row("reports read", str(summary.read))
    table.add_row("skipped (already done)", str(summary.skipped))
    table.add_row("failed", f"{len(summary.failed)}" + (f"  (see {failed_path})" if summary.failed else ""))
    table.add_row("rows written", str(summary.rows))
    table.add_row("sections found", ", ".join(f"{k} {v}" for k, v in sorted(summary.sections.items())))
    console.print(table)
    for entry in summary.failed[:20]:
        console.print(f"[red]failed[/red] {entry['path']}: {entry['reason']}")
    if len(summary.failed) > 20:
        console.print(f"… and {len(summary.failed) - 20} more in {failed_path}")


def _prepare(paths: List[str], out: Path) -> list[Path]:
    try:
        output_format(out)
        return batch.expand_paths(paths)
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2)


@app.command()
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
    files = _prepare(paths, out)
    failed_path = failed or out.with_name("failed.jsonl")
    if not resume:
        failed_path.unlink(missing_ok=True)
    sink = RowSink(out, SEGMENT_COLUMNS, resume=resume)
    summary = batch.run(files, sink, _segment_work, setup=Tokenizer, n_process=workers,
                        failed_path=failed_path, desc="segment", progress=progress)
    sink.close()
    _print_summary(summary, out, failed_path)


@app.command()
def sections(path: Path = typer.Argument(..., help="One report file."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")):
    """Show the sections found in one report and the audit of its outline."""
    from .reader import ReadError

    try:
        doc = Document.from_path(path)
    except ReadError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(1)
    if as_json:
        json.dump({"sections": [s.__dict__ for s in doc.sections], "audit": doc.audit.to_dict(),
                   "encoding": doc.encoding, "warnings": doc.warnings}, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    table = Table("kind", "heading", "start", "end", "segments")
    for s in doc.sections:
        n = sum(1 for seg in doc.segments if s.start <= seg.start < s.end)
        table.add_row(s.kind, s.heading[:40], str(s.start), str(s.end), str(n) if s.kind in ("overall", "problems") else "")
    Console().print(table)
    Console().print(f"encoding: {doc.encoding}  audit: {json.dumps(doc.audit.to_dict(), ensure_ascii=False)}")


def main() -> None:
    app()
