"""Turn the two blind readings (and the lead's decisions where they split) into gold changes: ``changes.jsonl``.

    python corpora/gold/work/p29_pairs/decide.py

A text's rows change when both readers agree with each other and differ from gold, or when the readers split and the
lead's decision (``adjudication.jsonl``) differs from gold; only `content` moves. Rows no longer in gold are skipped.
It compares with gold as it stood before the changes, so it runs once: ``tools/rechecks.py`` applies the file after.
"""

import json
from pathlib import Path

from nlp.labels.splits import SPLITS

HERE = Path(__file__).parent
GOLD = HERE.parents[1]


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in open(HERE / name, encoding="utf-8")]


def main() -> None:
    if (HERE / "changes.jsonl").exists():  # gold now carries them: a second run would find nothing to change
        raise SystemExit(f"{HERE / 'changes.jsonl'} exists; it is the record of this re-read")
    gold = {r["id"]: r for split in SPLITS for r in read(f"../../{split}.jsonl")}
    first = read("reread_R1a.jsonl") + read("reread_R1b.jsonl")
    second = read("reread_R2a.jsonl") + read("reread_R2b.jsonl")
    lead = {r["id"]: r for r in read("adjudication.jsonl")}
    changes = []
    for item, a, b in zip(read("reread_input.jsonl"), first, second, strict=True):
        assert a["id"] == b["id"] == item["id"]
        if a["content"] == b["content"]:
            value, how, reason = a["content"], "both blind re-reads", f"{a['reason']} / {b['reason']}"
        else:
            value, how, reason = lead[item["id"]]["content"], lead[item["id"]]["how"], lead[item["id"]]["reason"]
        for row_id in item["ids"]:
            row = gold.get(row_id)
            if row is None or ("content" in row["themes"]) == value:
                continue
            after = sorted(set(row["themes"]) | {"content"}) if value else [t for t in row["themes"] if t != "content"]
            changes.append({"id": row_id, "before": row["themes"], "after": after, "case": "P29", "how": how,
                            "reason": f"content: {reason}"})
    with open(HERE / "changes.jsonl", "w", encoding="utf-8") as out:
        for change in changes:
            out.write(json.dumps(change, ensure_ascii=False) + "\n")
    print(len(changes), "rows changed:", sum(bool(set(c["after"]) - set(c["before"])) for c in changes), "gain content")


if __name__ == "__main__":
    main()
