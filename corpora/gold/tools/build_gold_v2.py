"""Assemble gold v2 from gold v1 (frozen) and the v2 hand-label files; split new reports by issuing body.

    python corpora/gold/tools/build_gold_v2.py

Inputs, all in ``corpora/gold/work/`` (provenance of every label):
- ``v1_rows.jsonl`` / ``v1_documents.jsonl``: gold v1 as released (1,242 segments, 158 reports);
  ``v1_1_recheck_changes.jsonl``: rows re-read under guide v1.1 and changed (each with its case and reason).
- ``v2/batch_*.jsonl`` + ``v2/labels_*.jsonl``: segments given to annotators and their first-pass labels;
  ``v2/reconcile_changes.jsonl``: changes after the settled cases P22–P27 (``v2/CASES.md``);
  ``v2/second_pass_labels.jsonl`` + ``v2/adjudication.jsonl``: the blind second pass over new test
  segments and the lead's decisions where the passes differ.
- report texts: ``../shared/corpus`` (seeds + excerpts) and ``corpora/corpus/reports.jsonl`` (corpus v2).

Every new labelled id is re-attached to the project's own segmentation of its report by identical
text (never by any model). New reports are split by issuing body (agency, else the url's host):
a body already in gold v1 keeps v1's split; other bodies are split by iterative stratification over
themes and the presence of problems text, 65 / 15 / 20 % train / dev / test. ``split.json`` keeps
every assignment, so rebuilding after more labels land never moves a report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from nlp.io.corpus import CorpusReport, iter_corpus, iter_jsonl_reports
from nlp.labels.assemble import attach, segment_report
from nlp.labels.labelset import load_labelset
from nlp.labels.splits import SPLITS, body_key, split_groups

ROOT = Path(__file__).resolve().parents[3]
GOLD = ROOT / "corpora" / "gold"
WORK = GOLD / "work"
V2 = WORK / "v2"
SHARED = ROOT.parent / "shared" / "corpus"
CORPUS_V2 = ROOT / "corpora" / "corpus" / "reports.jsonl"
LABEL_SET = "gov-disclosure-v1"


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def by_id(path: Path) -> dict[str, dict]:
    return {row["id"]: row for row in read_jsonl(path)}


def load_reports() -> dict[str, CorpusReport]:
    reports = {r.doc_id: r for r in iter_corpus(SHARED)}
    if CORPUS_V2.exists():  # the harvested reports; the shared ones are read from the shared corpus itself
        reports.update({r.doc_id: r for r in iter_jsonl_reports(CORPUS_V2) if r.doc_id not in reports})
    return reports




def overlaps(start: int, end: int, rows: list[dict]) -> bool:
    """Whether the span ``[start, end)`` shares a character with a gold row of the same report."""
    return any(start < r["end"] and r["start"] < end for r in rows)


def report_meta(report: CorpusReport) -> dict:
    """Where a gold report comes from: its source file, url, issuing body, level and year."""
    shared = report.doc_id.startswith(("ex-", "seed-"))
    return {"source": f"{'shared/corpus/' if shared else 'corpora/corpus/'}{report.origin}",
            "url": report.meta.get("url"), "agency": report.meta.get("agency"),
            "level": report.meta.get("level"), "year": report.meta.get("year")}


def gold_row(doc_id: str, seg, themes: list[str], boilerplate: bool, annotator: str, label_how: str,
             meta: dict, version: str) -> dict:
    """One gold row: the segment as the project cut it, its hand label and the report's provenance."""
    return {"id": f"{doc_id}#{seg.index}", "doc_id": doc_id, "section": seg.section, "heading": seg.heading,
            "text": seg.text, "start": seg.start, "end": seg.end, "themes": themes, "boilerplate": boilerplate,
            "annotator": annotator, "label_how": label_how, "label_set": LABEL_SET, **meta, "gold_version": version}


def report_rows(report: CorpusReport, ids: list[str], label_of, version: str) -> tuple[list[dict], dict, list[str]]:
    """One labelled report's gold rows, its document row, and the labelled ids that no longer cut as a segment.

    ``label_of(seg_id)`` gives ``(themes, boilerplate, annotator, label_how)`` of a labelled segment."""
    doc = segment_report(report)
    meta = report_meta(report)
    found = attach(doc, ids)
    rows = [gold_row(report.doc_id, seg, *label_of(seg_id), meta, version)
            for seg_id, seg in sorted(found.items(), key=lambda kv: kv[1].start)]
    return rows, {"doc_id": report.doc_id, **meta, "text": doc.text}, [i for i in ids if i not in found]


def first_pass() -> tuple[dict[str, dict], dict[str, str]]:
    """id → label (with annotator and how), id → segment text, from the v2 batches."""
    labels, texts = {}, {}
    for batch in sorted(V2.glob("batch_*.jsonl")):
        n = batch.stem.split("_")[1]
        texts.update({row["id"]: row["text"] for row in read_jsonl(batch)})
        for row in read_jsonl(V2 / f"labels_{n}.jsonl"):
            labels[row["id"]] = {"themes": sorted(row["themes"]), "boilerplate": row["boilerplate"],
                                 "annotator": f"B{n}", "label_how": "first pass"}
    for row in read_jsonl(V2 / "reconcile_changes.jsonl"):
        labels[row["id"]].update(themes=sorted(row["themes"]), boilerplate=row["boilerplate"],
                                 label_how=f"reconciled to {row['case']} (work/v2/CASES.md)")
    return labels, texts




