"""``nlp annotate``: the Label Studio round trip (docs/annotate.md).

    nlp annotate export INPUTS --labelset X.yaml [--model M] --out tasks.json --config config.xml
    nlp annotate import EXPORT.json --labelset X.yaml --out gold.jsonl --adjudication adjudicate.jsonl

The conversions live in :mod:`nlp.labels.annotate`; this module reads reports, runs the model
for pre-annotations, checks offsets against the reports and prints the agreement figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table

from nlp.cli.common import console, fail
from nlp.cli.tag import model_identity
from nlp.io import batch
from nlp.io.rows import segment_rows, tag_rows
from nlp.io.sinks import FORMATS, read_rows
from nlp.labels.annotate import AnnotateError, from_export, labelling_config, prediction, read_export, tasks
from nlp.labels.gold import GoldError, load_gold
from nlp.labels.labelset import LabelSet, LabelSetError, load_labelset
from nlp.models.base import ModelError
from nlp.models.registry import load_model
from nlp.models.tagger import Tagger
from nlp.text.document import Document
from nlp.text.reader import ReadError

annotate = typer.Typer(no_args_is_help=True, add_completion=False,
                       help="Label Studio round trip: segments out as labelling tasks, annotations back as gold.")

LABELSET_HELP = "Label set YAML file, or a bundled label set's name."


def _labelset(name: str) -> LabelSet:
    try:
        return load_labelset(name)
    except LabelSetError as err:
        fail(str(err))


def _read_reports(paths: list[str]) -> list[Document]:
    """Documents of report files; unreadable ones are named and left out."""
    docs, failed = batch.read_each(paths, Document.from_path)
    for result in failed:
        console.print(f"[yellow]skipped[/yellow] {escape(result.key)}: {escape(result.error or '')}")
    return [doc for _, doc in docs]


def _segment_rows(inputs: List[str]) -> tuple[list[dict], list[Document]]:
    """Segment rows of the inputs: segment files (.jsonl/.csv/.parquet of `nlp segment`) as they are,
    report files and directories segmented here (their Documents are returned too, to tag)."""
    tables = [item for item in inputs if Path(item).suffix.lower() in FORMATS and Path(item).is_file()]
    try:
        reports, problems = batch.walk([item for item in inputs if item not in tables])
    except FileNotFoundError as err:
        fail(str(err))
    for problem in problems:
        console.print(f"[yellow]skipped[/yellow] {escape(str(problem.get('path')))}: {escape(str(problem.get('reason')))}")
    docs = _read_reports([str(p) for p in reports])
    rows = [row for doc in docs for row in segment_rows(doc)]
    for table in tables:
        try:
            rows.extend(read_rows(table))
        except (OSError, ValueError) as err:
            fail(f"{table}: cannot read segment rows: {err}")
    return rows, docs


def _predictions(model_name: str, labelset: LabelSet, rows: list[dict], docs: list[Document]) -> dict[tuple, dict]:
    """Pre-annotations by (path, start, end): the model tags the reports the rows come from, as `nlp tag` would."""
    try:
        model = load_model(model_name)
    except (ModelError, ValueError) as err:
        fail(str(err))
    if model.labels != labelset.ids:
        fail(f"{model_name}: the model tags label set {model.labelset.name!r} ({', '.join(model.labels)}), "
             f"not {labelset.name!r} ({', '.join(labelset.ids)}); train one on it or leave out --model")
    read = {doc.path for doc in docs}
    docs = docs + _read_reports(sorted({r["path"] for r in rows if r.get("path") and r["path"] not in read}))
    version = model_identity(model_name, model)["model_name"]
    scored = [row for doc in Tagger(model).tag_many(docs) for row in tag_rows(doc)]
    return {(row["path"], row["start"], row["end"]): prediction(row, labelset, version) for row in scored}


@annotate.command("export")
def export_command(
    inputs: List[str] = typer.Argument(..., help="Report files or directories, or segment files written by `nlp segment`."),
    labelset: str = typer.Option(..., "--labelset", "-l", help=LABELSET_HELP),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Pre-annotate with this model (directory, bundled name or 'keyword:<label set>')."),
    out: Path = typer.Option(..., "--out", "-o", help="Label Studio tasks (JSON), to import into a project."),
    config: Optional[Path] = typer.Option(None, "--config", help="Write the labelling config XML of the label set here."),
):
    """Write Label Studio tasks, one per segment, and the labelling config of the label set."""
    chosen = _labelset(labelset)
    rows, docs = _segment_rows(inputs)
    if not rows:
        fail("no segments in the inputs: nothing to label")
    found = _predictions(model, chosen, rows, docs) if model else None
    try:
        made = tasks(rows, chosen, found, where=", ".join(inputs))
    except AnnotateError as err:
        fail(str(err))
    try:
        out.write_text(json.dumps(made, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if config:
            config.write_text(labelling_config(chosen), encoding="utf-8")
    except OSError as err:
        fail(f"{err.filename}: cannot write here: {err.strerror or err}")
    with_predictions = sum("predictions" in t for t in made)
    console.print(f"wrote {escape(str(out))}: {len(made)} tasks from {len({t['data']['doc_id'] for t in made})} reports"
                  + (f", {with_predictions} pre-annotated by {escape(model)}" if model else "")
                  + (f"; labelling config in {escape(str(config))}" if config else ""))
    if model and with_predictions < len(made):
        console.print(f"[yellow]{len(made) - with_predictions} segments have no pre-annotation[/yellow] "
                      "(their report could not be read, or was cut differently when the segment file was written)")


def _write(path: Path, rows: list[dict] | dict) -> None:
    """JSON Lines of ``rows`` (a dict: one JSON document), or a clean exit naming the path."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            if isinstance(rows, dict):
                f.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
            else:
                f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    except OSError as err:
        fail(f"{path}: cannot write here: {err.strerror or err}")


