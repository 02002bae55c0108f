"""HTML summary of a reuse analysis, with matplotlib plots.

Plots carry no Chinese text: matplotlib's bundled fonts have no CJK glyphs and
a system CJK font cannot be installed by ``pip install``, so families are
labelled F0, F1, … in the plots and their wording is in the HTML tables, which
the browser renders. PNGs are embedded in the page and also written to a
folder beside it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.io.figures import data_uri, pyplot
from nlp.reuse.analysis import ReuseResult

LEVELS = ("township", "county", "city", "province", "central", "department")


def _boxplot_by(reports: pd.DataFrame, key: str, order: list, units: list[str], title: str):
    plt = pyplot()
    fig, axes = plt.subplots(len(units), 1, figsize=(max(6.5, 0.55 * len(order) + 2), 3.3 * len(units)),
                             squeeze=False)
    for ax, unit in zip(axes[:, 0], units):
        column = f"boilerplate_{unit}"
        data = [reports.loc[reports[key].astype(str) == str(v), column].dropna().to_numpy() for v in order]
        ax.boxplot([d if len(d) else [np.nan] for d in data], showmeans=True)
        ax.set_xticks(range(1, len(order) + 1), [f"{v}\n(n={len(d)})" for v, d in zip(order, data)],
                      rotation=0, fontsize=7)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(f"boilerplate index ({unit})")
        ax.set_title(f"{title}: {unit} (box: quartiles, line: median, triangle: mean)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def _top_families(families: pd.DataFrame, top: int):
    plt = pyplot()
    fam = families.head(top)
    fig, ax = plt.subplots(figsize=(8, 0.32 * max(len(fam), 3) + 1.2))
    y = np.arange(len(fam))[::-1]
    ax.barh(y + 0.2, fam["size"], height=0.4, label="segments")
    ax.barh(y - 0.2, fam["n_bodies"], height=0.4, label="distinct issuing bodies")
    ax.set_yticks(y, [f"F{f}" + (" (exact)" if s else "") for f, s in zip(fam["family"], fam["short"])], fontsize=8)
    ax.set_xlabel("count")
    ax.set_title("Largest sentence families (wording in the table below; exact = short, identical masked text)",
                 fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _stickiness(reports: pd.DataFrame, unit: str):
    plt = pyplot()
    pairs = reports[(reports["section"] == "all") & reports["prev_doc_id"].notna()]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    bins = np.linspace(0, 1, 11)
    axes[0].hist(pairs["sticky_share"].dropna(), bins=bins, alpha=0.7, label="segments with a near match")
    axes[0].hist(pairs[f"stickiness_{unit}"].dropna(), bins=bins, alpha=0.5, label=f"{unit} occurrences")
    axes[0].set_xlabel("share of this year's text found in last year's report")
    axes[0].set_ylabel("report pairs")
    axes[0].set_title(f"Stickiness, {len(pairs)} same-body consecutive-year pairs", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].scatter(pairs["n_words"], pairs["similarity"])
    axes[1].set_xlabel("words this year")
    axes[1].set_ylabel("cosine similarity with last year")
    axes[1].set_ylim(0, 1.02)
    axes[1].set_title("Similarity vs length (why it is adjusted)", fontsize=10)
    fig.tight_layout()
    return fig


def _table(df: pd.DataFrame, floats: str = "{:.3f}") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = ""
    for _, row in df.iterrows():
        cells = "".join(f"<td>{html.escape(floats.format(v) if isinstance(v, float) else str(v))}</td>" for v in row)
        body += f"<tr>{cells}</tr>"
    return f"<table><tr>{head}</tr>{body}</table>"


def write_html(result: ReuseResult, path: str | Path, top: int = 20) -> list[Path]:
    """Write the summary page and its PNGs (in ``<stem>_plots/`` beside it); returns the PNG paths."""
    path = Path(path)
    plots_dir = path.with_name(f"{path.stem}_plots")
    plots_dir.mkdir(parents=True, exist_ok=True)
    meta = result.metadata
    units = list(meta["config"]["boilerplate"]["units"])
    reports = result.reports
    whole = reports[reports["section"] == "all"] if len(reports) else reports
    years = sorted(int(y) for y in whole["year"].dropna().unique()) if len(whole) else []
    levels = [lv for lv in LEVELS if (whole["level"] == lv).any()] if len(whole) else []
    if len(whole) and whole["level"].isna().any():
        whole = whole.assign(level=whole["level"].fillna("unknown"))
        levels.append("unknown")
    figures = []
    if len(whole):
        figures.append(("Boilerplate index by report year", "boilerplate_by_year.png",
                        _boxplot_by(whole.dropna(subset=["year"]).assign(year=lambda d: d["year"].astype(int)),
                                    "year", years, units, "by year")))
        figures.append(("Boilerplate index by level of government", "boilerplate_by_level.png",
                        _boxplot_by(whole, "level", levels, units, "by level")))
    if len(result.families):
        figures.append(("Top sentence families", "top_families.png", _top_families(result.families, top)))
    unit_n = meta["config"]["stickiness"]["ngram_unit"]
    figures.append(("Year-over-year stickiness", "stickiness.png", _stickiness(reports, unit_n)))
    pngs, imgs = [], ""
    for title, name, fig in figures:
        png = plots_dir / name
        imgs += f"<h3>{html.escape(title)}</h3><img src='{data_uri(fig, png)}'>"
        pngs.append(png)

    summary_rows = []
    for scope in ("all", "overall", "problems"):
        sel = reports[reports["section"] == scope] if len(reports) else reports
        if not len(sel):
            continue
        row = {"section": scope, "reports": len(sel)}
        for unit in units:
            col = sel[f"boilerplate_{unit}"].dropna()
            row[f"{unit} mean"] = float(col.mean()) if len(col) else float("nan")
            row[f"{unit} median"] = float(col.median()) if len(col) else float("nan")
        row["redundancy mean"] = float(sel["redundancy"].mean())
        row["share in shared families"] = float(sel["share_shared_family"].mean())
        summary_rows.append(row)
    fam = result.families.head(top)
    fam_table = _table(fam.assign(family=[f"F{f}" for f in fam["family"]]))
    pair_cols = ["doc_id", "body", "year", "prev_doc_id", "section", "sticky_segments", "sticky_share",
                 f"stickiness_{unit_n}", "similarity", "similarity_adj"]
    pairs = reports[reports["prev_doc_id"].notna()][pair_cols] if len(reports) else pd.DataFrame(columns=pair_cols)
    settings = json.dumps(meta["config"], ensure_ascii=False, indent=1)
    page = f"""<!doctype html><meta charset="utf-8"><title>Reuse analytics</title>
<style>body{{font-family:sans-serif;max-width:1150px;margin:auto}}td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}
table{{border-collapse:collapse}}pre{{background:#f6f6f6;padding:6px;font-size:12px}}</style>
<h1>Reuse analytics: {meta['n_reports']} reports, {meta['n_segments']} segments</h1>
<p>Families of two or more segments: {meta['families']['families_of_2_or_more']};
same-body consecutive-year pairs: {meta['stickiness']['pairs']}; tokenizer {html.escape(meta['tokenizer']['hash'])}.
Reference set: {html.escape(meta['reference']['set'])}.</p>
<h2>Boilerplate index and redundancy</h2>{_table(pd.DataFrame(summary_rows))}
<h2>Figures</h2>{imgs}
<h2>Largest sentence families</h2>{fam_table}
<h2>Same-body consecutive-year pairs</h2>{_table(pairs)}
<h2>Settings</h2><pre>{html.escape(settings)}</pre>
<h2>Definitions</h2><ul>{''.join(f'<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>' for k, v in meta['definitions'].items())}</ul>
<h2>References</h2><ul>{''.join(f'<li>{html.escape(c)}</li>' for c in meta['citations'])}</ul>"""
    path.write_text(page, encoding="utf-8")
    return pngs
