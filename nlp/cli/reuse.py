"""``nlp reuse``: the reuse analytics of :mod:`nlp.reuse` from the command line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table

from nlp.cli.common import console, fail


def reuse(
    paths: Optional[List[str]] = typer.Argument(None, help="Report files, directories or globs (.txt .html .docx .pdf)."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="A corpus laid out like shared/corpus "
                                          "(seeds/*.txt and excerpts.jsonl with agency/level/year metadata)."),
    out: Path = typer.Option(..., "--out", "-o", help="Report table (.parquet, .jsonl or .csv); the segment and "
                             "family tables and <stem>.meta.json are written beside it."),
    html_out: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML summary with plots."),
    shingle: int = typer.Option(5, help="Families: characters per shingle."),
    threshold: float = typer.Option(0.7, help="Families: Jaccard of shingle sets for a near duplicate."),
    num_perm: int = typer.Option(128, help="Families: MinHash permutations."),
    min_chars: int = typer.Option(12, help="Families: shorter masked texts match only exactly."),
    units: str = typer.Option("word4,char8", help="Boilerplate n-gram units, comma-separated (wordN, charN)."),
    max_doc_share: float = typer.Option(0.75, help="Boilerplate: drop n-grams in this share of reports or more."),
    min_doc_share: float = typer.Option(0.30, help="Boilerplate: keep n-grams in at least this share of reports..."),
    min_mean_count: float = typer.Option(5.0, help="...or used at least this often per report on average..."),
    min_docs: int = typer.Option(5, help="...and in at least this many reports (small corpora)."),
    reference_by: Optional[str] = typer.Option(None, help="Boilerplate reference group: all reports (default), "
                                               "or those sharing 'year', 'level' or another metadata field."),
    mask_numbers: bool = typer.Option(True, "--mask-numbers/--no-mask-numbers", help="Mask numbers before n-grams."),
    redundancy_unit: str = typer.Option("word10", help="Redundancy n-gram unit."),
    sticky_unit: str = typer.Option("word8", help="N-gram stickiness unit."),
    max_degree: int = typer.Option(5, help="Similarity: highest degree of the length polynomial."),
    top: int = typer.Option(50, help="Families shown in the HTML summary and recorded as top."),
    workers: int = typer.Option(1, "--workers", "-j", help="Processes for tokenisation."),
):
    """Sentence families, boilerplate index, redundancy and year-over-year stickiness of a corpus.

    One row per report and section (all, overall, problems) in --out; one row per segment in
    <stem>.segments.<ext>; families of two or more segments in <stem>.families.<ext>; every
    setting, the tokenizer hash and the definitions in <stem>.meta.json (and in parquet metadata).
    """
    from nlp.reuse.boilerplate_index import BoilerplateConfig, parse_unit
    from nlp.reuse.families import FamilyConfig
    from nlp.io.sinks import output_format
    from nlp.reuse.analysis import ReuseConfig, analyse, read_reports
    from nlp.reuse.stickiness import StickinessConfig

    try:
        output_format(out)
        unit_list = tuple(u.strip() for u in units.split(",") if u.strip())
        for unit in (*unit_list, redundancy_unit, sticky_unit):
            parse_unit(unit)
        if not paths and corpus is None:
            raise ValueError("give report paths, --corpus, or both")
        config = ReuseConfig(
            families=FamilyConfig(shingle=shingle, threshold=threshold, num_perm=num_perm, min_chars=min_chars,
                                  mask_numbers=mask_numbers),
            boilerplate=BoilerplateConfig(units=unit_list, max_doc_share=max_doc_share, min_doc_share=min_doc_share,
                                          min_mean_count=min_mean_count, min_docs=min_docs,
                                          mask_numbers=mask_numbers, reference_by=reference_by),
            stickiness=StickinessConfig(ngram_unit=sticky_unit, max_degree=max_degree),
            redundancy_unit=redundancy_unit, top_families=top)
        t0 = time.time()
        docs, failed = read_reports(paths or (), corpus)
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))
    if not docs:
        fail("no readable reports", code=1)
    result = analyse(docs, config, n_process=workers)
    result.metadata["failed"] = failed
    written = result.write(out)
    if html_out:
        from nlp.reuse.html import write_html

        write_html(result, html_out, top=min(top, 30))
    meta = result.metadata
    table = Table(title=f"wrote {out} in {time.time() - t0:.1f} s", show_header=False)
    table.add_row("reports", f"{meta['n_reports']} ({len(failed)} unreadable)")
    table.add_row("segments", str(meta["n_segments"]))
    table.add_row("families of 2+ segments", str(meta["families"]["families_of_2_or_more"]))
    table.add_row("consecutive-year pairs", str(meta["stickiness"]["pairs"]))
    whole = result.reports[result.reports["section"] == "all"]
    for unit in unit_list:
        table.add_row(f"boilerplate index {unit}", f"mean {whole[f'boilerplate_{unit}'].mean():.3f}, "
                                                   f"median {whole[f'boilerplate_{unit}'].median():.3f}")
    table.add_row("tables", ", ".join(str(p) for p in written.values()) + (f", {html_out}" if html_out else ""))
    console.print(table)
    for unit, groups in meta["reference"]["groups"].items():
        for group, stats in groups.items():
            if "warning" in stats:
                console.print(f"[yellow]warning[/yellow] {unit} {group}: {stats['warning']}")
    for entry in failed[:20]:
        console.print("[red]failed[/red] " + escape(f"{entry['path']}: {entry['reason']}"))
