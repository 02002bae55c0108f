"""Assemble gold v1 from the hand-label files: re-segment, attach labels, split by document.

    python corpora/gold/tools/build_gold.py

Reads the shared corpus (../shared/corpus), segments every labelled report with
the project's own pipeline, attaches the hand labels of ``work/labels_b*.jsonl``
(matched by document and segment text, never by any model), applies the
reconciliation of ``work/reconcile_changes.jsonl`` and, on the built test
split, the adjudication of ``work/adjudication.jsonl``; writes
``train/dev/test.jsonl``, ``documents.jsonl`` and ``agreement/`` (first and
second pass of test, for ``tools/agreement.py``). The split is iterative stratification over themes at
the level of issuing bodies, so no body sits on both sides; the split is saved
as files, and rebuilding keeps an existing ``split.json``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

from nlp.io.corpus import CorpusReport, iter_corpus
from nlp.labels.assemble import attach, segment_report
from nlp.labels.labelset import load_labelset

ROOT = Path(__file__).resolve().parents[3]

GOLD = ROOT / "corpora" / "gold"
WORK = GOLD / "work"
SHARED = ROOT.parent / "shared" / "corpus"
LABEL_SET = "gov-disclosure-v1"


SEED_META = {"000": ("米易县普威镇人民政府", "township", 2020), "001": ("华容县插旗镇人民政府", "township", 2023),
             "002": ("大塅镇人民政府", "township", 2020), "003": ("绵阳市机关事务管理局", "department", 2022),
             "004": ("城口县人民政府", "county", 2020)}  # from shared/corpus/README.md


def load_reports() -> dict[str, CorpusReport]:
    reports = {r.doc_id: r for r in iter_corpus(SHARED)}
    for doc_id, report in reports.items():
        if doc_id.startswith("seed-"):
            agency, level, year = SEED_META[doc_id[5:8]]
            report.meta.update(agency=agency, level=level, year=year, url=None)
    return reports




def read_labels() -> tuple[dict[str, dict], dict[str, str]]:
    """id → label row, and id → segment text, from the labellers' files."""
    texts = {}
    for path in sorted(WORK.glob("batch*.jsonl")):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            texts[row["id"]] = row["text"]
    labels = {}
    for path in sorted(WORK.glob("labels_b*.jsonl")):
        batch = path.stem.split("_b")[1]
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            labels[row["id"]] = {"themes": sorted(row["themes"]), "boilerplate": row["boilerplate"],
                                 "annotator": f"A{batch}", "how": "first pass"}
    path = WORK / "reconcile_changes.jsonl"
    if path.exists():
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            labels[row["id"]].update(themes=sorted(row["themes"]), boilerplate=row["boilerplate"],
                                     how="reconciled to GUIDE.md §6")
    return labels, texts


