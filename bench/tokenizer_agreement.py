"""jieba vs rjieba on the segments of a corpus: agreement and speed, in one run on the same text.

    python bench/tokenizer_agreement.py [--corpus corpora/corpus/reports.jsonl]

Agreement: share of segments whose token sequences are identical, and token-level F1 (multiset overlap).
Speed: characters per second of each backend alone, one process, shipped dictionary and stopwords.
"""

import argparse
import time
from collections import Counter
from pathlib import Path

from nlp.io.corpus import iter_reports
from nlp.text.document import Document
from nlp.text.tokenizer import Tokenizer

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT / "corpora" / "corpus" / "reports.jsonl"))
    args = parser.parse_args()
    segments = [s.text for r in iter_reports([args.corpus]) for s in Document.from_source(r.source).segments]
    chars = sum(map(len, segments))
    tokens, seconds = {}, {}
    for backend in ("jieba", "rjieba"):
        tok = Tokenizer(backend=backend)
        tok("预热")
        t0 = time.perf_counter()
        tokens[backend] = [tok(s) for s in segments]
        seconds[backend] = time.perf_counter() - t0
    a, b = tokens["jieba"], tokens["rjieba"]
    same = sum(x == y for x, y in zip(a, b)) / len(segments)
    overlap = sum(sum((Counter(x) & Counter(y)).values()) for x, y in zip(a, b))
    f1 = 2 * overlap / (sum(map(len, a)) + sum(map(len, b)))
    print(f"{len(segments)} segments, {chars:,} characters")
    print(f"identical token sequences {same:.4f}; token-level F1 {f1:.4f}")
    for backend, s in seconds.items():
        print(f"{backend:7s} {chars / s / 1e3:8.0f}k chars/s")


if __name__ == "__main__":
    main()
