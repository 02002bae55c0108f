"""The adjudicators' input for a gold round: every segment where the two blind passes differ, both labellings in
random order (A/B), so the adjudicator cannot tell which pass is which.

    python corpora/gold/tools/adjudication_input.py v4   # writes work/v4/adjudication_input.jsonl

The input is cut into parts for the adjudicators; their decisions, concatenated in order, are
``work/<round>/adjudication.jsonl``. Segments decided there already are left out, so a round can be
adjudicated batch by batch as its passes come in (each with ``choice`` A/B/other and a ``reason``).
"""

import json
import random
import sys
from pathlib import Path

from rounds import round_arg  # sibling script: its folder is on the path when this one runs


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def main(work: Path, batches: tuple[int, ...]) -> None:
    rng = random.Random(2026)
    out = []
    decided = {r["id"] for r in read(work / "adjudication.jsonl")} if (work / "adjudication.jsonl").exists() else set()
    for n in batches:
        if not (work / f"labels_{n}.jsonl").exists() or not (work / f"second_{n}.jsonl").exists():
            print(f"batch {n}: a pass is missing, left for later")  # adjudication can go batch by batch
            continue
        segments = read(work / f"batch_{n}.jsonl")
        first = {r["id"]: r for r in read(work / f"labels_{n}.jsonl")}
        second = {r["id"]: r for r in read(work / f"second_{n}.jsonl")}
        for i, row in enumerate(segments):
            pair = [first[row["id"]], second[row["id"]]]
            if len({(tuple(sorted(p["themes"])), p["boilerplate"]) for p in pair}) == 1 or row["id"] in decided:
                continue
            rng.shuffle(pair)
            previous = segments[i - 1]["text"] if i and segments[i - 1]["doc_id"] == row["doc_id"] else ""
            out.append({"id": row["id"], "section": row["section"], "previous": previous, "text": row["text"],
                        **{side: {"themes": sorted(p["themes"]), "boilerplate": p["boilerplate"],
                                  "note": p.get("note", "")} for side, p in zip("AB", pair)}})
    with open(work / "adjudication_input.jsonl", "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(out), "segments to adjudicate")


if __name__ == "__main__":
    _name, work, settings = round_arg(sys.argv)
    main(work, settings["batches"])