def read_by_id(path: Path) -> dict[str, dict]:
    """Rows keyed by *gold* segment id (second pass and adjudication are made on the built test split)."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, filter(str.strip, f))}


def write_agreement_inputs(test_rows: list[dict]) -> None:
    """First-pass labels of test (before adjudication) beside the blind second pass, for tools/agreement.py."""
    second = read_by_id(WORK / "second_pass_labels.jsonl")
    if not second:
        return
    out = GOLD / "agreement"
    out.mkdir(exist_ok=True)
    with open(out / "first_pass.jsonl", "w", encoding="utf-8") as f:
        for row in test_rows:
            if row["id"] in second:
                f.write(json.dumps({"id": row["id"], "themes": row["first_pass"]["themes"],
                                    "boilerplate": row["first_pass"]["boilerplate"]}, ensure_ascii=False) + "\n")
    with open(out / "second_pass.jsonl", "w", encoding="utf-8") as f:
        for row in test_rows:
            if row["id"] in second:
                s = second[row["id"]]
                f.write(json.dumps({"id": row["id"], "themes": sorted(s["themes"]), "boilerplate": s["boilerplate"]},
                                   ensure_ascii=False) + "\n")




def split_documents(docs: dict[str, list[dict]], reports: dict[str, CorpusReport], labels: list[str]) -> dict[str, str]:
    """Iterative stratification over themes, with all reports of one issuing body kept together."""
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in docs:
        groups[reports[doc_id].meta.get("agency") or doc_id].append(doc_id)
    names = sorted(groups)
    y = np.array([[any(l in row["themes"] for d in groups[g] for row in docs[d]) for l in labels]
                  + [any(row["section"] == "problems" for d in groups[g] for row in docs[d])] for g in names], dtype=int)
    x = np.zeros((len(names), 1))
    test_split = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=0.17, random_state=13)
    rest, test = next(test_split.split(x, y))
    dev_split = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=0.18, random_state=13)
    train, dev = next(dev_split.split(x[rest], y[rest]))
    assignment = {}
    for split, index in (("train", rest[train]), ("dev", rest[dev]), ("test", test)):
        for i in index:
            for doc_id in groups[names[i]]:
                assignment[doc_id] = split
    return assignment


def main() -> None:
    labelset = load_labelset(LABEL_SET)
    reports = load_reports()
    labels, texts = read_labels()
    by_doc: dict[str, dict[str, str]] = defaultdict(dict)
    for seg_id in labels:
        by_doc[seg_id.rsplit("#", 1)[0]][seg_id] = texts[seg_id]

    rows: dict[str, list[dict]] = {}
    documents, dropped = [], []
    for doc_id, wanted in sorted(by_doc.items()):
        report = reports[doc_id]
        doc = segment_report(report)
        meta = {"source": f"shared/corpus/{report.origin}", "url": report.meta.get("url"),
                "agency": report.meta.get("agency"), "level": report.meta.get("level"), "year": report.meta.get("year")}
        found = attach(doc, wanted)
        dropped += [seg_id for seg_id in wanted if seg_id not in found]
        rows[doc_id] = []
        for seg_id, seg in sorted(found.items(), key=lambda kv: kv[1].start):
            lab = labels[seg_id]
            rows[doc_id].append({
                "id": f"{doc_id}#{seg.index}", "doc_id": doc_id, "section": seg.section, "heading": seg.heading,
                "text": seg.text, "start": seg.start, "end": seg.end, "themes": lab["themes"],
                "boilerplate": lab["boilerplate"], "annotator": lab["annotator"], "label_how": lab["how"],
                "label_set": LABEL_SET, **meta,
            })
        documents.append({"doc_id": doc_id, **meta, "text": doc.text})

    split_file = GOLD / "split.json"
    if split_file.exists():
        assignment = json.loads(split_file.read_text(encoding="utf-8"))
    else:
        assignment = split_documents(rows, reports, labelset.ids)
        split_file.write_text(json.dumps(assignment, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")
    adjudication = read_by_id(WORK / "adjudication.jsonl")
    for split in ("train", "dev", "test"):
        split_rows = [row | {"split": split} for d in sorted(d for d in rows if assignment[d] == split) for row in rows[d]]
        for row in split_rows:
            row["first_pass"] = {"themes": row["themes"], "boilerplate": row["boilerplate"]}
            if row["id"] in adjudication:
                adj = adjudication[row["id"]]
                row.update(themes=sorted(adj["themes"]), boilerplate=adj["boilerplate"],
                           label_how="adjudicated after the blind second pass")
        if split == "test":
            write_agreement_inputs(split_rows)
        with open(GOLD / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for row in split_rows:
                row.pop("first_pass")
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(GOLD / "documents.jsonl", "w", encoding="utf-8") as f:
        for d in documents:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    kept = sum(len(r) for r in rows.values())
    print(f"segments kept {kept}, dropped {len(dropped)} (text no longer a segment after re-segmentation)")
    for seg_id in dropped:
        print("  dropped", seg_id, texts[seg_id][:40])


if __name__ == "__main__":
    main()
