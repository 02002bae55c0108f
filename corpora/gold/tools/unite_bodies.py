"""Put every report of one issuing body on one side of the split again, where a body's reports were split because
its name was written in two scripts (广州市应急管理局 / 廣州市應急管理局: mirrors copy a body's reports in traditional
script) before ``body_key`` folded scripts. Idempotent.

    python corpora/gold/tools/unite_bodies.py

Each such body goes to the split that holds most of its rows (ties: the split of its reports named in simplified
script, the original site's); its other reports' rows move there, in the split files and in ``split.json``.
"""

import json
from collections import Counter, defaultdict

from build_gold_v2 import GOLD, read_jsonl, write_jsonl  # sibling script: its folder is on the path when this one runs

from nlp.labels.splits import SPLITS, body_key
from nlp.text.script import to_simplified


def main() -> None:
    rows = {split: read_jsonl(GOLD / f"{split}.jsonl") for split in SPLITS}
    rows_of: dict[str, Counter] = defaultdict(Counter)   # body → split → rows
    simplified: dict[str, set] = defaultdict(set)        # body → splits of its simplified-script reports
    for split, rs in rows.items():
        for r in rs:
            body = body_key(r)
            rows_of[body][split] += 1
            if to_simplified(r.get("agency") or "") == (r.get("agency") or ""):
                simplified[body].add(split)
    target = {}
    for body, counts in rows_of.items():
        if len(counts) > 1:
            best = max(counts.values())
            tied = [s for s in SPLITS if counts[s] == best]
            target[body] = next((s for s in tied if s in simplified[body]), tied[0])
    moved = Counter()
    kept = {split: [] for split in SPLITS}
    for split, rs in rows.items():
        for r in rs:
            to = target.get(body_key(r), split)
            if to != split:
                moved[f"{split}→{to}"] += 1
            kept[to].append({**r, "split": to})
    for split in SPLITS:
        write_jsonl(GOLD / f"{split}.jsonl", kept[split])
    split_file = GOLD / "split.json"
    saved = json.loads(split_file.read_text(encoding="utf-8"))
    for split in SPLITS:
        for r in kept[split]:
            saved[r["doc_id"]] = split
    split_file.write_text(json.dumps(saved, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    print(f"{len(target)} bodies were on several sides; rows moved: {dict(moved)}")
    for body, split in sorted(target.items()):
        print(f"  {body}: {dict(rows_of[body])} → {split}")


if __name__ == "__main__":
    main()
