"""Select the segments of a gold round's new reports and cut them into annotation batches.

    python corpora/gold/tools/make_batches.py v4

Candidates: every corpus report (``corpora/corpus/reports.jsonl``) that gold has not used yet, minus
pages with injected gambling spam. Per report, the same rule as v2's batches (``README.md``): every
problems segment, a contiguous window of six overall segments (all of them when a report has eight or
fewer), and every overall segment naming money, equipment or facilities with its neighbours (a substring
search that only finds candidates for the rare ``funding`` label; every label is decided by reading).
Reports are dealt round-robin into batches so each batch mixes levels and years. Writes
``work/<round>/batch_*.jsonl`` (the segments annotators see) and prints the counts.

A round whose settings name ``complement`` (a number of segments) labels no new report: it takes the
narrative segments of reports already in gold that no gold row covers (:func:`complement`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter

# sibling scripts: their folder is on the path when this one runs
from build_gold_v2 import CORPUS_V2, GOLD, WORK, load_reports, overlaps, read_jsonl
from rounds import ROUNDS, round_arg, withdrawn

from nlp.labels.assemble import segment_report
from nlp.labels.splits import SPLITS

# 福利彩票 / 体育彩票 and 彩票公益金 are the state lotteries, a real subject of reports (hv-bc59a81014c7, hv-9700b40503f4)
SPAM = re.compile(r"博彩|娱乐城|(?<!福利)(?<!体育)(?<!體育)彩票(?!公益金)|bet365|BET\d|德赢|VWIN|威廉希尔|百家乐|真人(娱乐|视讯)|棋牌|时时彩|六合彩|威尼斯人|葡京|太阳城|赌场|老虎机|足球网|球迷网|彩天下|必威|雷速体育|365bet|bob(电竞|最新|体育|官网)|英皇娱乐|华体会|UedBet|成人直播|海棠直播|澳门金沙|金沙集团|"
                  r"开云(体育|app|官网|平台)|凯发(app|官网|平台|娱乐|k8)|欧洲杯竞猜|飞禽走兽|BT365|IM体育|胜博体育",
                  re.I)
FUNDING_CUES = re.compile(r"经费|资金|设备|投入|硬件|设施|电脑|机房|财力|物力")
WINDOW, ALL_UP_TO = 6, 8


def chosen(segments: list, doc_id: str) -> list:
    """The segments of one report given to annotators, in reading order."""
    overall = [s for s in segments if s.section == "overall"]
    keep = {s.index for s in segments if s.section == "problems"}
    if len(overall) <= ALL_UP_TO:
        keep |= {s.index for s in overall}
    else:
        start = random.Random(int(hashlib.sha1(doc_id.encode()).hexdigest(), 16)).randrange(len(overall) - WINDOW + 1)
        keep |= {s.index for s in overall[start:start + WINDOW]}
    for i, s in enumerate(overall):
        if FUNDING_CUES.search(s.text):
            keep |= {n.index for n in overall[max(0, i - 1): i + 2]}
    return [s for s in segments if s.index in keep]


def complement(target: int) -> tuple[list[tuple[str, int, list[dict]]], dict[str, int]]:
    """Reports already in gold and the narrative segments of theirs that no gold row covers yet (the overall
    segments outside the window :func:`chosen` gave annotators), up to ``target`` segments. Reports of the
    provinces and levels gold holds fewest of come first, so the new rows add most where gold is thinnest.
    A report whose text today's reader no longer gives exactly as gold stored it is skipped (its rows'
    offsets would not be comparable)."""
    documents = {d["doc_id"]: d for d in read_jsonl(GOLD / "documents.jsonl")}
    rows_of: dict[str, list[dict]] = {}
    for split in SPLITS:
        for row in read_jsonl(GOLD / f"{split}.jsonl"):
            rows_of.setdefault(row["doc_id"], []).append(row)
    reports = load_reports()
    province = {r["id"]: r.get("province") for r in read_jsonl(CORPUS_V2)}
    provinces = Counter(province.get(d) for d in documents)
    levels = Counter(d.get("level") for d in documents.values())

    def rarity(doc_id: str) -> tuple:
        doc = documents[doc_id]
        return (provinces[province.get(doc_id)], levels[doc.get("level")], hashlib.sha1(doc_id.encode()).hexdigest())

    # segments already given to annotators in a round not yet built into gold are not cut again
    given = {row["id"] for name in ROUNDS for batch in (WORK / name).glob("batch_*.jsonl") for row in read_jsonl(batch)}
    out = withdrawn()
    picked, skipped, total = [], Counter(), 0
    for doc_id in sorted((d for d in documents if d in rows_of and d in reports and d not in out), key=rarity):
        doc = segment_report(reports[doc_id])
        why = ("text changed since labelled" if doc.text != documents[doc_id]["text"]
               else "spam" if SPAM.search(doc.text) else None)
        if why:
            skipped[why] += 1
            continue
        taken = {r["id"] for r in rows_of[doc_id]}
        new = [s for s in doc.segments if s.section in ("overall", "problems")
               and f"{doc_id}#{s.index}" not in taken and f"{doc_id}#{s.index}" not in given
               and not overlaps(s.start, s.end, rows_of[doc_id])]
        if not new:
            continue
        rows = [{"id": f"{doc_id}#{s.index}", "doc_id": doc_id, "section": s.section, "heading": s.heading,
                 "text": s.text, "url": reports[doc_id].meta.get("url")} for s in new[:ALL_UP_TO]]
        picked.append((documents[doc_id].get("level") or "", documents[doc_id].get("year") or 0, rows))
        total += len(rows)
        if total >= target:
            break
    return picked, dict(skipped)


def main(out, numbers: tuple[int, ...], complement_target: int | None = None) -> None:
    if any(out.glob("batch_*.jsonl")):  # once the batches are labelled, their reports are in gold: never re-cut
        raise SystemExit(f"{out}: batches exist already; they are what annotators labelled")
    if complement_target:
        picked, skipped = complement(complement_target)
        deal(out, numbers, picked, f"reports already in gold (complement; skipped: {skipped})")
        return
    used = {row["doc_id"] for row in read_jsonl(GOLD / "documents.jsonl")}
    used |= set(json.loads((GOLD / "split.json").read_text(encoding="utf-8")))
    used |= {doc for settings in ROUNDS.values() for doc in settings["excluded"]} | set(withdrawn())
    picked, spam = [], []
    corpus_v2 = {json.loads(line)["id"] for line in open(CORPUS_V2, encoding="utf-8")}
    for doc_id, report in sorted(load_reports().items()):
        if doc_id in used or doc_id not in corpus_v2:
            continue
        doc = segment_report(report)
        if SPAM.search(doc.text):
            spam.append(report.doc_id)
            continue
        rows = [{"id": f"{doc.doc_id}#{s.index}", "doc_id": doc.doc_id, "section": s.section, "heading": s.heading,
                 "text": s.text, "url": report.meta.get("url")} for s in chosen(doc.segments, doc.doc_id)]
        if rows:
            picked.append((report.meta.get("level") or "", report.meta.get("year") or 0, rows))
    deal(out, numbers, picked, f"reports; left out for spam: {len(spam)} {spam}")


def deal(out, numbers: tuple[int, ...], picked: list[tuple[str, int, list[dict]]], what: str) -> None:
    """Deal reports round-robin into the batches (sorted by level and year, so each batch mixes them)."""
    picked.sort(key=lambda p: (p[0], p[1], p[2][0]["doc_id"]))
    batches: list[list[dict]] = [[] for _ in numbers]
    for i, (_level, _year, rows) in enumerate(picked):
        (batches[i] if i < len(numbers) else min(batches, key=len)).extend(rows)  # one report each, then the shortest
    out.mkdir(parents=True, exist_ok=True)
    for n, rows in zip(numbers, batches):
        with open(out / f"batch_{n}.jsonl", "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{sum(len(b) for b in batches)} segments of {len(picked)} {what} in {len(numbers)} batches "
          f"({', '.join(str(len(b)) for b in batches)})")


if __name__ == "__main__":
    _name, work, settings = round_arg(sys.argv)
    main(work, settings["batches"], settings.get("complement"))
