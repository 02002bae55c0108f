"""Gold rows with the very same text but different theme sets or boilerplate flags (stop 37: 42 texts, 123 rows).

Each such text is re-read twice, blind, with full labels (themes and boilerplate), by two readers who see the text
and the contexts it stands in (heading, segment before), not the gold labels. Where both readings agree, and neither
says the contexts give the words different meanings, every row of the text takes that labelling.

    python corpora/gold/work/same_text/find.py             # lists the texts whose rows differ now
    python corpora/gold/work/same_text/find.py OUT.jsonl   # and writes them as a re-read's input
"""

import json
import sys
from pathlib import Path

from nlp.labels.splits import SPLITS

HERE = Path(__file__).parent
GOLD = HERE.parents[1]


def conflicting_texts(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["text"].strip(), []).append(row)
    return {text: rs for text, rs in groups.items()
            if len({(tuple(sorted(r["themes"])), r["boilerplate"]) for r in rs}) > 1}


def previous_segment(row: dict, by_doc: dict[str, list[dict]]) -> str:
    before = [r for r in by_doc[row["doc_id"]] if r["end"] <= row["start"]]
    return max(before, key=lambda r: r["end"])["text"] if before else ""


def main() -> None:
    rows = [json.loads(line) for split in SPLITS for line in open(GOLD / f"{split}.jsonl", encoding="utf-8")]
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    groups = conflicting_texts(rows)
    print(len(groups), "texts,", sum(len(g) for g in groups.values()), "rows")
    for text, group in sorted(groups.items()):
        print(f"  {text[:60]}: " + "; ".join(f"{r['id']} {sorted(r['themes'])} {r['boilerplate']}" for r in group))
    if len(sys.argv) < 2:
        return
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for key, (text, group) in enumerate(sorted(groups.items())):
            contexts = [{"section": r["section"], "heading": r["heading"], "previous": previous_segment(r, by_doc)}
                        for r in group]
            out.write(json.dumps({"key": key, "ids": [r["id"] for r in group], "text": text, "contexts": contexts},
                                 ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
