"""``nlp evaluate``: score one or more models against a gold file or directory, side by side.

    nlp evaluate --model models/default --model keyword --gold corpora/gold --split test \\
        --json out.json --html report.html

Any gold file in the LABELING.md format works, including files the project has
never seen. With several models, the first is the reference and every other is
compared with it by a paired bootstrap over documents. JSON schema:
docs/evaluation.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from nlp.cli.common import fail
from nlp.evaluation.metrics import compare, evaluate
from nlp.evaluation.report import write_html
from nlp.labels.gold import GoldError, gold_records, load_gold, read_documents
from nlp.labels.labelset import LabelSet, LabelSetError, load_labelset
from nlp.models.base import ModelError
from nlp.models.registry import load_model, model_class


def is_keyword(name: str) -> bool:
    return name == "keyword" or name.startswith("keyword:")


def _labelset(option: str | None, trained: dict, gold: Path, split: str | None) -> LabelSet:
    """The label set to score in: --labelset, else a trained model's, else the one the gold rows name."""
    if option:
        return load_labelset(option)
    if trained:
        return next(iter(trained.values())).labelset
    rows = load_gold(gold, split)
    return load_labelset(rows[0].label_set if rows else "gov-disclosure-v1")


def evaluate_command(
    model: List[str] = typer.Option(..., "--model", help="Model directory, name under models/, or 'keyword'. Repeat to compare."),
    gold: Path = typer.Option(..., help="Gold JSONL file or gold directory."),
    split: Optional[str] = typer.Option(None, help="train | dev | test (for a gold directory)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write all figures as JSON."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Write an HTML report with plots."),
    labelset_option: Optional[str] = typer.Option(None, "--labelset", help="Label set name or YAML file for "
                                                  "'keyword' [default: a trained model's, else the gold rows']."),
    n_boot: int = typer.Option(1000, help="Bootstrap resamples (by document)."),
    seed: int = typer.Option(0),
):
    """Per-label P/R/F1, micro/macro-F1, boilerplate F1, intervals, paired comparisons, errors."""
    try:
        trained = {m: load_model(m) for m in model if not is_keyword(m)}
        labelset = _labelset(labelset_option, trained, gold, split)
        models = {m: trained[m] if m in trained else model_class("keyword")(labelset) for m in model}
        for name, m in models.items():
            if m.labels != labelset.ids:
                raise ModelError(f"{name}: label set {m.labelset.name!r} differs from {labelset.name!r}; "
                                 "compare models of one label set")
        segments = load_gold(gold, split, labelset)
    except (GoldError, LabelSetError, ModelError) as err:
        fail(str(err))
    if not segments:
        fail(f"{gold}: no gold segments{f' in split {split!r}' if split else ''}")
    docs_file = (gold if gold.is_dir() else gold.parent) / "documents.jsonl"
    documents = read_documents(docs_file) if docs_file.exists() else {}
    records = gold_records(segments, documents)
    predictions = {name: m.predict(records) for name, m in models.items()}
    results = {name: evaluate(segments, p, n_boot=n_boot, seed=seed) for name, p in predictions.items()}
    names = list(models)
    comparisons = [{"a": names[0], "b": b, **compare(segments, predictions[names[0]], predictions[b], n_boot, seed)}
                   for b in names[1:]]
    first = results[names[0]]
    report = {**{k: first[k] for k in ("micro_f1", "macro_f1", "boilerplate_f1", "per_label", "n_segments")},
              "n_documents": first["n_documents"], "gold": str(gold), "split": split,
              "bootstrap": first["bootstrap"], "models": results, "comparisons": comparisons}
    for name, r in results.items():
        typer.echo(f"{name}: micro-F1 {r['micro_f1']:.3f} [{r['micro_f1_ci'][0]:.3f}, {r['micro_f1_ci'][1]:.3f}]  "
                   f"macro-F1 {r['macro_f1']:.3f} [{r['macro_f1_ci'][0]:.3f}, {r['macro_f1_ci'][1]:.3f}]  "
                   f"boilerplate F1 {r['boilerplate_f1']:.3f} [{r['boilerplate_f1_ci'][0]:.3f}, {r['boilerplate_f1_ci'][1]:.3f}]  "
                   f"boilerplate macro-F1 {r['boilerplate_macro_f1']:.3f} [{r['boilerplate_macro_f1_ci'][0]:.3f}, "
                   f"{r['boilerplate_macro_f1_ci'][1]:.3f}]")
        typer.echo("  " + "  ".join(f"{l} {v['f1']:.2f}({v['support']})" for l, v in r["per_label"].items()))
    for note in first.get("warnings", []):
        typer.echo(f"warning: {note}", err=True)
    for c in comparisons:
        d = c["micro_f1"]
        typer.echo(f"{c['b']} − {c['a']}: micro-F1 {d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]")
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if html_out:
        write_html(html_out, report)
