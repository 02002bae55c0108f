"""Turn a re-read's two blind readings (and the lead's decisions where they split) into gold changes.

    python corpora/gold/tools/reread_changes.py work/p36        # writes work/p36/changes.jsonl

The re-read's folder holds ``reread_input.jsonl`` (one line per text: ``id``, ``ids`` (every gold row with that
text), ``questions`` (theme ids)), the readings ``reread_R1*.jsonl`` and ``reread_R2*.jsonl`` (each reader's halves
in name order, one line per input line: ``id``, one true/false per question, ``reason``) and ``adjudication.jsonl``
(the lead's answer to every question the readers split on, with ``how`` and ``reason``). A row's theme changes where
both readers agree with each other and differ from gold, or where they split and the lead's answer differs. Only the
themes asked about move; rows no longer in gold are skipped. It compares with gold as it stands before the changes,
so it runs once: ``tools/rechecks.py`` applies the file after (name the folder in its ``RECHECKS``).
"""

import json
import sys
from pathlib import Path

from build_gold_v2 import GOLD, read_jsonl  # sibling script: its folder is on the path when this one runs

from nlp.labels.splits import SPLITS


def readings(folder: Path, reader: str) -> list[dict]:
    return [row for path in sorted(folder.glob(f"reread_{reader}*.jsonl")) for row in read_jsonl(path)]


def answers(item: dict, first: dict, second: dict, lead: dict) -> dict[str, tuple[bool, str, str]]:
    """question → (answer, how, reason) for one input line."""
    out = {}
    for question in item["questions"]:
        if first[question] == second[question]:
            out[question] = (first[question], "both blind re-reads", f"{first['reason']} / {second['reason']}")
        else:
            decided = lead[item["id"]]
            out[question] = (decided[question], decided["how"], decided["reason"])
    return out


def main(folder: Path) -> None:
    if (folder / "changes.jsonl").exists():  # gold now carries them: a second run would find nothing to change
        raise SystemExit(f"{folder / 'changes.jsonl'} exists; it is the record of this re-read")
    gold = {r["id"]: r for split in SPLITS for r in read_jsonl(GOLD / f"{split}.jsonl")}
    inputs, first, second = read_jsonl(folder / "reread_input.jsonl"), readings(folder, "R1"), readings(folder, "R2")
    lead = {r["id"]: r for r in read_jsonl(folder / "adjudication.jsonl")} if (folder / "adjudication.jsonl").exists() else {}
    case = folder.name.upper()
    changes = []
    for item, a, b in zip(inputs, first, second, strict=True):
        assert a["id"] == b["id"] == item["id"], (item["id"], a["id"], b["id"])
        decided = answers(item, a, b, lead)
        for row_id in item["ids"]:
            row = gold.get(row_id)
            if row is None:
                continue
            themes = set(row["themes"])
            moved = {q: v for q, (v, _how, _why) in decided.items() if (q in themes) != v}
            if not moved:
                continue
            after = sorted((themes | {q for q, v in moved.items() if v}) - {q for q, v in moved.items() if not v})
            how = "; ".join(sorted({decided[q][1] for q in moved}))
            reason = " | ".join(f"{q}: {decided[q][2]}" for q in sorted(moved))
            changes.append({"id": row_id, "before": row["themes"], "after": after, "case": case, "how": how,
                            "reason": reason[:600]})
    with open(folder / "changes.jsonl", "w", encoding="utf-8") as out:
        for change in changes:
            out.write(json.dumps(change, ensure_ascii=False) + "\n")
    print(f"{len(changes)} rows changed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: reread_changes.py WORK_FOLDER")
    main(Path(sys.argv[1]) if Path(sys.argv[1]).is_absolute() else GOLD / sys.argv[1])
