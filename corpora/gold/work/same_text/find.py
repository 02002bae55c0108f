"""Gold rows with the very same text but different theme sets or boilerplate flags (stop 37: 46 texts, 131 rows).

Each such text is re-read twice, blind, with full labels (themes and boilerplate), by two readers who see the text
and the contexts it stands in (heading, segment before), not the gold labels. Where both readings agree, and neither
says the contexts give the words different meanings, every row of the text takes that labelling.

    python corpora/gold/work/same_text/find.py             # lists the texts whose rows differ now
    python corpora/gold/work/same_text/find.py --next-pass # and writes them as the next pass's input (reread_input_N)
    python corpora/gold/work/same_text/find.py --extend    # rows later rounds labelled with a decided text take
                                                           # its labelling (appended to changes.jsonl)
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


def passes() -> list[str]:
    """Suffixes of the re-read passes made, in order: "" (stop 37's first), "_2", …"""
    names = sorted(HERE.glob("reread_input*.jsonl"), key=lambda p: (len(p.stem), p.stem))
    return [p.stem.removeprefix("reread_input") for p in names]


def decided() -> dict[str, dict]:
    """Text → the labelling a re-read pass settled: both readings where they agree, else the lead's."""
    read = lambda name: [json.loads(line) for line in open(HERE / name, encoding="utf-8")]  # noqa: E731
    out = {}
    for suffix in passes():
        if not (HERE / f"reread_S2{suffix}.jsonl").exists():  # a pass still being read
            continue
        first = {r["key"]: r for r in read(f"reread_S1{suffix}.jsonl")}
        second = {r["key"]: r for r in read(f"reread_S2{suffix}.jsonl")}
        split = HERE / f"adjudication{suffix}.jsonl"  # absent where the readers agreed on every text
        lead = {r["key"]: r for r in read(split.name)} if split.exists() else {}
        for item in read(f"reread_input{suffix}.jsonl"):
            a, b = first[item["key"]], second[item["key"]]
            if item["key"] in lead:
                out[item["text"]] = {**lead[item["key"]], "how": "lead decided between split re-reads"}
            else:
                assert sorted(a["themes"]) == sorted(b["themes"]) and a["boilerplate"] == b["boilerplate"], item["key"]
                out[item["text"]] = {"key": item["key"], "themes": sorted(a["themes"]), "boilerplate": a["boilerplate"],
                                     "how": "both blind re-reads", "reason": f"{a['reason']} / {b['reason']}"}
    return out


def extend(rows: list[dict]) -> int:
    """Append a change for every row not yet changed whose text the re-read decided and whose labels differ."""
    settled = decided()
    done = {json.loads(line)["id"] for line in open(HERE / "changes.jsonl", encoding="utf-8")}
    added = 0
    with open(HERE / "changes.jsonl", "a", encoding="utf-8") as out:
        for row in rows:
            label = settled.get(row["text"].strip())
            if label is None or row["id"] in done:
                continue
            change = {"id": row["id"]}
            if sorted(row["themes"]) != sorted(label["themes"]):
                change.update(before=sorted(row["themes"]), after=sorted(label["themes"]))
            if row["boilerplate"] != label["boilerplate"]:
                change.update(boilerplate_before=row["boilerplate"], boilerplate_after=label["boilerplate"])
            if len(change) > 1:
                change.update(case="same text, same labels", how=f"{label['how']} (text {label['key']})",
                              reason=label["reason"][:400])
                out.write(json.dumps(change, ensure_ascii=False) + "\n")
                added += 1
    return added


def main() -> None:
    rows = [json.loads(line) for split in SPLITS for line in open(GOLD / f"{split}.jsonl", encoding="utf-8")]
    if sys.argv[1:] == ["--extend"]:
        print(extend(rows), "rows of decided texts changed")
        return
    groups = conflicting_texts(rows)
    print(len(groups), "texts,", sum(len(g) for g in groups.values()), "rows")
    for text, group in sorted(groups.items()):
        print(f"  {text[:60]}: " + "; ".join(f"{r['id']} {sorted(r['themes'])} {r['boilerplate']}" for r in group))
    if sys.argv[1:] != ["--next-pass"] or not groups:
        return
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    made = passes()
    first_key = 1 + max(json.loads(line)["key"] for suffix in made
                        for line in open(HERE / f"reread_input{suffix}.jsonl", encoding="utf-8"))
    path = HERE / f"reread_input_{len(made) + 1}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for key, (text, group) in enumerate(sorted(groups.items()), start=first_key):
            contexts = [{"section": r["section"], "heading": r["heading"], "previous": previous_segment(r, by_doc)}
                        for r in group]
            out.write(json.dumps({"key": key, "ids": [r["id"] for r in group], "text": text, "contexts": contexts},
                                 ensure_ascii=False) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
