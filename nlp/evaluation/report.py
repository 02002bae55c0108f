"""The evaluation report as HTML: tables, paired differences, plots and the worst errors."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from nlp.io.figures import data_uri, pyplot


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
