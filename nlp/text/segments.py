"""Cut the narrative sections into segments, the unit of labelling (LABELING.md §1).

A segment is one sentence (ended by 。！？ or the end of a line), further split
before enumerators that open a new item inside a sentence (一是, 第一, 其次,
最后, (一), 1., ①); a separator such as ；or ： stays with the item it ends.
Heading lines are segments of their own and also feed the heading path. Lines
that are cells of a flattened table are skipped, so table debris never becomes
narrative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nlp.text.sections import SEGMENTED_KINDS, Section, fold

_CN = "一二三四五六七八九十"
_SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)]*")
# Enumerators that open an item; each must follow the start or a punctuation mark.
_ITEM = re.compile(
    rf"(?<=[，,；;：:。、\s）)])(?:"
    rf"[{_CN}]{{1,3}}是"                       # 一是 二是
    rf"|第[{_CN}]{{1,3}}(?=[，,、是：:])"       # 第一， 第二是
    rf"|(?:其次|再次|最后)(?=[，,])"            # 其次， 最后，
    rf"|[(（][{_CN}]{{1,3}}[)）]"               # (一) （二）
    rf"|[(（]\d{{1,2}}[)）]"                    # (1) （2）
    rf"|(?<![\d.])\d{{1,2}}[.．、](?!\d)"       # 1. 2、 but not 1.5 or 2020.
    rf"|[①②③④⑤⑥⑦⑧⑨⑩]"
    rf")"
)
# Heading enumerators and their nesting level.
_LEVELS = (
    (re.compile(rf"^[{_CN}]{{1,3}}\s*[、.．,，:：]"), 1),
    (re.compile(rf"^[(（][{_CN}]{{1,3}}[)）]"), 2),
    (re.compile(r"^\d{1,2}\s*[.．、](?!\d)"), 3),
    (re.compile(r"^[(（]\d{1,2}[)）]|^[①②③④⑤⑥⑦⑧⑨⑩]"), 4),
)
_NUMERIC_CELL = re.compile(r"^[\d\s.,，%％+\-—/|｜()（）万元亿件条个次人项]*$")
_HEADING_WORDS = re.compile(r"问题|措施|情况|打算|计划|方面|工作|建设|管理|公开|机制|保障|监督|平台|制度|培训|领导|不足|改进")


@dataclass
class Segment:
    """One labelled unit; ``text == document_text[start:end]``."""

    section: str
    heading: str
    start: int
    end: int
    text: str
    index: int = 0
    is_heading: bool = False
    tokens: list[str] | None = None
    themes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    boilerplate: bool | None = None
    boilerplate_score: float | None = None


def heading_level(line: str) -> int | None:
    """Nesting level of a heading enumerator at the start of ``line``, or None."""
    folded = fold(line)
    for pattern, level in _LEVELS:
        if pattern.match(folded):
            return level
    return None


def is_table_cell(line: str) -> bool:
    """True for a line that is a cell or row of a flattened table, not prose."""
    if "|" in line or "｜" in line:
        return True
    if _NUMERIC_CELL.match(line):
        return True
    if len(line) <= 14 and not re.search(r"[。；;，,：:！？]", line):
        return heading_level(line) is None and not _HEADING_WORDS.search(fold(line))
    return False


def _is_heading_piece(piece: str) -> bool:
    """A short piece opened by an enumerator and without a sentence inside: a heading."""
    if heading_level(piece) is None or len(piece) > 30:
        return False
    body = piece.rstrip("。:：")
    return not re.search(r"[。；;，,！？]", body)


def split_line(line: str) -> list[tuple[int, int]]:
    """Spans of the segments of one line, relative to the line."""
    cuts = {0, len(line)}
    cuts.update(m.end() for m in _SENTENCE_END.finditer(line))
    cuts.update(m.start() for m in _ITEM.finditer(line))
    bounds = sorted(cuts)
    spans = []
    for a, b in zip(bounds, bounds[1:]):
        while a < b and line[a].isspace():
            a += 1
        while b > a and line[b - 1].isspace():
            b -= 1
        if b > a and not re.fullmatch(r"[\s。；;，,：:！？!?、]*", line[a:b]):
            spans.append((a, b))
        elif spans and b > a:  # a lone punctuation mark joins the item before it
            spans[-1] = (spans[-1][0], b)
    return spans


def segment_section(text: str, section: Section, first_index: int = 0) -> list[Segment]:
    """Segments of one section, with heading paths such as ``problems > (二)改进措施``."""
    segments: list[Segment] = []
    path: list[tuple[int, str]] = []  # (level, heading) of the open sub-headings
    pos = section.start
    for line in text[section.start:section.end].split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if not stripped or (line_start > section.start and is_table_cell(stripped)):
            continue
        for a, b in split_line(line):
            piece = line[a:b]
            is_section_heading = line_start == section.start and a == 0 and bool(section.heading)
            is_heading = is_section_heading or _is_heading_piece(piece)
            if is_heading and not is_section_heading:
                level = heading_level(piece) or 9
                path = [(lv, h) for lv, h in path if lv < level] + [(level, piece.rstrip("。:："))]
            heading = " > ".join([section.kind] + [h for _, h in path])
            segments.append(Segment(section.kind, heading, line_start + a, line_start + b, piece,
                                    index=first_index + len(segments), is_heading=is_heading))
    return segments


def segment(text: str, sections: list[Section], kinds=SEGMENTED_KINDS) -> list[Segment]:
    """Segments of every section whose kind is in ``kinds``, numbered in document order."""
    out: list[Segment] = []
    for section in sections:
        if section.kind in kinds:
            out.extend(segment_section(text, section, first_index=len(out)))
    return out
