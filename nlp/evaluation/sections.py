"""How well the section finder assigns text to sections, against hand-labelled section starts.

Gold rows (``corpora/sections/gold_v2.jsonl``): ``{"doc", "groups", "sections": [{"kind", "first_text",
"inferred"}]}``; each section starts at the first occurrence of ``first_text`` at or after the previous
start. Accuracy is counted per character (non-space), so a flattened one-line page weighs by its text,
not as one line. A report starting inside a part is labelled with that part's kind.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from nlp.text.sections import find_sections


def gold_kinds(text: str, sections: list[dict]) -> list[str]:
    """The hand-labelled kind of every character of ``text``."""
    starts, pos = [], 0
    for s in sections:
        at = text.find(s["first_text"], pos)
        if at < 0:
            raise ValueError(f"section start {s['first_text']!r} not found after offset {pos}")
        starts.append((at, s["kind"]))
        pos = at
    kinds = [starts[0][1]] * len(text)
    for i, (at, kind) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        kinds[at:end] = [kind] * (end - at)
    return kinds


def predicted_kinds(text: str) -> list[str]:
    sections, _ = find_sections(text)
    kinds = ["preamble"] * len(text)
    for i, s in enumerate(sections):
        end = sections[i + 1].start if i + 1 < len(sections) else len(text)
        kinds[s.start:end] = [s.kind] * (end - s.start)
    return kinds


def section_accuracy(items: Iterable[tuple[dict, str]]) -> dict[str, dict]:
    """Per group (and ``all``): share of non-space characters whose predicted kind is the gold kind."""
    total, correct, docs = Counter(), Counter(), Counter()
    for gold, text in items:
        g, p = gold_kinds(text, gold["sections"]), predicted_kinds(text)
        n = sum(1 for c in text if not c.isspace())
        ok = sum(1 for c, a, b in zip(text, g, p) if not c.isspace() and a == b)
        for group in (gold.get("groups") or ["regular"]) + ["all"]:
            total[group] += n
            correct[group] += ok
            docs[group] += 1
    return {g: {"accuracy": correct[g] / total[g], "characters": total[g], "reports": docs[g]} for g in total}
