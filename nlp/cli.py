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


def _segment_work(tokenizer: Tokenizer, paths: list[str]) -> list[batch.Result]:
    docs, failed = batch.read_each(paths, Document.from_path)
    return failed + [batch.Result(key=path, rows=doc.tokenize(tokenizer).rows(), sections=[s.kind for s in doc.sections])
                     for path, doc in docs]


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


def _tag_setup(model_path: str):
    from .pipeline import load

    return load(model_path)


class _TagSetup:
    """Picklable per-worker initialiser: loads the model once in each worker."""

    def __init__(self, model_path: str):
        self.model_path = model_path

    def __call__(self):
        return _tag_setup(self.model_path)


def _tag_work(tagger, paths: list[str]) -> list[batch.Result]:
    from .pipeline import doc_summary, tag_rows

    docs, failed = batch.read_each(paths, Document.from_path)
    tagged = tagger.tag_many([doc for _, doc in docs])
    return failed + [batch.Result(key=path, rows=tag_rows(doc), sections=[s.kind for s in doc.sections],
                                  extra={"summary": doc_summary(doc, tagger.labels)})
                     for (path, _), doc in zip(docs, tagged)]


@app.command()
def tag(
    paths: List[str] = typer.Argument(..., help="Report files, directories or globs (.txt .html .docx .pdf)."),
    model: str = typer.Option("default", "--model", "-m", help="Model directory, a name under models/, or 'keyword'."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .jsonl, .csv or .parquet (by extension)."),
    doc_summary: Optional[Path] = typer.Option(None, "--doc-summary", help="Also write one row per report here."),
    workers: int = typer.Option(1, "--workers", "-j", help="Worker processes (each loads the model once)."),
    resume: bool = typer.Option(False, "--resume", help="Skip reports already in --out from an interrupted run."),
    failed: Optional[Path] = typer.Option(None, "--failed", help="Where to list unreadable files [default: failed.jsonl beside --out]."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
):
    """Tag every narrative segment with themes, per-theme scores and a boilerplate flag.

    One row per segment: doc_id, path, section, heading, start, end, text, themes,
    boilerplate, boilerplate_score, score_<label> for every label.
    """
    from .models import ModelError, load_model
    from .pipeline import summary_columns

    files = _prepare(paths, out)
    try:
        labels = load_model(model).labels
    except (ModelError, ValueError) as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2)
    failed_path = failed or out.with_name("failed.jsonl")
    if not resume:
        failed_path.unlink(missing_ok=True)
    columns = ["doc_id", "path", "section", "heading", "start", "end", "text", "themes", "boilerplate",
               "boilerplate_score"] + [f"score_{label}" for label in labels]
    sink = RowSink(out, columns, resume=resume)
    summary_sink = None
    if doc_summary:
        summary_sink = RowSink(doc_summary, summary_columns(labels), resume=resume)
        if resume:  # a report is done only when both outputs have it
            sink.done &= summary_sink.done
    on_result = (lambda r: summary_sink.write_document(r.key, [r.extra["summary"]])) if summary_sink else None
    summary = batch.run(files, sink, _tag_work, setup=_TagSetup(model), n_process=workers,
                        failed_path=failed_path, desc="tag", progress=progress, on_result=on_result)
    sink.close()
    if summary_sink:
        summary_sink.close()
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
