"""Build corpus v2 (``corpora/corpus/reports.jsonl``): the shared corpus plus the harvested reports.

    python corpora/corpus/tools/build_corpus.py     # also rewrites the tables of corpora/corpus/README.md

Inputs: ``../shared/corpus`` (seeds + excerpts, read-only) and ``corpora/corpus/harvest/*/reports.jsonl``
(passages transcribed from stored public web pages, with ``queries.jsonl`` logs). Every harvested url is
checked again against ``../shared/corpus/reserved.txt`` (host and host+path+query hashes, and reserved
hosts named inside the text, as mirrors keep them); reports of reserved sources are dropped.
Near-duplicate reports (the project's MinHash families over number-masked text, Jaccard of character
5-shingles ≥ 0.7) are merged to one: the shared corpus's copy first, then the earliest harvest's, then a
government site's, then the longest; the others' urls are kept in ``duplicate_urls``. ``tools/excluded.tsv`` lists pages left out by
hand (mirrors of reserved sources that harvesters or audits recognised, shared passages among them; pages
that are not a government body's report), with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from nlp.io.corpus import iter_corpus
from nlp.reuse.families import FamilyConfig, find_families
from nlp.text.document import Document

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "corpora" / "corpus"
HARVEST = CORPUS / "harvest"
SHARED = ROOT.parent / "shared" / "corpus"
BEGIN, END = "<!-- stats:begin -->", "<!-- stats:end -->"
PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
             "陕西", "甘肃", "青海", "宁夏", "新疆")
SEED_META = {"000": ("米易县普威镇人民政府", "township", 2020, "四川"), "001": ("华容县插旗镇人民政府", "township", 2023, "湖南"),
             "002": ("大塅镇人民政府", "township", 2020, "江西"), "003": ("绵阳市机关事务管理局", "department", 2022, "四川"),
             "004": ("城口县人民政府", "county", 2020, "重庆")}  # shared/corpus/README.md
_HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+(?:gov\.cn|com\.cn|org\.cn|net\.cn|cn|com|net|org))", re.I)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def reserved() -> tuple[set[str], set[str]]:
    hosts, urls = set(), set()
    for line in open(SHARED / "reserved.txt", encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            kind, digest = line.split()
            (hosts if kind == "host" else urls).add(digest)
    return hosts, urls


def url_tail(url: str) -> str:
    """Path and query of a url: what reserved.txt hashes after the host."""
    parts = urlsplit(url.strip())
    return parts.path + (f"?{parts.query}" if parts.query else "")


def is_reserved(url: str, text: str, hosts: set[str], urls: set[str]) -> bool:
    host = (urlsplit(url.strip()).hostname or "").lower()
    bare = host.removeprefix("www.")
    tail = url_tail(url)
    if sha1(bare) in hosts or sha1(bare + tail) in urls or sha1(host + tail) in urls:
        return True
    # Mirrors keep the original page's furniture: a reserved host named in the text (exactly, as
    # reserved.txt lists hosts, not their subdomains) marks the passage as a copy of a reserved source.
    return any(sha1(named.lower().removeprefix("www.")) in hosts for named in _HOST.findall(text))


def province_of(*texts: str | None) -> str | None:
    for text in texts:
        for name in PROVINCES:
            if text and name in text[:400]:
                return name
    return None


def shared_reports() -> list[dict]:
    rows, excluded = [], excluded_urls()
    for r in iter_corpus(SHARED):
        meta = dict(r.meta)
        if meta.get("url") in excluded:  # a shared passage found to copy a reserved source
            continue
        if r.doc_id.startswith("seed-"):
            agency, level, year, province = SEED_META[r.doc_id[5:8]]
            meta.update(agency=agency, level=level, year=year, province=province, url=None, source_kind="gov")
        rows.append({"id": r.doc_id, "url": meta.get("url"), "source_kind": meta.get("source_kind"),
                     "agency": meta.get("agency"), "level": meta.get("level"),
                     "province": meta.get("province") or province_of(meta.get("agency"), r.source.text),
                     "year": meta.get("year"), "text": r.source.text, "retrieved": None,
                     "collector_sections": meta.get("sections"), "origin": f"shared/corpus/{r.origin}", "query": None})
    return rows


def excluded_urls() -> set[str]:
    path = CORPUS / "tools" / "excluded.tsv"
    return {line.split("\t")[0] for line in open(path, encoding="utf-8") if line.strip() and not line.startswith("#")}


def harvested_reports(hosts: set[str], urls: set[str]) -> tuple[list[dict], int]:
    rows, dropped, excluded = [], 0, excluded_urls()
    for path in sorted(HARVEST.glob("*/reports.jsonl")):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            if row["url"] in excluded or is_reserved(row["url"], row["text"], hosts, urls):
                dropped += 1
                continue
            rows.append({"id": row["id"], "url": row["url"], "source_kind": row["source_kind"],
                         "agency": row["agency"], "level": row["level"],
                         "province": row["province"] or province_of(row["agency"], row["text"]),
                         "year": row["year"], "text": row["text"], "retrieved": row["retrieved"],
                         "collector_sections": row["sections"], "origin": f"harvest/{path.parent.name}",
                         "query": row["query"]})
    return rows, dropped


def merge_duplicates(rows: list[dict]) -> list[dict]:
    families = find_families([r["text"] for r in rows], [r["id"] for r in rows],
                             [r["agency"] or r["id"] for r in rows], FamilyConfig(threshold=0.7))
    groups: dict[int, list[int]] = {}
    for i, fam in enumerate(families.family.tolist()):
        groups.setdefault(fam, []).append(i)
    kept = []
    for members in groups.values():
        # The shared corpus first, then earlier harvests (so a report already in the gold keeps its id),
        # then a government site's copy, then the longest.
        rank = sorted(members, key=lambda i: (not rows[i]["origin"].startswith("shared"), rows[i]["origin"],
                                              rows[i]["source_kind"] != "gov", -len(rows[i]["text"])))
        best = dict(rows[rank[0]])
        best["duplicate_urls"] = [rows[i]["url"] for i in rank[1:]]
        kept.append(best)
    return sorted(kept, key=lambda r: r["id"])


def with_sections(row: dict) -> dict:
    """Section kinds the project's section finder sees in the passage."""
    doc = Document.from_text(row["text"], doc_id=row["id"])
    kinds = sorted({s.kind for s in doc.sections} - {"unknown"})
    narrative = {s.section for s in doc.segments}
    return row | {"sections": kinds, "has_problems_text": "problems" in narrative,
                  "narrative_segments": len(doc.segments)}


