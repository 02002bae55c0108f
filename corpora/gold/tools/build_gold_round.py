"""Add one labelling round (v3, v4, …) to the gold files: corpus reports that gold did not use yet, every
segment labelled twice blind, every disagreement adjudicated.

    python corpora/gold/tools/make_batches.py v4        # once: work/v4/batch_*.jsonl
    python corpora/gold/tools/build_gold_round.py v4    # after the labels are in work/v4/

Gold v1 and v2 rows are kept exactly as they are: re-cutting their reports with today's finder would move
some segments, while their labels belong to the text annotators read. Only the round's own rows are
(re)written, so the build is idempotent. Inputs in ``work/<round>/``, for each batch ``N``:
- ``batch_N.jsonl``: the segments annotators saw (``make_batches.py``);
- ``labels_N.jsonl`` and ``second_N.jsonl``: the first pass and the blind second pass (different
  annotators, neither seeing the other's labels);
- ``adjudication.jsonl``: the decision for every segment where the passes differ, by an adjudicator who saw
  both labellings in random order without knowing which pass was which.

A complement round (``complement`` in its settings) adds rows to reports already in gold, each in its
report's split, and never a segment or span gold holds. Otherwise a report of a body already in gold goes to
that body's split; reports of new bodies are split by body with
v2's iterative stratification (20 % test, then 19 % of the rest dev), so test stays body-disjoint.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

# build_gold_v2 is the sibling script: its folder is on the path when this one runs
from build_gold_v2 import (GOLD, LABEL_SET, assign_new, by_id, load_reports, overlaps, read_jsonl, report_rows,
                           write_jsonl)
from rechecks import apply_rechecks
from rounds import round_arg, withdrawn

from nlp.labels.labelset import load_labelset
from nlp.labels.splits import SPLITS, body_key


def passes(work: Path) -> tuple[dict[str, str], dict[str, dict], dict[str, dict], dict[str, str]]:
    """id → segment text, first-pass labels, second-pass labels, id → batch number."""
    texts, first, second, batch_of = {}, {}, {}, {}
    for batch in sorted(work.glob("batch_*.jsonl")):
        n = batch.stem.split("_")[1]
        segments = read_jsonl(batch)
        ids = [row["id"] for row in segments]
        texts.update({row["id"]: row["text"] for row in segments})
        batch_of.update({i: n for i in ids})
        for name, into in (("labels", first), ("second", second)):
            got = by_id(work / f"{name}_{n}.jsonl")
            if set(got) != set(ids):
                raise SystemExit(f"{work / name}_{n}.jsonl: {len(set(ids) - set(got))} segments of batch {n} "
                                 f"unlabelled, {len(set(got) - set(ids))} ids not in it")
            into.update({i: {"themes": sorted(got[i]["themes"]), "boilerplate": got[i]["boilerplate"]} for i in ids})
    return texts, first, second, batch_of


def _check_complement(new: list[dict], document: dict, stored_text: str | None, old_rows: list[dict]) -> None:
    """A complement round's rows add to a report in gold: same text as gold holds, no id or span taken."""
    if stored_text != document["text"]:
        raise SystemExit(f"{document['doc_id']}: its text today differs from the one gold holds; "
                         f"its new rows cannot be placed")
    ids = {r["id"] for r in old_rows}
    for row in new:
        if row["id"] in ids or overlaps(row["start"], row["end"], old_rows):
            raise SystemExit(f"{row['id']}: already in gold, or overlaps a gold row of its report")


