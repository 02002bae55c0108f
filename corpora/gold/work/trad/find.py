"""Traditional-script gold rows that the re-reads P28–P35 missed: their candidate patterns were matched against the
text as written (simplified characters), so a row in traditional script matched only after conversion to simplified
characters (OpenCC t2s, as the models read it) was never re-read. Lists, per case, the rows from the gold versions the
re-read covered whose simplified text matches the case's pattern and which were not in its input.

    python corpora/gold/work/trad/find.py          # counts the candidates
    python corpora/gold/work/trad/find.py --write  # and writes candidates.jsonl and reread_input.jsonl beside this file

Each row is re-read once, blind, by two readers, on the questions of every case whose pattern it matches
(``QUESTIONS``: the same decisions the case's own re-read asked for).
"""

import json
import re
import sys
from pathlib import Path

from nlp.labels.splits import SPLITS
from nlp.text.script import to_simplified

HERE = Path(__file__).parent
GOLD = HERE.parents[1]
QUESTIONS = {  # what each case's own re-read decided (a theme, or the boilerplate flag)
    "p28": ["requests", "engagement"], "p29": ["content"], "p30": ["engagement"], "p31": ["oversight", "awareness"],
    "p32": ["engagement", "training"], "p33": ["content"], "p34": ["awareness"], "p35": ["boilerplate"],
}
PATTERNS = {  # each case's candidate pattern, as its CASE.md states it
    "p28": r"咨询",
    "p29": r"(?:确保|保证|保障|做到|力求|实现|提高|提升).{0,16}(?:准确|及时|完整|全面|真实|权威|无误|时效|失实)"
           r"|(?:信息|内容|数据)[^，,]{0,10}(?:准确|完整|真实|权威|无误|失实|时效)",
    "p30": r"(?=.*(?:建议|提案))(?=.*(?:提案|人大|政协|代表))",
    "p31": r"接受[^，,]{0,8}监督|[纳列]入.{0,10}(?:重点工作|工作要点|工作计划|年度计划|议事日程|重要日程)",
    "p32": r"(?:宣传|宣讲|宣贯).{0,6}条例|条例.{0,6}(?:宣传|宣讲|宣贯)",
    "p33": r"质效",
    "p34": r"作为.{0,25}(?:重要|重点|首要|核心|头等|中心)(?:工作|任务|事项|议程|工程)|摆[上在].{0,6}(?:重要|突出)(?:位置|日程)"
           r"|一把手工程",
    "p35": r"\d{4}年\d{1,2}月\d{1,2}日.{0,6}(?:起|以来).{0,6}(?:开始|正式|全面|施行|实施|生效)"
           r"|《(?:条例|规定)》.{0,20}\d{4}年\d{1,2}月\d{1,2}日.{0,10}(?:施行|实施|生效)",
}


def _version(row: dict) -> int:
    return int(row["gold_version"].lstrip("v"))


def main() -> None:
    rows = [json.loads(line) for split in SPLITS for line in open(GOLD / f"{split}.jsonl", encoding="utf-8")]
    by_id = {r["id"]: r for r in rows}
    found = []
    for case, pattern in PATTERNS.items():
        read = {json.loads(line)["id"] for path in (HERE.parent / case).glob("reread*input.jsonl")
                for line in open(path, encoding="utf-8")}
        covered = max(_version(by_id[i]) for i in read if i in by_id)
        for row in rows:
            simple = to_simplified(row["text"])
            if (row["id"] not in read and simple != row["text"] and _version(row) <= covered
                    and re.search(pattern, simple) and not re.search(pattern, row["text"])):
                found.append({"case": case, "id": row["id"], "gold_version": row["gold_version"]})
    print(len(found), "rows;", {c: sum(f["case"] == c for f in found) for c in PATTERNS})
    if "--write" not in sys.argv:
        return
    with open(HERE / "candidates.jsonl", "w", encoding="utf-8") as out:
        for item in found:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    write_input(rows, found)


def write_input(rows: list[dict], found: list[dict]) -> None:
    """One line per candidate row: its text, heading, the segment before it in gold (context), and its questions."""
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    cases: dict[str, list[str]] = {}
    for item in found:
        cases.setdefault(item["id"], []).append(item["case"])
    by_id = {r["id"]: r for r in rows}
    with open(HERE / "reread_input.jsonl", "w", encoding="utf-8") as out:
        for row_id, names in sorted(cases.items()):
            row = by_id[row_id]
            before = [r for r in by_doc[row["doc_id"]] if r["end"] <= row["start"]]
            previous = max(before, key=lambda r: r["end"])["text"] if before else ""
            questions = sorted({q for name in names for q in QUESTIONS[name]})
            out.write(json.dumps({"id": row_id, "cases": [n.upper() for n in names], "questions": questions,
                                  "section": row["section"], "heading": row["heading"], "previous": previous,
                                  "text": row["text"]}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