def tables(rows: list[dict]) -> str:
    def block(title: str, counter: Counter, order=None) -> list[str]:
        keys = order or sorted(counter, key=lambda k: (-counter[k], str(k)))
        return ["", f"| {title} | reports |", "|---|---|"] + [f"| {k} | {counter[k]} |" for k in keys if counter[k]]

    new = [r for r in rows if r["origin"].startswith("harvest")]
    lines = ["| | reports | with problems text (section finder) |", "|---|---|---|",
             f"| shared corpus | {len(rows) - len(new)} | {sum(r['has_problems_text'] for r in rows if r not in new)} |",
             f"| harvested (new) | {len(new)} | {sum(r['has_problems_text'] for r in new)} |",
             f"| all | {len(rows)} | {sum(r['has_problems_text'] for r in rows)} |"]
    buckets = Counter("unknown" if r["year"] is None else "2008–2013" if r["year"] < 2014 else
                      "2014–2018" if r["year"] < 2019 else "2019–2025" for r in rows)
    lines += block("year", buckets, ["2008–2013", "2014–2018", "2019–2025", "unknown"])
    lines += block("level", Counter(r["level"] or "unknown" for r in rows))
    lines += block("source kind", Counter(r["source_kind"] or "unknown" for r in rows))
    lines += block("province", Counter(r["province"] or "unknown" for r in rows))
    return "\n".join(lines)


def query_log() -> str:
    lines = ["| harvest | queries | reports added | with problems text (collector) |", "|---|---|---|---|"]
    for folder in sorted(p for p in HARVEST.iterdir() if p.is_dir()):
        queries = [json.loads(l) for l in open(folder / "queries.jsonl", encoding="utf-8") if l.strip()]
        lines.append(f"| {folder.name} | {len(queries)} | {sum(q['new'] for q in queries)} | "
                     f"{sum(q.get('problems', 0) for q in queries)} |")
    return "\n".join(lines)


def main() -> None:
    hosts, urls = reserved()
    harvested, dropped = harvested_reports(hosts, urls)
    shared = shared_reports()
    rows = merge_duplicates(shared + harvested)
    rows = [with_sections(r) for r in rows]
    with open(CORPUS / "reports.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    readme = CORPUS / "README.md"
    block = tables(rows) + "\n\nQueries and their yield, by harvester:\n\n" + query_log()
    text = readme.read_text(encoding="utf-8")
    readme.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{block}\n{END}", text,
                             flags=re.S), encoding="utf-8")
    merged = len(harvested) + len(shared) - len(rows)
    print(f"{len(rows)} reports ({len(shared)} shared and {len(harvested)} harvested kept, {dropped} reserved or "
          f"excluded dropped, {merged} merged as "
          f"near duplicates)\n{block}")


if __name__ == "__main__":
    main()
