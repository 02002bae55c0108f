"""Score one or more models against a gold file or directory, side by side.

    python evaluate.py --model models/default --model keyword --gold corpora/gold --split test \\
        --json out.json --html report.html

Any gold file in the LABELING.md format works, including files the project has
never seen. With several models, the first is the reference and every other is
compared with it by a paired bootstrap over documents. JSON schema:
docs/evaluation.md.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from nlp.evaluation import compare, evaluate
from nlp.figures import data_uri, pyplot
from nlp.gold import GoldError, gold_records, load_gold, read_documents
from nlp.labels import LabelSetError
from nlp.models import ModelError, load_model


def _plots(results: dict) -> list[tuple[str, str]]:
    plt = pyplot()
    names = list(results)
    labels = list(next(iter(results.values()))["per_label"])
    figs = []
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / len(names)
    for k, name in enumerate(names):
        pl = results[name]["per_label"]
        f1 = np.array([pl[l]["f1"] for l in labels])
        lo = f1 - np.array([pl[l]["f1_ci"][0] for l in labels])
        hi = np.array([pl[l]["f1_ci"][1] for l in labels]) - f1
        ax.bar(np.arange(len(labels)) + k * width, f1, width, yerr=[lo, hi], capsize=2, label=name)
    ax.set_xticks(np.arange(len(labels)) + width * (len(names) - 1) / 2, labels, rotation=40, ha="right")
    ax.set_ylabel("F1 (95 % CI, bootstrap by document)")
    ax.set_ylim(0, 1.05)
    ax.legend()
    figs.append(("Per-label F1", data_uri(fig)))

    first = results[names[0]]
    fig, ax = plt.subplots(figsize=(6, 5))
    true = [first["per_label"][l]["true_share"] for l in labels]
    for name in names:
        pred = [results[name]["per_label"][l]["predicted_share"] for l in labels]
        ax.scatter(true, pred, label=name)
    top = max(max(true), 0.01) * 1.1
    ax.plot([0, top], [0, top], color="grey", lw=0.8)
    for l, t, p in zip(labels, true, [first["per_label"][l]["predicted_share"] for l in labels]):
        ax.annotate(l, (t, p), fontsize=7)
    ax.set_xlabel("true share of segments")
    ax.set_ylabel("predicted share of segments")
    ax.legend()
    figs.append(("Predicted vs true label proportions (what researchers aggregate)", data_uri(fig)))

    for name in names:
        co = np.array(results[name]["cooccurrence"], dtype=float)
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
        im = ax.imshow(co, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.set_xlabel("predicted label")
        ax.set_ylabel("gold label")
        for i in range(len(labels)):
            for j in range(len(labels)):
                if co[i, j]:
                    ax.text(j, i, int(co[i, j]), ha="center", va="center", fontsize=6,
                            color="white" if co[i, j] > co.max() / 2 else "black")
        fig.colorbar(im, ax=ax)
        figs.append((f"Label co-occurrence confusion: {name}", data_uri(fig)))
    return figs


def write_html(path: Path, report: dict) -> None:
    results = report["models"]
    rows = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{r['micro_f1']:.3f} [{r['micro_f1_ci'][0]:.3f}, {r['micro_f1_ci'][1]:.3f}]</td>"
        f"<td>{r['macro_f1']:.3f} [{r['macro_f1_ci'][0]:.3f}, {r['macro_f1_ci'][1]:.3f}]</td>"
        f"<td>{r['boilerplate_f1']:.3f} [{r['boilerplate_f1_ci'][0]:.3f}, {r['boilerplate_f1_ci'][1]:.3f}]</td>"
        f"<td>{r['subset_accuracy']:.3f}</td></tr>" for n, r in results.items())
    comparisons = "".join(
        f"<tr><td>{html.escape(c['b'])} − {html.escape(c['a'])}</td>"
        + "".join(f"<td>{c[k]['difference']:+.3f} [{c[k]['ci'][0]:+.3f}, {c[k]['ci'][1]:+.3f}]</td>"
                  for k in ("micro_f1", "macro_f1", "boilerplate_f1")) + "</tr>"
        for c in report["comparisons"])
    figures = "".join(f"<h3>{html.escape(t)}</h3><img src='{src}'>" for t, src in _plots(results))
    errors = ""
    for name, r in results.items():
        for kind in ("false_positives", "false_negatives"):
            items = "".join(f"<tr><td>{html.escape(e['label'])}</td><td>{e['score']:.2f}</td>"
                            f"<td>{html.escape(e['text'])}</td></tr>" for e in r["errors"][kind])
            errors += f"<h3>{html.escape(name)}: worst {kind.replace('_', ' ')}</h3><table>{items}</table>"
    page = f"""<!doctype html><meta charset="utf-8"><title>Evaluation</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}
table{{border-collapse:collapse}}</style>
<h1>Evaluation on {html.escape(report['gold'])} ({report['n_segments']} segments, {report['n_documents']} documents)</h1>
<table><tr><th>model</th><th>theme micro-F1</th><th>theme macro-F1</th><th>boilerplate F1</th><th>subset accuracy</th></tr>{rows}</table>
<p>Intervals: 95 % bootstrap, {report['bootstrap']['n']} resamples of documents.</p>
{'<h2>Paired differences</h2><table><tr><th></th><th>micro-F1</th><th>macro-F1</th><th>boilerplate F1</th></tr>' + comparisons + '</table>' if comparisons else ''}
<h2>Figures</h2>{figures}<h2>Errors</h2>{errors}"""
    path.write_text(page, encoding="utf-8")


def main(
    model: List[str] = typer.Option(..., "--model", help="Model directory, name under models/, or 'keyword'. Repeat to compare."),
    gold: Path = typer.Option(..., help="Gold JSONL file or gold directory."),
    split: Optional[str] = typer.Option(None, help="train | dev | test (for a gold directory)."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write all figures as JSON."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Write an HTML report with plots."),
    n_boot: int = typer.Option(1000, help="Bootstrap resamples (by document)."),
    seed: int = typer.Option(0),
):
    """Per-label P/R/F1, micro/macro-F1, boilerplate F1, intervals, paired comparisons, errors."""
    try:
        models = {m: load_model(m) for m in model}
        labelset = next(iter(models.values())).labelset
        segments = load_gold(gold, split, labelset)
    except (GoldError, LabelSetError, ModelError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2)
    if not segments:
        typer.echo(f"error: {gold}: no gold segments{f' in split {split!r}' if split else ''}", err=True)
        raise typer.Exit(2)
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
                   f"boilerplate F1 {r['boilerplate_f1']:.3f} [{r['boilerplate_f1_ci'][0]:.3f}, {r['boilerplate_f1_ci'][1]:.3f}]")
        typer.echo("  " + "  ".join(f"{l} {v['f1']:.2f}({v['support']})" for l, v in r["per_label"].items()))
    for c in comparisons:
        d = c["micro_f1"]
        typer.echo(f"{c['b']} − {c['a']}: micro-F1 {d['difference']:+.3f} [{d['ci'][0]:+.3f}, {d['ci'][1]:+.3f}]")
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if html_out:
        write_html(html_out, report)


if __name__ == "__main__":
    typer.run(main)
