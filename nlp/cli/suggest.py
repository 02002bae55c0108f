"""``nlp suggest``: the next segments worth labelling, as Label Studio tasks with the reasons.

    nlp suggest --model models/my-model --pool corpora/corpus/reports.jsonl --n 200 --out batch.json \\
        --exclude gold.jsonl

Selection rules: :mod:`nlp.models.suggest`. The tasks are ``nlp annotate export``'s (same ids and fields), so the
batch imports into the same Label Studio project and comes back through ``nlp annotate import``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import List, Optional

import typer

from nlp.cli.common import console, fail


def suggest(
    model: str = typer.Option(..., help="Model directory (linear, fewshot or bert) trained on the label set."),
    pool: List[str] = typer.Option(..., help="Where to look: report files, directories, globs, a report corpus "
                                   "(JSONL of reports, shared/corpus directory) or a JSONL of segments; repeatable."),
    out: Path = typer.Option(..., help="Output: a JSON list of Label Studio tasks."),
    n: int = typer.Option(200, help="How many segments to suggest."),
    exclude: List[Path] = typer.Option([], help="Gold file or directory already labelled: its segments and their "
                                       "near-identical sentences are not suggested; repeatable."),
    labelset: Optional[str] = typer.Option(None, help="Label set (name or YAML): checked against the model's, "
                                           "and used to read --exclude [default: the model's]."),
    per_report: int = typer.Option(3, "--per-report", help="At most this many suggestions from one report."),
    rare_power: float = typer.Option(0.5, "--rare-power", help="Weight of rare labels: ((n+1)/(positives+1))^power "
                                     "(0: every label the same)."),
):
    """Rank pool segments by how uncertain the model is about each label (rare labels weighted up), one per
    family of near-identical sentences, capped per report, leaving out what is already labelled."""
    from nlp.labels.gold import GoldError, load_gold
    from nlp.labels.labelset import LabelSetError, load_labelset
    from nlp.models.base import ModelError
    from nlp.models.registry import load_model
    from nlp.models.suggest import read_pool, suggestion_tasks
    from nlp.models.suggest import suggest as select

    if n < 1 or per_report < 1:
        fail("--n and --per-report must be at least 1")
    if out.suffix != ".json":
        fail(f"--out {out}: a Label Studio import file ends in .json")
    try:
        tagger = load_model(model)
        wanted = load_labelset(labelset) if labelset else tagger.labelset
        if wanted.ids != tagger.labelset.ids:
            fail(f"--model {model} was trained on label set {tagger.labelset.name!r} ({', '.join(tagger.labels)}), "
                 f"not {wanted.name!r} ({', '.join(wanted.ids)})")
        labelled = [s for path in exclude for s in load_gold(path, labelset=wanted)]
    except (ModelError, GoldError, LabelSetError) as err:
        fail(str(err))
    unreadable: list[tuple[str, str]] = []
    try:
        candidates = read_pool(pool, wanted, on_error=lambda path, reason: unreadable.append((path, reason)))
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))
    for path, reason in unreadable:
        console.print(f"[yellow]skipped[/yellow] {path}: {reason}", markup=True, highlight=False)
    if not candidates:
        fail(f"no narrative segments in --pool {' '.join(pool)}")
    try:
        chosen = select(tagger, candidates, labelled, n=n, per_report=per_report, power=rare_power)
    except ModelError as err:
        fail(str(err))
    tasks = suggestion_tasks(candidates, chosen, tagger.card.get("name") or model)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    reports = len({candidates[s.index].input.doc_id for s in chosen})
    by_label = Counter(s.reasons[0]["label"] for s in chosen if s.reasons)
    console.print(f"wrote {out}: {len(tasks)} tasks from {reports} reports (pool {len(candidates)} segments, "
                  f"{len(labelled)} labelled excluded with their near-identical sentences)", markup=False)
    console.print("most uncertain label of each suggestion: "
                  + ", ".join(f"{label} {count}" for label, count in by_label.most_common()), markup=False)
    if len(tasks) < n:
        console.print(f"only {len(tasks)} of {n}: the pool has no more distinct segments within "
                      f"--per-report {per_report}", markup=False)
