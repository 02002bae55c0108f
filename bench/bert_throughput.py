"""Segments per second of a bert model on this machine: torch fp32, ONNX fp32 and ONNX int8, same inputs.

    python -m nlp export-onnx models/e5-small-ft        # once: model.onnx, model.int8.onnx
    python bench/bert_throughput.py models/e5-small-ft [--repeat 2] [--batch-size 64]

Inputs: every gold segment (train, dev and test: 1,242 real segments, with their report text for
the context input), so the three runtimes see exactly the same records. Each runtime gets one
warm-up pass over 64 segments, then the best of ``--repeat`` timed passes over all of them.
Only the model call is timed (tokenisation included, reading and segmenting not).
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

from nlp.io.workers import cpu_threads
from nlp.labels.gold import gold_records, load_gold, read_documents
from nlp.models.registry import load_model

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("--gold", type=Path, default=ROOT / "corpora" / "gold")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None, help="only the first N gold segments (a busy machine)")
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx-fp32", "onnx"],
                        help="e.g. torch onnx-fp32 for models/e5-gov, which has no int8 export")
    args = parser.parse_args()
    documents = read_documents(args.gold / "documents.jsonl")
    segments = load_gold(args.gold)
    records = gold_records(segments, documents)[:args.limit]
    chars = sum(len(r.text) for r in records)
    print(f"{len(records)} segments ({chars} characters), {cpu_threads()} threads, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores visible")
    results = {}
    for backend in args.backends:
        model = load_model(args.model, backend=backend)
        name = {"torch": "torch fp32", "onnx-fp32": "ONNX fp32", "onnx": "ONNX int8"}[backend]
        model.logits(records[:64], args.batch_size)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model.logits(records, args.batch_size)
            times.append(time.perf_counter() - t0)
        best = min(times)
        results[name] = {"seconds": round(best, 2), "segments_per_s": round(len(records) / best, 1),
                         "file": getattr(model, "onnx_file", "model.safetensors")}
        print(f"{name:11s} {len(records) / best:8.1f} segments/s  ({best:.2f} s, best of {args.repeat})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