def main(name: str, work: Path, excluded: dict[str, str], complement: bool = False) -> None:
    labelset = load_labelset(LABEL_SET)
    texts, first, second, batch_of = passes(work)
    adjudication = by_id(work / "adjudication.jsonl") if (work / "adjudication.jsonl").exists() else {}
    undecided = [i for i in first if first[i] != second[i] and i not in adjudication]
    if undecided:
        raise SystemExit(f"{len(undecided)} segments where the passes differ have no adjudication: {undecided[:5]}")

    reports = load_reports()
    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    for seg_id, text in texts.items():
        wanted[seg_id.rsplit("#", 1)[0]][seg_id] = text
    old = {split: [r for r in read_jsonl(GOLD / f"{split}.jsonl") if r.get("gold_version") != name] for split in SPLITS}
    old_docs = {r["doc_id"] for rows in old.values() for r in rows}
    rows: dict[str, list[dict]] = {}
    documents, dropped = {}, []

    def label_of(seg_id: str) -> tuple[list[str], bool, str, str]:
        agreed = first[seg_id] == second[seg_id]
        label = first[seg_id] if agreed else adjudication[seg_id]
        how = "first and blind second pass agree" if agreed else "adjudicated after the blind second pass"
        return sorted(label["themes"]), label["boilerplate"], f"B{batch_of[seg_id]}+C{batch_of[seg_id]}", how

    old_rows: dict[str, list[dict]] = defaultdict(list)
    for r in (r for rs in old.values() for r in rs):
        old_rows[r["doc_id"]].append(r)
    stored_texts = {d["doc_id"]: d["text"] for d in read_jsonl(GOLD / "documents.jsonl")} if complement else {}
    for doc_id, ids in sorted(wanted.items()):
        if doc_id in excluded:
            continue
        if (doc_id in old_docs) != complement:
            raise SystemExit(f"{doc_id}: {'already' if doc_id in old_docs else 'not'} in gold; a round's batches "
                             f"hold {'reports already in gold' if complement else 'new reports'} only")
        new, documents[doc_id], lost = report_rows(reports[doc_id], ids, label_of, name)
        if complement:
            _check_complement(new, documents[doc_id], stored_texts.get(doc_id), old_rows[doc_id])
        if new:
            rows[doc_id] = new
        dropped += lost

    # where each body already is (from the rows of earlier rounds), so a known body keeps its side
    body_split = {body_key(r): split for split, rs in old.items() for r in rs}
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in rows:
        groups[body_key(documents[doc_id])].append(doc_id)
    known = {d: body_split[body] for body, docs in groups.items() if body in body_split for d in docs}
    split_file = GOLD / "split.json"
    saved = json.loads(split_file.read_text(encoding="utf-8"))
    # a complement round's reports are in gold already: their rows join the report's own split
    assignment = {d: saved[d] for d in rows} if complement else assign_new(groups, rows, labelset.ids, known)
    assignment = {d: saved.get(d, s) for d, s in assignment.items()}  # never move an earlier assignment
    split_file.write_text(json.dumps({**saved, **assignment}, ensure_ascii=False, indent=0, sort_keys=True),
                          encoding="utf-8")

    for split in SPLITS:
        new = [dict(r, split=split) for d in sorted(rows) if assignment[d] == split for r in rows[d]]
        write_jsonl(GOLD / f"{split}.jsonl", apply_rechecks(old[split] + new))
    if not complement:  # a complement round's reports keep their document rows (the same text: checked)
        kept_docs = [d for d in read_jsonl(GOLD / "documents.jsonl") if d["doc_id"] not in documents]
        write_jsonl(GOLD / "documents.jsonl", kept_docs + [documents[d] for d in sorted(documents)])
    labelled = [r["id"] for rs in rows.values() for r in rs]
    write_jsonl(GOLD / "agreement" / f"first_pass_{name}.jsonl",
                [{"id": i, **first[i]} for i in sorted(first)])
    write_jsonl(GOLD / "agreement" / f"second_pass_{name}.jsonl",
                [{"id": i, **second[i]} for i in sorted(second)])
    counts = {s: sum(len(rows[d]) for d in rows if assignment[d] == s) for s in SPLITS}
    bodies = {s: len({body_key(documents[d]) for d in rows if assignment[d] == s}) for s in SPLITS}
    print(f"gold {name}: {len(labelled)} segments from {len(rows)} reports; per split {counts}; "
          f"{'bodies' if complement else 'new-report bodies'} {bodies}; "
          f"{sum(1 for i in first if first[i] != second[i])} adjudicated; "
          f"{len(dropped)} labelled ids no longer a segment: {dropped[:10]}; left out: {sorted(excluded)}")


if __name__ == "__main__":
    name, work, settings = round_arg(sys.argv)
    main(name, work, settings["excluded"] | withdrawn(), complement=bool(settings.get("complement")))
