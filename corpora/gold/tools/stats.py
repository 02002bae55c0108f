"""Count tables of the gold set, written into the datasheet between its stats markers.

    python corpora/gold/tools/stats.py      # rewrites the tables in corpora/gold/README.md

tests/test_gold.py recomputes these tables from the files and compares.
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from nlp.gold import SPLITS, load_gold  # noqa: E402
from nlp.labels import load_labelset  # noqa: E402

GOLD = ROOT / "corpora" / "gold"
BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"


def year_bucket(year) -> str:
    if year is None:
        return "unknown"
    return "pre-2014" if year < 2014 else ("2014–2018" if year < 2019 else "2019+")


def tables() -> str:
    labels = load_labelset("gov-disclosure-v1").ids
    by_split = {s: load_gold(GOLD, s) for s in SPLITS}
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


def main() -> None:
    readme = GOLD / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{tables()}\n{END}", text, flags=re.S)
    readme.write_text(new, encoding="utf-8")
    print(tables())


if __name__ == "__main__":
    main()
