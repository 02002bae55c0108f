"""Screen harvested rows for what the url check of ``build_corpus.py`` cannot see.

    python corpora/corpus/tools/screen.py corpora/corpus/harvest/zzzzr/reports.jsonl [...]   # new rows
    python corpora/corpus/tools/screen.py corpora/corpus/reports.jsonl --all                 # the corpus

Two checks, each a list for a person to read (every hit so far needed a look at the page's path shape):

- **Host guess.** Mirrors copy a government site path for path under a host of their own, so neither their
  url nor their text names the reserved original. The official host is guessed from the place names in the row's
  ``agency`` (each name and each consecutive pair, as full pinyin and as initials, + ``.gov.cn``: 宿城区 →
  suchengqu.gov.cn, scq.gov.cn); a hit is a guess that is a reserved host, or the row's own path under a guessed
  host that is a reserved url. A ministry's name gives no place to guess, so rows whose path has the central
  portal's article shape (``/gzdt/2010-03/17/content_1557623.htm``) are listed as ``path gov.cn``. Rows on ``.gov.cn`` hosts are skipped unless ``--all`` (the exact-host rule keeps
  a body's own site). Initials collide (保山/宝山, 东台/dt …): hits are candidates, not verdicts.
- **Folded duplicates.** The corpus merges near-duplicates on the text as written, so a traditional-script copy
  of a report it holds stays apart. Rows are compared with the corpus after ``fold`` (traditional → simplified,
  full-width → half-width), with the corpus's own MinHash families, at a lower Jaccard (0.5) than the merge's.

Needs ``pypinyin`` (``pip install -e ".[harvest]"``) and ``../shared/corpus/reserved.txt``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from build_corpus import CORPUS, reserved, sha1, url_tail  # sibling script: its folder is on the path when this one runs

from nlp.reuse.families import FamilyConfig, find_families
from nlp.text.sections import fold

PLACE = re.compile(r"(.{2,6}?)(省|自治区|市|自治州|州|盟|地区|县|自治县|旗|区|镇|乡|街道)")


def place_names(agency: str | None) -> set[str]:
    """Place names in an agency's name without their suffix, single and consecutive pairs (宿迁市宿城区 → 宿迁, 宿城, 宿迁宿城)."""
    parts = [m.group(1) for m in PLACE.finditer(fold(agency or ""))]
    return set(parts) | {a + b for a, b in zip(parts, parts[1:])}


def guessed_hosts(agency: str | None) -> set[str]:
    from pypinyin import lazy_pinyin

    hosts = set()
    for name in place_names(agency):
        syllables = lazy_pinyin(name)
        hosts |= {"".join(syllables) + ".gov.cn", "".join(s[0] for s in syllables) + ".gov.cn"}
    return hosts


def host_guess_hits(row: dict, hosts: set[str], urls: set[str]) -> list[str]:
    """Guessed official hosts of the row's body that are reserved (``host``), or under which its own path is (``url``)."""
    tail = url_tail(row["url"])
    hits = []
    for guess in sorted(guessed_hosts(row.get("agency"))):
        if sha1(guess) in hosts:
            hits.append(f"host {guess}")
        elif sha1(guess + tail) in urls:
            hits.append(f"url {guess}{tail}")
    return hits


# The central portal's article paths (www.gov.cn/gzdt/2010-03/17/content_1557623.htm): mirrors keep them, and the
# body named in the row (a ministry, a province) gives no place name to guess the host from.
# Only its own columns: china.com.cn and chinagate.cn use the same date-and-content shape under /infocus/, /reports/.
CENTRAL_PATH = re.compile(r"^/(gzdt|zwgk|jrzg|zfjg|ztzl|fwxx|govweb|wszb|test|xinwen|zhengce)/(19|20)\d\d-\d\d/\d\d/"
                          r"content_\d+\.htm")


def central_path_hits(row: dict, hosts: set[str]) -> list[str]:
    """``path gov.cn`` for a row off gov.cn whose path has the central portal's shape, gov.cn being reserved."""
    url = urlsplit(row["url"])
    if (url.hostname or "").lower().endswith("gov.cn") or sha1("gov.cn") not in hosts or not CENTRAL_PATH.match(url.path):
        return []
    return ["path gov.cn"]


def folded_duplicates(rows: list[dict], corpus: list[dict], threshold: float = 0.5) -> list[tuple[str, str]]:
    """Pairs (a row's id, another report's id) whose folded texts are near-duplicates, among the rows and the
    corpus; each pair once. The threshold is below the corpus merge's 0.7: a copy that keeps a site menu the other
    lacks (南昌 2010 on jatenginfo.com: Jaccard 0.59) is still the same report, and a person reads every pair.
    Pairs of two different report years are not listed: at 0.5 a body's reports of consecutive years meet."""
    pool = list({r["id"]: r for r in corpus + rows}.values())
    families = find_families([fold(r["text"]) for r in pool], [r["id"] for r in pool], [r["id"] for r in pool],
                             FamilyConfig(threshold=threshold, lsh_threshold=min(0.5, threshold - 0.2)))
    members: dict[int, list[str]] = {}
    for r, family in zip(pool, families.family.tolist()):
        members.setdefault(family, []).append(r["id"])
    wanted, year = {r["id"] for r in rows}, {r["id"]: r.get("year") for r in pool}
    return [(a, b) for ids in members.values() for a in ids if a in wanted
            for b in ids if b != a and not (b in wanted and b < a) and not different_years(year[a], year[b])]


def different_years(a: int | None, b: int | None) -> bool:
    """Two report years, both known and not the same: two reports (a body's text carried over a year), not a copy."""
    return a is not None and b is not None and a != b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="reports.jsonl files (harvest folders' or the corpus's)")
    parser.add_argument("--all", action="store_true", help="host-guess rows on .gov.cn hosts too")
    parser.add_argument("--corpus", type=Path, default=CORPUS / "reports.jsonl",
                        help="the reports to compare the rows with (default: the corpus)")
    args = parser.parse_args()
    rows = [json.loads(line) for f in args.files for line in open(f, encoding="utf-8") if line.strip()]
    try:
        hosts, urls = reserved()
    except FileNotFoundError as e:
        print(f"host guesses skipped: no reserved list ({e.filename})", file=sys.stderr)
        hosts, urls = set(), set()
    for row in rows:
        if not row.get("url") or (urlsplit(row["url"]).hostname or "").endswith(".gov.cn") and not args.all:
            continue
        if hits := host_guess_hits(row, hosts, urls) + central_path_hits(row, hosts):
            print("host guess", row["id"], row.get("agency"), row.get("year"), row["url"], "; ".join(hits))
    corpus = [json.loads(line) for line in open(args.corpus, encoding="utf-8")]
    for new, old in folded_duplicates(rows, corpus):
        print("folded duplicate", new, old)


if __name__ == "__main__":
    main()
