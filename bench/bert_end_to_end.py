"""`nlp tag` with a transformer against the model alone, on the same reports (issue #17: within 80 %).

    python bench/bert_end_to_end.py e5-gov [--backend torch] [--copies 1]

Model alone: the segments of the shared corpus's reports (read and segmented beforehand, not timed) through
``model.logits`` (tokenisation included), after a warm-up. End to end: ``nlp tag DIR --model M`` on the same
reports written as files, in a fresh process (start-up, reading, sections, writing rows included); its
start-up alone is measured by tagging one short report, and the rate is also given without it.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus_files import ROOT, corpus_reports, write_corpus_files

from nlp.models.registry import load_model
from nlp.text.document import Document
from nlp.text.inputs import SegmentInput


def run_tag(paths: list[str], model: str, backend: str) -> tuple[float, int]:
    out = Path(tempfile.mkdtemp()) / "tags.jsonl"
    cmd = [sys.executable, "-m", "nlp", "tag", *paths, "--model", model, "--backend", backend, "--out", str(out),
           "--no-progress"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0, sum(1 for _ in open(out, encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    texts = [r.source.text for r in corpus_reports()] * args.copies
    records = [x for t in texts for x in SegmentInput.from_document(Document.from_text(t))]
    model = load_model(args.model, backend=args.backend)
    model.logits(records[:64])
    t0 = time.perf_counter()
    model.logits(records)
    alone = len(records) / (time.perf_counter() - t0)
    print(f"{len(texts)} reports, {len(records)} segments; {args.model} ({args.backend})")
    print(f"model alone (logits, tokenisation included)   {alone:8.1f} segments/s")
    folder = write_corpus_files(copies=args.copies)
    shortest = min(folder.iterdir(), key=lambda p: p.stat().st_size)
    startup, _ = run_tag([str(shortest)], args.model, args.backend)
    seconds, rows = run_tag([str(folder)], args.model, args.backend)
    whole, steady = rows / seconds, rows / max(seconds - startup, 1e-9)
    print(f"nlp tag, whole run ({seconds:.1f} s)               {whole:8.1f} segments/s  ({whole / alone:.0%} of alone)")
    print(f"nlp tag, less start-up ({startup:.1f} s, one report) {steady:8.1f} segments/s  ({steady / alone:.0%} of alone)")


if __name__ == "__main__":
    main()
