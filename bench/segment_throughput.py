"""Segment + tokenise throughput over the whole shared corpus, with jieba alone on the same text as the limit.

    python bench/segment_throughput.py
"""

import time

from corpus_files import corpus_reports

from nlp.text.document import Document
from nlp.text.tokenizer import Tokenizer


def main() -> None:
    reports = corpus_reports()
    texts = [r.source.text for r in reports]
    chars = sum(map(len, texts))
    tokenizer = Tokenizer()
    tokenizer("预热")  # load jieba's dictionary outside the timings

    t0 = time.perf_counter()
    for text in texts:
        Document.from_text(text)
    t_segment = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_segments = 0
    for text in texts:
        doc = Document.from_text(text).tokenize(tokenizer)
        n_segments += len(doc.segments)
    t_full = time.perf_counter() - t0

    narrative = " ".join(s.text for text in texts for s in Document.from_text(text).segments)
    t0 = time.perf_counter()
    for text in texts:
        tokenizer.cut(text)
    t_jieba_all = time.perf_counter() - t0
    t0 = time.perf_counter()
    tokenizer.cut(narrative)
    t_jieba_narrative = time.perf_counter() - t0

    print(f"{len(texts)} reports, {chars:,} characters, {n_segments} narrative segments ({len(narrative):,} chars)")
    print(f"read+normalise+sections+segments      {len(texts) / t_segment:8.1f} reports/s  {chars / t_segment:12,.0f} chars/s")
    print(f"... + jieba tokens of the segments    {len(texts) / t_full:8.1f} reports/s  {chars / t_full:12,.0f} chars/s")
    print(f"limit: jieba alone on the full texts  {len(texts) / t_jieba_all:8.1f} reports/s  {chars / t_jieba_all:12,.0f} chars/s")
    print(f"limit: jieba alone on segment texts   {len(narrative) / t_jieba_narrative:32,.0f} chars/s")


if __name__ == "__main__":
    main()
