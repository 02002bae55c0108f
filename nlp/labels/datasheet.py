"""The datasheet of a gold directory: count tables kept between markers in its README.md.

``python -m nlp.labels.datasheet corpora/gold`` rewrites them; tests/test_gold.py checks that the
README matches the files.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from nlp.labels.gold import SPLITS, load_gold
from nlp.labels.labelset import load_labelset

BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def year_bucket(year) -> str:
    if year is None:
        return "unknown"
    return "pre-2014" if year < 2014 else ("2014–2018" if year < 2019 else "2019+")


def tables(gold: str | Path, labelset: str = "gov-disclosure-v1") -> str:
    """The count tables of a gold directory, as Markdown."""
    labels = load_labelset(labelset).ids
    by_split = {s: load_gold(gold, s) for s in SPLITS}
    lines = ["| split | documents | segments | overall | problems | boilerplate true |", "|---|---|---|---|---|---|"]
    for s, segs in by_split.items():
        lines.append(f"| {s} | {len({g.doc_id for g in segs})} | {len(segs)} | {sum(g.section == 'overall' for g in segs)} | "
                     f"{sum(g.section == 'problems' for g in segs)} | {sum(g.boilerplate for g in segs)} |")
    everything = [g for segs in by_split.values() for g in segs]
    lines += ["", "| label | train | dev | test | all |", "|---|---|---|---|---|"]
    for label in labels + ["(none)"]:
        counts = [sum((label in g.themes) if label != "(none)" else not g.themes for g in segs) for segs in by_split.values()]
        lines.append(f"| {label} | " + " | ".join(map(str, counts)) + f" | {sum(counts)} |")
    for key, title in (("level", "level"), ("year", "year")):
        docs = {}
        for g in everything:
            value = g.meta.get(key)
            docs[g.doc_id] = year_bucket(value) if key == "year" else (value or "unknown")
        seg_counts = Counter(docs[g.doc_id] for g in everything)
        doc_counts = Counter(docs.values())
        lines += ["", f"| {title} | documents | segments |", "|---|---|---|"]
        lines += [f"| {k} | {doc_counts[k]} | {seg_counts[k]} |" for k in sorted(doc_counts)]
    return "\n".join(lines)


def readme_tables(gold: str | Path) -> str | None:
    """The tables currently written in ``gold/README.md`` (None when it has no markers)."""
    text = (Path(gold) / "README.md").read_text(encoding="utf-8")
    found = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return found.group(1) if found else None


def write_tables(gold: str | Path) -> str:
    readme = Path(gold) / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = tables(gold)
    readme.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{block}\n{END}", text,
                             flags=re.S), encoding="utf-8")
    return block


if __name__ == "__main__":
    print(write_tables(sys.argv[1] if len(sys.argv) > 1 else "corpora/gold"))
