"""Corpus v2 (corpora/corpus/reports.jsonl): fields, unique ids, no reserved source, datasheet counts true."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest

from conftest import ROOT, SHARED

CORPUS = ROOT / "corpora" / "corpus"
FIELDS = {"id", "url", "source_kind", "agency", "level", "province", "year", "text", "sections", "origin"}


@pytest.fixture(scope="module")
def reports() -> list[dict]:
    with open(CORPUS / "reports.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_reports_have_their_fields_and_unique_ids(reports):
    assert len(reports) >= 1500
    assert len({r["id"] for r in reports}) == len(reports)
    for r in reports:
        assert FIELDS <= set(r), r["id"]
        assert r["text"].strip() and (r["url"] or r["id"].startswith("seed-"))
        assert r["year"] is None or 2007 <= r["year"] <= 2026


def test_no_report_comes_from_a_reserved_source(reports):
    if not (SHARED / "reserved.txt").exists():
        pytest.skip(f"reserved list not found at {SHARED} (it lives beside the repository checkout)")
    hosts, urls = set(), set()
    for line in open(SHARED / "reserved.txt", encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            kind, digest = line.split()
            (hosts if kind == "host" else urls).add(digest)
    sha = lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()  # noqa: E731
    for r in reports:
        if not r["origin"].startswith("harvest/"):
            continue  # the shared corpus is the team's own material
        parts = urlsplit(r["url"])
        host = (parts.hostname or "").lower().removeprefix("www.")
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        assert sha(host) not in hosts and sha(host + tail) not in urls, r["url"]


def test_datasheet_counts_match_the_file(reports):
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    harvested = sum(r["origin"].startswith("harvest/") for r in reports)
    assert re.search(rf"\| harvested \(new\) \| {harvested} \|", readme)
    assert re.search(rf"\| all \| {len(reports)} \|", readme)
