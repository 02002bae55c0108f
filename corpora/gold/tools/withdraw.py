"""Take the reports listed in ``withdrawn.tsv`` out of gold: their rows in the split files, their text in
``documents.jsonl`` and their entry in ``split.json``. Idempotent.

    python corpora/gold/tools/withdraw.py

The first and second passes in ``agreement/`` and ``work/`` keep their rows: they record what the
labellers did, and the agreement figures were computed on them.
"""

import json

from build_gold_v2 import GOLD, read_jsonl, write_jsonl  # sibling script: its folder is on the path when this one runs
from rounds import withdrawn

from nlp.labels.splits import SPLITS


def main() -> None:
    out = withdrawn()
    removed = {}
    for name in [f"{split}.jsonl" for split in SPLITS] + ["documents.jsonl"]:
        rows = read_jsonl(GOLD / name)
        kept = [r for r in rows if r["doc_id"] not in out]
        removed[name] = len(rows) - len(kept)
        write_jsonl(GOLD / name, kept)
    split_file = GOLD / "split.json"
    saved = json.loads(split_file.read_text(encoding="utf-8"))
    split_file.write_text(json.dumps({d: s for d, s in saved.items() if d not in out}, ensure_ascii=False, indent=0,
                                     sort_keys=True), encoding="utf-8")
    print(f"withdrawn {len(out)} reports; rows removed: {removed}")


if __name__ == "__main__":
    main()
