"""The adjudicators' input for gold v3: every segment where the two blind passes differ, both labellings in
random order (A/B), so the adjudicator cannot tell which pass is which.

    python corpora/gold/tools/adjudication_input_v3.py   # writes work/v3/adjudication_input.jsonl

The input was cut into two halves for two adjudicators; their decisions, concatenated in order, are
``work/v3/adjudication.jsonl`` (each with ``choice`` A/B/other and a ``reason``).
"""

import json
import random
from pathlib import Path

V3 = Path(__file__).resolve().parents[1] / "work" / "v3"


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def main() -> None:
    rng = random.Random(2026)
    out = []
    for n in (15, 16, 17, 18):
        segments = read(V3 / f"batch_{n}.jsonl")
        first = {r["id"]: r for r in read(V3 / f"labels_{n}.jsonl")}
        second = {r["id"]: r for r in read(V3 / f"second_{n}.jsonl")}
        for i, row in enumerate(segments):
            pair = [first[row["id"]], second[row["id"]]]
            if len({(tuple(sorted(p["themes"])), p["boilerplate"]) for p in pair}) == 1:
                continue
            rng.shuffle(pair)
            previous = segments[i - 1]["text"] if i and segments[i - 1]["doc_id"] == row["doc_id"] else ""
            out.append({"id": row["id"], "section": row["section"], "previous": previous, "text": row["text"],
                        **{side: {"themes": sorted(p["themes"]), "boilerplate": p["boilerplate"],
                                  "note": p.get("note", "")} for side, p in zip("AB", pair)}})
    with open(V3 / "adjudication_input.jsonl", "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(len(out), "segments to adjudicate")


if __name__ == "__main__":
    main()