def _report_texts(gold: list[dict]) -> tuple[dict[str, str], list[str]]:
    """doc_id → normalised text of the reports the gold rows name, read again to check offsets; the ids of
    those that cannot be read."""
    texts, missing = {}, []
    for doc_id, path in sorted({(row["doc_id"], row["source"] or "") for row in gold}):
        try:
            texts[doc_id] = Document.from_path(path, doc_id=doc_id).text
        except (ReadError, OSError):
            missing.append(doc_id)
    return texts, missing


def _print_agreement(figures: dict[str, dict], labels: list[str]) -> None:
    def fmt(value):
        return "—" if value is None else f"{value:.3f}"

    table = Table(title="Agreement: Cohen's κ (— where undefined: one value throughout)")
    table.add_column("label")
    for pair, result in figures.items():
        table.add_column(f"{pair} (n={result['n_segments']})")
    for label in labels:
        table.add_row(label, *[fmt(r["per_label"][label]["kappa"]) for r in figures.values()])
    table.add_row("boilerplate", *[fmt(r["boilerplate"]["kappa"]) for r in figures.values()])
    table.add_row("mean κ over labels", *[fmt(r["mean_kappa"]) for r in figures.values()])
    table.add_row("exact theme set", *[f"{r['exact_theme_set_agreement']:.1%}" for r in figures.values()])
    console.print(table)


@annotate.command("import")
def import_command(
    export: Path = typer.Argument(..., help="Label Studio JSON export (GET /api/projects/{id}/export?exportType=JSON)."),
    labelset: str = typer.Option(..., "--labelset", "-l", help=LABELSET_HELP),
    out: Path = typer.Option(..., "--out", "-o", help="Gold rows (JSONL, docs/gold-format.md)."),
    adjudication: Optional[Path] = typer.Option(None, "--adjudication", help="List the tasks whose annotators differ here (JSONL)."),
    adjudicator: List[str] = typer.Option([], "--adjudicator", help="Label Studio user id (completed_by) whose annotation settles a task; repeatable."),
    agreement_out: Optional[Path] = typer.Option(None, "--agreement", help="Also write the agreement figures here (JSON)."),
):
    """Turn a Label Studio export into gold rows, with agreement figures and the tasks to adjudicate.

    Gold gets the tasks with one annotator or full agreement, and the disputed tasks that an
    --adjudicator annotated (that annotation decides); other disputed tasks go to --adjudication only.
    """
    chosen = _labelset(labelset)
    try:
        imported = from_export(read_export(export), chosen, where=str(export), adjudicators=adjudicator)
    except AnnotateError as err:
        fail(str(err))
    documents, unchecked = _report_texts(imported.gold)
    _write(out, imported.gold)
    try:
        load_gold(out, labelset=chosen, documents=documents)
    except GoldError as err:
        out.unlink()
        fail(f"{export}: the annotations do not make valid gold: {err}")
    counts = imported.counts
    console.print(f"wrote {escape(str(out))}: {counts['gold']} gold rows ({counts.get('single', 0)} one annotator, "
                  f"{counts.get('agreed', 0)} agreed, {counts.get('adjudicated', 0)} adjudicated); "
                  f"{counts.get('disputed', 0)} disputed, {counts.get('unlabelled', 0)} unlabelled")
    if unchecked:
        console.print(f"[yellow]offsets not checked[/yellow] for {len(unchecked)} reports whose file is not here: "
                      + escape(", ".join(unchecked[:5])) + (" …" if len(unchecked) > 5 else ""))
    if imported.agreement:
        _print_agreement(imported.agreement, chosen.ids)
    if agreement_out:
        _write(agreement_out, imported.agreement)
    if adjudication:
        _write(adjudication, imported.disputes)
        console.print(f"wrote {escape(str(adjudication))}: {len(imported.disputes)} tasks to adjudicate")
    elif imported.disputes:
        console.print(f"[yellow]{len(imported.disputes)} disputed tasks left out of gold[/yellow]; "
                      "list them with --adjudication FILE")
