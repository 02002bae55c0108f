"""End-to-end `nlp tag` throughput and peak memory over the whole shared corpus, against jieba alone.

    python bench/tag_throughput.py [--workers 1 2] [--copies 8]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus_files import ROOT, corpus_reports, write_corpus_files

from nlp.text.tokenizer import Tokenizer


def run_tag(folder: Path, workers: int) -> tuple[float, int, float]:
    out = Path(tempfile.mkdtemp()) / "tags.jsonl"
    cmd = [sys.executable, "-m", "nlp", "tag", str(folder), "--model", "models/default", "--out", str(out),
           "--workers", str(workers), "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - t0
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    rows = sum(1 for _ in open(out, encoding="utf-8"))
    return seconds, rows, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--copies", type=int, default=1, help="write the corpus this many times")
    args = parser.parse_args()
    folder = write_corpus_files(copies=args.copies)
    texts = [r.source.text for r in corpus_reports()] * args.copies
    n, chars = len(texts), sum(map(len, texts))
    tokenizer = Tokenizer()
    tokenizer("预热")
    t0 = time.perf_counter()
    for text in texts:
        tokenizer.cut(text)
    t_jieba = time.perf_counter() - t0
    print(f"{n} reports, {chars:,} characters")
    print(f"limit: jieba alone, 1 process       {n / t_jieba:7.1f} reports/s  {chars / t_jieba:10,.0f} chars/s")
    results = {}
    for workers in args.workers:
        seconds, rows, peak = run_tag(folder, workers)
        results[workers] = {"seconds": seconds, "rows": rows, "peak_rss_mb": peak}
        print(f"nlp tag --workers {workers} (incl. start-up) {n / seconds:7.1f} reports/s  {chars / seconds:10,.0f} chars/s  "
              f"{rows / seconds:8.1f} segments/s  "
              f"{seconds:6.1f} s  peak RSS of one process {peak:6.0f} MB")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
