"""Gold rows re-read under a case settled after they were labelled, applied to every split.

    python corpora/gold/tools/rechecks.py    # apply every re-read's changes to train/dev/test.jsonl in place

A re-read lives in ``work/<name>/``: ``CASE.md`` (the case and how it was applied) and ``changes.jsonl`` (one
row per changed segment: ``id``, ``before``, ``after`` (theme lists) or ``boilerplate_before``, ``boilerplate_after``
(the flag), ``case``, ``how``, ``reason``). Applying
is idempotent, and ``build_gold_round.py`` applies the re-reads too when it rewrites the split files, so a
later round never undoes one.
"""

from __future__ import annotations

import json

from build_gold_v2 import GOLD, WORK, read_jsonl, write_jsonl  # sibling script: its folder is on the path when this one runs

from nlp.labels.splits import SPLITS

RECHECKS = ("p28", "p29", "p30", "p31", "p32", "p33", "p34", "p35", "trad", "same_text", "p29_pairs", "p36")


def changes() -> dict[str, list[dict]]:
    """id → its changes, in the order the re-reads were made (a later re-read starts from an earlier one's result)."""
    out: dict[str, list[dict]] = {}
    for name in RECHECKS:
        for line in open(WORK / name / "changes.jsonl", encoding="utf-8"):
            row = json.loads(line)
            out.setdefault(row["id"], []).append({**row, "note": f"re-read under {row['case']} (work/{name}/CASE.md)"})
    return out


def apply_rechecks(rows: list[dict]) -> list[dict]:
    """The rows with every re-read's themes (or boilerplate flag) in place, in order, and each re-read named in
    ``label_how``."""
    found = changes()
    out = []
    for row in rows:
        for change in found.get(row["id"], ()):
            how = row["label_how"] if change["note"] in row["label_how"] else f"{row['label_how']}; {change['note']}"
            row = {**row, "label_how": how}
            if "after" in change:
                row["themes"] = sorted(change["after"])
            if "boilerplate_after" in change:
                row["boilerplate"] = change["boilerplate_after"]
        out.append(row)
    return out


def main() -> None:
    found, applied = changes(), 0
    for split in SPLITS:
        rows = read_jsonl(GOLD / f"{split}.jsonl")
        applied += sum(1 for r in rows if r["id"] in found)
        write_jsonl(GOLD / f"{split}.jsonl", apply_rechecks(rows))
    missing = len(found) - applied
    print(f"{applied} re-read rows applied" + (f"; {missing} ids not in gold" if missing else ""))


if __name__ == "__main__":
    main()
