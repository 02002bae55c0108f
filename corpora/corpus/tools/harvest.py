"""Harvest helper: check candidate URLs and append reports, with the reserved-source check.

    python /work/scratch/tools/harvest.py check URL [URL ...]
        prints one line per URL: ok | reserved | known (already in shared corpus or any harvest file)
    python /work/scratch/tools/harvest.py add DIR < report.json
        validates one JSON object (fields below) and appends it to DIR/reports.jsonl
    python /work/scratch/tools/harvest.py log DIR --query Q --results N --new K [--problems P]
        appends one line to DIR/queries.jsonl
    python /work/scratch/tools/harvest.py stats
        counts over all harvest dirs

Report fields: url, source_kind (gov|docsite|other), agency (str|null), level
(township|county|city|province|central|department|null), province (str|null), year (int|null),
sections (list of overall|proactive|requests|review|problems|other|tables), text, query.
"""
import datetime, glob, hashlib, json, re, sys
from urllib.parse import urlsplit

SHARED = "/work/shared/corpus"
SCRATCH = "/work/scratch"
LEVELS = {"township", "county", "city", "province", "central", "department", None}
KINDS = {"gov", "docsite", "other"}
SECTIONS = {"overall", "proactive", "requests", "review", "problems", "other", "tables"}


def _sha1(s):
    return hashlib.sha1(s.encode("utf-8")).hexdigest()


def reserved():
    hosts, urls = set(), set()
    for line in open(f"{SHARED}/reserved.txt", encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        kind, h = line.split()
        (hosts if kind == "host" else urls).add(h)
    return hosts, urls


def url_keys(url):
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    bare = host[4:] if host.startswith("www.") else host
    tail = parts.path + (("?" + parts.query) if parts.query else "")
    return bare, {bare + tail, host + tail}


def is_reserved(url, res=None):
    hosts, urls = res or reserved()
    bare, keys = url_keys(url)
    return _sha1(bare) in hosts or any(_sha1(k) in urls for k in keys)


HOST = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+(?:gov\.cn|com\.cn|org\.cn|net\.cn|cn|com|net|org))", re.I)


def mentions_reserved(text, res=None):
    """Mirrors often keep the original page's host in their text: refuse those of reserved hosts."""
    hosts, _ = res or reserved()
    for host in HOST.findall(text or ""):
        host = host.lower()
        host = host[4:] if host.startswith("www.") else host
        if _sha1(host) in hosts:  # the exact host, as reserved.txt lists hosts (not their subdomains)
            return True
    return False


def canon(url):
    bare, keys = url_keys(url)
    return sorted(keys)[0]


def known_urls():
    seen = set()
    for line in open(f"{SHARED}/excerpts.jsonl", encoding="utf-8"):
        u = json.loads(line).get("url")
        if u:
            seen.add(canon(u))
    for path in glob.glob(f"{SCRATCH}/harvest_*/reports.jsonl"):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                seen.add(canon(json.loads(line)["url"]))
    return seen


def check(urls):
    res, seen = reserved(), known_urls()
    for u in urls:
        print(("reserved" if is_reserved(u, res) else "known" if canon(u) in seen else "ok"), u)


def add(folder):
    row = json.loads(sys.stdin.read())
    problems = []
    for key in ("url", "source_kind", "agency", "level", "province", "year", "sections", "text", "query"):
        if key not in row:
            problems.append(f"missing field {key}")
    if problems:
        sys.exit("; ".join(problems))
    if row["source_kind"] not in KINDS:
        sys.exit(f"source_kind must be one of {sorted(KINDS)}")
    if row["level"] not in LEVELS:
        sys.exit(f"level must be one of {sorted(k for k in LEVELS if k)} or null")
    if row["year"] is not None and not (2007 <= int(row["year"]) <= 2026):
        sys.exit("year out of range")
    if not set(row["sections"]) <= SECTIONS:
        sys.exit(f"sections must be among {sorted(SECTIONS)}")
    if len(row["text"]) < 200:
        sys.exit("text shorter than 200 characters: not a report passage")
    if is_reserved(row["url"]):
        sys.exit("RESERVED source: do not add")
    if mentions_reserved(row["text"]):
        sys.exit("the text names a RESERVED host (a mirror of a reserved source): do not add")
    if canon(row["url"]) in known_urls():
        sys.exit("known url: already in the shared corpus or a harvest file")
    row["id"] = "hv-" + _sha1(canon(row["url"]))[:12]
    row["retrieved"] = datetime.date.today().isoformat()
    with open(f"{folder}/reports.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("added", row["id"], len(row["text"]), "chars")


def log(folder, argv):
    args = dict(zip(argv[::2], argv[1::2]))
    row = {"query": args["--query"], "results": int(args["--results"]), "new": int(args["--new"]),
           "problems": int(args.get("--problems", 0))}
    with open(f"{folder}/queries.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("logged")


def stats():
    for path in sorted(glob.glob(f"{SCRATCH}/harvest_*/reports.jsonl")):
        rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        print(path, len(rows), "reports,", sum("problems" in r.get("sections", ()) for r in rows), "with problems")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2:])
    elif cmd == "add":
        add(sys.argv[2])
    elif cmd == "log":
        log(sys.argv[2], sys.argv[3:])
    elif cmd == "stats":
        stats()
