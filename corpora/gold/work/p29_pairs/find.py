"""Gold rows that name the quality of information as a list of quality words (“及时、准确”的总体要求, 依法、及时、准确地
公开, 全面、真实) without the verb of aim or the noun that P29's candidate pattern needed, so that re-read never saw
them (the gold v58 adjudicator found such rows in train without `content`, against P29's last sentence).

    python corpora/gold/work/p29_pairs/find.py          # counts the candidates
    python corpora/gold/work/p29_pairs/find.py --write  # and writes reread_input.jsonl beside this file

Candidates: every gold row (all splits, all versions) whose text, simplified as the models read it, holds two quality
words in a row (separated by at most two of 、，,和与及) and that neither P29's re-read nor the traditional-script
re-read asked about `content`. Texts that stand in several rows are read once (one input line names every row), so
rows with the same words keep the same answer; texts the same-text re-read decided in full are left to it. Each text
is re-read twice, blind, on one question: does the segment carry `content` under P29 and the guide?
"""

import json
import re
import sys
from pathlib import Path

from nlp.labels.splits import SPLITS
from nlp.text.script import to_simplified

HERE = Path(__file__).parent
GOLD = HERE.parents[1]
QUALITY = "及时|准确|完整|全面|真实|权威|无误"
PAIR = re.compile(rf"(?:{QUALITY})[、，,和与及]{{0,2}}(?:{QUALITY})")


def _ids(path: Path, question: str | None = None) -> set[str]:
    rows = (json.loads(line) for line in open(path, encoding="utf-8"))
    return {r["id"] for r in rows if question is None or question in r.get("questions", [question])}


def already_read() -> set[str]:
    """Rows P29's own re-read, the traditional-script re-read (on `content`) or the same-text re-read decided."""
    work = HERE.parent
    read = _ids(work / "p29" / "reread_input.jsonl") | _ids(work / "trad" / "reread_input.jsonl", "content")
    same = [json.loads(line) for line in open(work / "same_text" / "changes.jsonl", encoding="utf-8")]
    return read | {r["id"] for r in same}


def candidates(rows: list[dict]) -> dict[str, list[dict]]:
    """text → its rows, for every text whose rows are candidates (a text some re-read decided is left out whole)."""
    read = already_read()
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if PAIR.search(to_simplified(row["text"])):
            groups.setdefault(row["text"].strip(), []).append(row)
    return {text: rs for text, rs in groups.items() if not any(r["id"] in read for r in rs)}


def main() -> None:
    rows = [json.loads(line) for split in SPLITS for line in open(GOLD / f"{split}.jsonl", encoding="utf-8")]
    found = candidates(rows)
    print(len(found), "texts,", sum(map(len, found.values())), "rows")
    if "--write" in sys.argv:
        write_input(rows, found)


def write_input(rows: list[dict], found: dict[str, list[dict]]) -> None:
    """One line per text: its rows' ids, and the first row's section, heading and the segment before it (context)."""
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    with open(HERE / "reread_input.jsonl", "w", encoding="utf-8") as out:
        for text, group in sorted(found.items(), key=lambda item: item[1][0]["id"]):
            row = group[0]
            before = [r for r in by_doc[row["doc_id"]] if r["end"] <= row["start"]]
            previous = max(before, key=lambda r: r["end"])["text"] if before else ""
            out.write(json.dumps({"id": row["id"], "ids": [r["id"] for r in group], "questions": ["content"],
                                  "section": row["section"], "heading": row["heading"], "previous": previous,
                                  "text": row["text"]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
