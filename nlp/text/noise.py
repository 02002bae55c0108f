"""How much of a report is not prose: OCR junk, flattened-table debris, repeated page furniture.

A score per report (share of its non-space characters in such lines) lets batch users filter
scraped document-sharing pages whose text is mostly noise.
"""

from __future__ import annotations

import re
from collections import Counter

from nlp.text.segments import is_table_cell

_CJK = re.compile(r"[\u4e00-\u9fff]")
NOISY = 0.5  # a report above this share is flagged mostly_noise


def _junk(line: str) -> bool:
    if is_table_cell(line):
        return True
    letters = [c for c in line if not c.isspace()]
    if len(letters) >= 6 and len(_CJK.findall(line)) / len(letters) < 0.3:
        return True  # OCR-like: mostly symbols, Latin letters or digits
    return False


def noise_score(text: str) -> float:
    """Share of non-space characters in junk lines (table cells, OCR-like lines, lines repeated 3+ times)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    counts = Counter(lines)
    total = sum(len(line) for line in lines)
    junk = sum(len(line) for line in lines if counts[line] >= 3 or _junk(line))
    return round(junk / total, 4) if total else 0.0
