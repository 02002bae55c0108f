"""Candidates of a re-read of one question across gold, and the readers' input (one line per distinct text).

    python corpora/gold/tools/reread_input.py p36          # counts the candidates
    python corpora/gold/tools/reread_input.py p36 --write  # and writes work/p36/reread_input.jsonl

A pattern only finds candidates; every answer is made by reading. A text that stands in several rows is read once
and its answer applies to all of them (``ids``), so identical rows keep identical labels. ``tools/reread_changes.py``
turns the readings into gold changes.

- ``p29_pairs`` (`content`): two quality words in a row (及时、准确; 依法、及时、准确 …) in the text simplified as the
  models read it, in rows that neither P29's re-read, the traditional-script re-read (on `content`) nor the same-text
  re-read decided (P29's candidates needed a verb of aim or a noun of information near the word).
- ``p36`` (`platform`, `requests`): the ways to apply or the desk that receives applications (P36).
"""

import json
import re
import sys

from build_gold_v2 import GOLD, read_jsonl  # sibling script: its folder is on the path when this one runs

from nlp.labels.splits import SPLITS
from nlp.text.script import to_simplified

WORK = GOLD / "work"
QUALITY = "及时|准确|完整|全面|真实|权威|无误"
PATTERNS = {
    "p29_pairs": re.compile(rf"(?:{QUALITY})[、，,和与及]{{0,2}}(?:{QUALITY})"),
    "p36": re.compile(r"(?=.*申请)(?:.*(?:信函|传真|当面|现场|网上申请|在线申请|网络申请|申请(?:渠道|方式|途径|窗口|平台|系统)|"
                      r"受理(?:窗口|点|渠道|平台)))"),
}
QUESTIONS = {"p29_pairs": ["content"], "p36": ["platform", "requests"]}


def _ids(path, question: str | None = None) -> set[str]:
    return {r["id"] for r in read_jsonl(path) if question is None or question in r.get("questions", [question])}


def already_read(case: str) -> set[str]:
    """Rows an earlier re-read decided on this case's question, left out of it."""
    if case != "p29_pairs":
        return set()
    read = _ids(WORK / "p29" / "reread_input.jsonl") | _ids(WORK / "trad" / "reread_input.jsonl", "content")
    return read | {r["id"] for r in read_jsonl(WORK / "same_text" / "changes.jsonl")}


def candidates(case: str, rows: list[dict]) -> dict[str, list[dict]]:
    """text → its rows, for every text whose rows are candidates (a text an earlier re-read decided is left out whole)."""
    read, pattern = already_read(case), PATTERNS[case]
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if pattern.search(to_simplified(row["text"])):
            groups.setdefault(row["text"].strip(), []).append(row)
    return {text: rs for text, rs in groups.items() if not any(r["id"] in read for r in rs)}


def write_input(case: str, rows: list[dict], found: dict[str, list[dict]]) -> None:
    """One line per text: its rows' ids, the questions, and the first row's section, heading and the segment before it."""
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    (WORK / case).mkdir(exist_ok=True)
    with open(WORK / case / "reread_input.jsonl", "w", encoding="utf-8") as out:
        for _text, group in sorted(found.items(), key=lambda item: item[1][0]["id"]):
            row = group[0]
            before = [r for r in by_doc[row["doc_id"]] if r["end"] <= row["start"]]
            previous = max(before, key=lambda r: r["end"])["text"] if before else ""
            out.write(json.dumps({"id": row["id"], "ids": [r["id"] for r in group], "questions": QUESTIONS[case],
                                  "section": row["section"], "heading": row["heading"], "previous": previous,
                                  "text": row["text"]}, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in PATTERNS:
        raise SystemExit(f"usage: reread_input.py CASE [--write]  (CASE one of {', '.join(PATTERNS)})")
    case = argv[1]
    rows = [r for split in SPLITS for r in read_jsonl(GOLD / f"{split}.jsonl")]
    found = candidates(case, rows)
    print(len(found), "texts,", sum(map(len, found.values())), "rows")
    if "--write" in argv:
        write_input(case, rows, found)


if __name__ == "__main__":
    main(sys.argv)