def assign_new(groups: dict[str, list[str]], rows: dict[str, list[dict]], labels: list[str],
               known: dict[str, str]) -> dict[str, str]:
    """Split of every document of ``groups``: a body's earlier split if it has one, else stratified."""
    out, fresh = {}, []
    for body, docs in sorted(groups.items()):
        earlier = {known[d] for d in docs if d in known}
        if earlier:
            split = sorted(earlier, key=SPLITS.index)[-1] if len(earlier) > 1 else earlier.pop()
            out.update({d: known.get(d, split) for d in docs})
        else:
            fresh.append(body)
    if not fresh:
        return out
    targets = np.array([[any(l in r["themes"] for d in groups[b] for r in rows[d]) for l in labels]
                        + [any(r["section"] == "problems" for d in groups[b] for r in rows[d])] for b in fresh],
                       dtype=int)
    for body, split in split_groups(fresh, targets).items():
        out.update({d: split for d in groups[body]})
    return out


def main() -> None:
    labelset = load_labelset(LABEL_SET)
    v1 = read_jsonl(WORK / "v1_rows.jsonl")
    recheck = by_id(WORK / "v1_1_recheck_changes.jsonl")
    documents = {d["doc_id"]: d for d in read_jsonl(WORK / "v1_documents.jsonl")}
    rows: dict[str, list[dict]] = defaultdict(list)
    for row in v1:
        if row["id"] in recheck:
            change = recheck[row["id"]]
            row.update(themes=sorted(change["themes"]), boilerplate=change["boilerplate"],
                       label_how=f"re-checked under guide v1.1 ({change['case']})")
        row["gold_version"] = "v1"
        rows[row["doc_id"]].append(row)

    reports = load_reports()
    labels, texts = first_pass()
    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    for seg_id in labels:
        wanted[seg_id.rsplit("#", 1)[0]][seg_id] = texts[seg_id]
    dropped, excluded = [], []
    for doc_id, ids in sorted(wanted.items()):
        if doc_id in rows:
            raise SystemExit(f"{doc_id}: already in gold v1; v2 batches must hold new reports only")
        if doc_id not in reports:  # left out of the corpus since it was labelled (corpora/corpus/tools/excluded.tsv)
            excluded.append(doc_id)
            continue
        new, documents[doc_id], lost = report_rows(
            reports[doc_id], ids, lambda i: (labels[i]["themes"], labels[i]["boilerplate"], labels[i]["annotator"],
                                             labels[i]["label_how"]), "v2")
        if new:
            rows[doc_id].extend(new)
        dropped += lost

    split_file = GOLD / "split.json"
    known = json.loads(split_file.read_text(encoding="utf-8")) if split_file.exists() else {}
    meta_of = {d: {**documents[d], "doc_id": d} for d in rows}
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in rows:
        groups[body_key(meta_of[doc_id])].append(doc_id)
    # v1 documents' bodies first: a new report of a v1 body goes where that body already is.
    for doc_id, split in list(known.items()):
        for d in groups.get(body_key(meta_of.get(doc_id, {"doc_id": doc_id})), []):
            known.setdefault(d, split)
    assignment = assign_new(groups, rows, labelset.ids, known)
    # Never drop an earlier assignment (a report missing from one build keeps its side for the next).
    saved = {**json.loads(split_file.read_text(encoding="utf-8")), **assignment} if split_file.exists() else assignment
    split_file.write_text(json.dumps(saved, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")

    second = by_id(V2 / "second_pass_labels.jsonl")
    adjudication = by_id(V2 / "adjudication.jsonl")
    agreement_rows = {"first": [], "second": []}
    for split in SPLITS:
        out = []
        for doc_id in sorted(d for d in rows if assignment[d] == split):
            for row in sorted(rows[doc_id], key=lambda r: r["start"] if r["start"] is not None else -1):
                row = dict(row, split=split)
                if row["id"] in second:
                    s = second[row["id"]]
                    agreement_rows["first"].append({"id": row["id"], "themes": row["themes"],
                                                    "boilerplate": row["boilerplate"]})
                    agreement_rows["second"].append({"id": row["id"], "themes": sorted(s["themes"]),
                                                     "boilerplate": s["boilerplate"]})
                if row["id"] in adjudication:
                    adj = adjudication[row["id"]]
                    row.update(themes=sorted(adj["themes"]), boilerplate=adj["boilerplate"],
                               label_how="adjudicated after the blind second pass")
                out.append(row)
        with open(GOLD / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for row in out:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    if agreement_rows["first"]:
        for name, items in (("first_pass_v2", agreement_rows["first"]), ("second_pass_v2", agreement_rows["second"])):
            with open(GOLD / "agreement" / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for row in items:
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(GOLD / "documents.jsonl", "w", encoding="utf-8") as f:
        for doc_id in sorted(rows):
            f.write(json.dumps(documents[doc_id], ensure_ascii=False) + "\n")
    n = sum(len(r) for r in rows.values())
    counts = {s: sum(len(rows[d]) for d in rows if assignment[d] == s) for s in SPLITS}
    bodies = {s: len({body_key(meta_of[d]) for d in rows if assignment[d] == s}) for s in SPLITS}
    print(f"{n} segments from {len(rows)} reports; per split {counts}; bodies {bodies}; "
          f"{len(dropped)} labelled ids no longer a segment: {dropped[:10]}; reports left out of the corpus: {excluded}")


if __name__ == "__main__":
    main()
