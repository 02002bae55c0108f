"""Build the example gold of docs/new-labelset.md (label set corpora/labelsets/example-openness.yaml) from gold v2.

    python corpora/examples/openness/make_gold.py

Labels: ``requests`` and ``interpretation`` are gold v2's hand labels of the same names (same definitions);
``litigation`` was decided by reading every chosen row (``litigation_reading.jsonl``: one decision per row,
with a note where the text names 复议/诉讼 but reports no case). A substring search (复议|诉讼, not a table
of contents) only picks the candidates to sample; it decides no label. Rows keep gold v2's ids, texts,
offsets, boilerplate flags and body-disjoint splits; train holds about 24 positives per label, dev 8, test 30
(plus as many, and for test 150, segments without a theme).
"""

import json
import re
from dataclasses import replace
from pathlib import Path

from nlp.labels.gold import load_gold
from nlp.training.fewshot import sample_per_label

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).resolve().parent / "gold.jsonl"
READING = Path(__file__).resolve().parent / "litigation_reading.jsonl"
LITIGATION = re.compile(r"复议|诉讼")
CONTENTS = re.compile(r"^(全文|本报告|本年度报告|报告|本年报)[^。]{0,20}(由|包括|共分|分为)")
SIZES = {"train": (24, 24), "dev": (8, 8), "test": (30, 150)}


def candidates(segment):
    """The segment in the example label set's terms, ``litigation`` by substring: for sampling only."""
    themes = [t for t in segment.themes if t in ("requests", "interpretation")]
    if LITIGATION.search(segment.text) and not CONTENTS.search(segment.text):
        themes.append("litigation")
    return replace(segment, themes=sorted(themes), label_set="example-openness")


def read_decisions() -> dict[str, bool]:
    decisions = {}
    for line in READING.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        decisions[row["id"]] = bool(row["litigation"])
    return decisions


def by_reading(segment, decisions: dict[str, bool]):
    """The segment with ``litigation`` as decided by reading it."""
    if segment.id not in decisions:
        raise SystemExit(f"{READING}: no reading of {segment.id}; read it and add a decision")
    themes = [t for t in segment.themes if t != "litigation"] + (["litigation"] if decisions[segment.id] else [])
    return replace(segment, themes=sorted(themes))


def main() -> None:
    decisions = read_decisions()
    rows = []
    for split, (k, negatives) in SIZES.items():
        segments = [candidates(s) for s in load_gold(ROOT / "corpora" / "gold", split)]
        chosen = sample_per_label(segments, ["requests", "litigation", "interpretation"], k, seed=0, negatives=negatives)
        chosen = [by_reading(s, decisions) for s in chosen]
        rows += [{"id": s.id, "doc_id": s.doc_id, "section": s.section, "heading": s.heading, "text": s.text,
                  "start": s.start, "end": s.end, "themes": s.themes, "boilerplate": s.boilerplate,
                  "label_set": s.label_set, "split": split, "source": "corpora/gold (v2), relabelled",
                  "label_how": "gold v2 (requests, interpretation) + read by hand (litigation)"}
                 for s in sorted(chosen, key=lambda s: s.id)]
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} rows")


if __name__ == "__main__":
    main()
