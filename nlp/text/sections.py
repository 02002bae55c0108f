"""Find the outline sections of a report in its normalised text.

Headings are recognised by their keywords first and by their numbering only as
a tie-breaker, because real reports misnumber, skip and repeat numbers, mix
一、/一./一． and write headings glued to the first sentence. Every section
carries character offsets into the normalised text.

Kinds (stable public names):
``preamble`` title, web metadata and the prescribed introduction;
``overall`` 总体情况 / 概述 / 基本情况 (narrative, labelled);
``proactive`` 主动公开政府信息情况; ``requests`` 依申请公开, 收费及减免, 咨询;
``review`` 行政复议、行政诉讼; ``problems`` 存在的主要问题及改进情况 and its
older variants, 下一步工作打算 (narrative, labelled); ``other``
其他需要报告的事项 and the closing signature; ``unknown`` a text with no
recognisable heading.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from nlp.text.normalize import is_debris

KINDS = ("preamble", "overall", "proactive", "requests", "review", "problems", "other", "unknown")
NARRATIVE_KINDS = ("overall", "problems")
# Sections cut into segments: the narrative ones, and text of unknown kind (kept and flagged rather than
# dropped); a text without any heading keeps all its parts (segmented_kinds).
SEGMENTED_KINDS = NARRATIVE_KINDS + ("unknown",)
# Outline order; requests and review share a rank because older outlines put 收费及减免 after 复议诉讼.
_RANK = {"preamble": 0, "overall": 1, "proactive": 2, "requests": 3, "review": 3, "problems": 4, "other": 5, "unknown": 6}

# Traditional characters that occur in outline headings, folded to simplified
# one-for-one so that matching works on traditional copies without moving offsets.
_TRAD = str.maketrans(
    "總體況開動請處訟議複覆復訴問題進與際來實規範計劃關於為會務機構資訊應當確級據屬準須審檢違償經費減發佈報緒論點項狀這們導組織領製舉廳辦錄單對現區縣鄉鎮詢訪網頁欄設達獲產務舊專門歸聯係傳統權條標難黨參觀視聽說話術礙積極歲",
    "总体况开动请处讼议复复复诉问题进与际来实规范计划关于为会务机构资讯应当确级据属准须审检违偿经费减发布报绪论点项状这们导组织领制举厅办录单对现区县乡镇询访网页栏设达获产务旧专门归联系传统权条标难党参观视听说话术碍积极岁",
)


@functools.lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    """Every CJK character that OpenCC's t2s turns into one simplified character (one conversion of the
    whole block, one character a line), the heading characters above, and full-width ASCII → half-width."""
    from nlp.text.script import to_simplified

    block = [chr(c) for c in range(0x4E00, 0xA000)]
    simplified = to_simplified("\n".join(block)).split("\n")
    table = {ord(t): ord(s) for t, s in zip(block, simplified) if len(s) == 1 and s != t} \
        if len(simplified) == len(block) else {}
    full_width = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
    return {**table, **_TRAD, **full_width}


@functools.lru_cache(maxsize=1)
def _fold_matcher() -> tuple[re.Pattern, dict[str, str]]:
    """The characters :func:`fold` changes as one character class, and what each becomes. Finding the few
    such characters with a regex is about 8× faster than ``str.translate``'s dict look-up per character."""
    table = {chr(k): chr(v) for k, v in _fold_table().items()}
    return re.compile("[" + re.escape("".join(sorted(table))) + "]"), table


def fold(text: str) -> str:
    """Length-preserving fold for matching: traditional → simplified, full-width ASCII → half-width."""
    pattern, table = _fold_matcher()
    return pattern.sub(lambda m: table[m.group()], text)


_CN_NUM = "一二三四五六七八九十"
# Top-level numbering: 一、 一. 一． 一, 一： 第一部分 — after fold() full-width forms are half-width.
_TOP_NUMBER = re.compile(rf"^(?:第([{_CN_NUM}]{{1,3}})部分|([{_CN_NUM}]{{1,3}})\s*[、.,:，：]|([{_CN_NUM}]{{1,3}})\s+)\s*")
# Reports without any 一、 heading sometimes number their parts 1、 … 7、: a fallback outline.
_ARABIC_NUMBER = re.compile(r"^(\d{1,2})\s*[、.．](?!\d)\s*")
_INLINE_ARABIC = re.compile(r"(?<=[\s。！？!?])\d{1,2}\s*[、.．](?!\d)")
# Short reports without 一、 or 1、 parts sometimes number them (一)总体情况 … (三)行政复议…: a last fallback,
# read at line starts only (inside a line, (二) is always an item).
_PAREN_NUMBER = re.compile(rf"^\(([{_CN_NUM}]{{1,3}})\)\s*[、.,:，：]?\s*")
# A title glued to the year's first sentence: cut after its title word when a sentence starts there.
# (…情况一、…情况: a PDF's running header repeats the heading right after it.)
_GLUED_CUT = re.compile(r"(情况|概况|概述|措施|事项|打算|计划|问题|不足)(?=\d{4}\s*年|根据|按照|我[局镇乡区县市委办]|本[年局单]|全年|今年|一年来|"
                        rf"[{_CN_NUM}]{{1,3}}、)")
# Section kinds by heading keywords; see classify_heading for how a match is chosen.
_KIND_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("preamble", re.compile(r"^(引言|前言)$")),
    ("other", re.compile(r"其他需要报告|其它需要报告|其他事项|需要说明的事项|其他需要说明")),
    ("review", re.compile(r"行政复议|行政诉讼|复议.{0,3}诉讼")),
    ("problems", re.compile(r"存在的?.{0,4}(问题|不足|困难)|主要问题|问题(和|及|与)?(改进|整改)|改进(措施|情况|方向|举措)|"
                            r"下一步|工作打算|工作计划|今后(的)?工作|努力方向|工作设想|不足(之处)?(和|及|与)")),
    ("requests", re.compile(r"依申请|收到和处理|申请公开|申请的?(办理|处理|答复)?情况|收费|减免|不予公开|咨询")),
    ("proactive", re.compile(r"主动公开|公文类|^(政府)?信息公开(工作)?情况$")),
    ("overall", re.compile(r"总体.{0,4}情况|概述|综述|^概$|概况|基本情况|总体工作情况|组织(领导|机构|建设)|工作开展情况|主要(工作|做法)|"
                           r"工作(措施|成效)|开展情况|工作情况|工作的?推进情况|回应|解读")),
)
# A heading must look like a title: short, ends like a title, no sentence inside it.
_LEADING_JUNK = re.compile(r"[?？*#■●•·◆\s]*")
_TITLE_END = re.compile(r"(^概|情况|说明|措施|事项|概述|综述|概况|组织领导|打算|计划|问题|不足|设想|方向|做法|工作|成效|部分|引言|前言)$")
# A line that is only the name of a statistics part (主动公开信息 / 依申请公开政府信息): the row labels of the
# table-form reports of 2009–2011, which are their headings.
_PART_NAME = re.compile(r"^(主动|依申请)公开的?(政府)?信息$")
# Canonical titles that may be glued to the first sentence with no separator (一、概述政务信息公开是…).
_GLUED_TITLE = re.compile(r"^(总体情况|概述|概况|基本情况|引言|前言|存在的主要问题及改进情况|存在的主要问题和改进措施|"
                          r"存在的问题和改进措施|其他需要报告的事项)")
_SPACE = re.compile(r"\s+")
# A top-level number inside a line (flattened pages): after whitespace, the end of a sentence or a PDF
# page number glued to it (…电子信箱:2一、政务公开工作开展情况).
# Not after ；or ：— those open the items of a list, e.g. a table of contents (包括:一、…;二、…).
_INLINE_NUMBER = re.compile(rf"(?<=[\s。！？!?\d])[{_CN_NUM}]{{1,3}}\s*[、.．,，:：]")
_NUMBER_PATTERNS = {"chinese": _TOP_NUMBER, "arabic": _ARABIC_NUMBER, "paren": _PAREN_NUMBER}
_INLINE_PATTERNS = {"chinese": _INLINE_NUMBER, "arabic": _INLINE_ARABIC, "paren": None}
# Words that say a headingless passage is the problems part (the start of 存在的问题/下一步 text).
_PROBLEMS_OPENING = re.compile(r"不足|存在.{0,6}问题|问题(和|及|与)?不足|差距|薄弱|下一步|改进|今后")
_OVERALL_OPENING = re.compile(r"主动公开|依申请|公开.{0,8}[0-9]+\s*条|领导小组|工作机制|认真贯彻|高度重视")
_SENTENCE_PUNCT = re.compile(r"[。；;，,！？!?]")
_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_SIGNATURE_LINE = re.compile(r"^\S{2,30}(政府|办公室|办事处|委员会|局|厅|委|部|署|院|中心|管委会|镇|乡|街道)$")


@dataclass(frozen=True)
class Section:
    """One outline section; ``text[start:end]`` is the whole section, heading included."""

    kind: str
    heading: str
    start: int
    end: int
    number: str | None = None


@dataclass
class Audit:
    """What the section finder saw, so batch users can filter bad inputs."""

    found: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)  # narrative sections placed by the outline, no heading
    missing: list[str] = field(default_factory=list)
    numbering: list[str] = field(default_factory=list)
    out_of_order: bool = False
    duplicated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.out_of_order or self.duplicated or self.warnings)

    def to_dict(self) -> dict:
        return {
            "found": self.found, "inferred": self.inferred, "missing": self.missing, "numbering": self.numbering,
            "out_of_order": self.out_of_order, "duplicated": self.duplicated,
            "warnings": self.warnings, "ok": self.ok,
        }


@dataclass(frozen=True)
class _Heading:
    kind: str
    heading: str
    start: int
    number: str | None
    strong: bool  # numbered, or a canonical title standing alone
    inline: bool = False  # found inside a line, not at its start


def _lines(text: str):
    """Yield (start, end, line) for every line of ``text``."""
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line), line
        start += len(line) + 1


def squash(text: str) -> str:
    """Fold and drop whitespace: heading words split by conversion (一 、概 述, 引  言) match as words."""
    return _SPACE.sub("", fold(text))


def classify_heading(heading: str) -> str | None:
    """The section kind a heading's words name, or None.

    The earliest match wins (pattern order breaks ties), so a heading glued to its first
    sentence (概述2012年，我局主动公开…) is classified by its title, not by the prose after it.
    """
    folded = squash(heading)
    found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_KIND_PATTERNS)
             if (m := pattern.search(folded))]
    return min(found)[2] if found else None


def _parse_heading(line: str, numbering: str = "chinese",
                   folded: str | None = None) -> tuple[str | None, str, str] | None:
    """Split a candidate top-level heading line into (number, title, rest), or None.

    ``rest`` is body text glued onto the heading on the same line. ``numbering`` names what numbers the
    top level: 一、 (``chinese``), or in a report with no 一、 heading at all 1、 2、 … (``arabic``) or
    (一) (二) … (``paren``). ``folded``: ``fold(line)`` when the caller has it already.
    """
    folded = fold(line) if folded is None else folded
    lead = _LEADING_JUNK.match(folded).end()
    opening = folded[lead:lead + 1]
    if (opening in ("(", "（", "【", "[") and numbering != "paren") or (opening.isdigit() and numbering != "arabic"):
        return None  # (一) / 1. / (1) open sub-headings, never top-level sections
    folded = folded[lead:]
    line = line[lead:]
    match = _NUMBER_PATTERNS[numbering].match(folded)
    if numbering != "chinese" and not match:
        return None
    number = None
    body = folded
    if match:
        number = next(g for g in match.groups() if g)
        body = folded[match.end():]
    if not body:
        return None
    # Title part: up to the first sentence punctuation or colon.
    cut = re.search(r"[。；;:：！？!?]", body)
    title = body[: cut.start()] if cut else body
    rest = body[cut.end():] if cut else ""
    title = title.strip()
    if (not _is_title(title) or len(title) > 40) and _SPACE.search(title):
        # 五、…存在的主要问题和改进措施 一年下来…: a heading, whitespace, then prose (flattened pages too;
        # prose that happens to end in a title word, …工作。, does not make the whole run a title)
        head, more = _SPACE.split(title, maxsplit=1)
        if _is_title(head):
            title, rest = head, (more + " " + rest).strip()
    # a glued title cut where the year's first sentence starts (prose may itself end in a title word, …成效)
    glued_cut = _GLUED_CUT.search(title) if not _is_title(title) or len(title) > 40 else None
    if glued_cut and glued_cut.end() <= 30:
        title, rest = title[:glued_cut.end()], (title[glued_cut.end():] + " " + rest).strip()
    glued = _GLUED_TITLE.match(squash(title))
    if glued and len(squash(title)) > glued.end() and not _is_title(title):
        cut = _original_length(title, glued.end())
        title, rest = title[:cut], (title[cut:] + " " + rest).strip()
    if not title or len(title) > 40:
        return None
    if _SENTENCE_PUNCT.search(title) and not number:
        return None
    offset = len(folded) - len(body)
    original_title = line[offset: offset + len(title)]
    return number, original_title, rest.strip()


def _is_title(title: str) -> bool:
    return bool(_TITLE_END.search(squash(title).rstrip("的")))


def _original_length(title: str, squashed_length: int) -> int:
    """How many characters of ``title`` hold its first ``squashed_length`` non-space characters."""
    seen = 0
    for i, c in enumerate(title):
        if not c.isspace():
            seen += 1
            if seen == squashed_length:
                return i + 1
    return len(title)


def _heading_at(piece: str, start: int, inline: bool, numbering: str = "chinese",
                folded: str | None = None) -> _Heading | None:
    parsed = _parse_heading(piece, numbering, folded)
    if parsed is None:
        return None
    number, title, rest = parsed
    kind = classify_heading(title)
    if kind is None:
        return None
    titled = _is_title(title)
    if number:
        # A numbered line that is really a sentence (一、加强学习，提高认识。) is not a heading
        # unless its title part reads as a section title.
        if not titled and (rest or len(title) > 24):
            return None
        if inline and not titled:
            return None
        heading = title if (rest or inline) else piece.strip()
        lead = len(piece) - len(piece.lstrip())
        return _Heading(kind, heading, start + lead, number, strong=titled, inline=inline)
    if not inline and not rest and len(squash(title)) <= 24 and (titled or _PART_NAME.match(squash(title))) \
            and not _menu_row(title):
        return _Heading(kind, piece.strip(), start, None, strong=False)
    return None


def _paren_outline(headings: list[_Heading]) -> list[_Heading]:
    """(一) (二) … as the parts of a report only when (一) is the overall part: (一)主动公开 (二)依申请公开
    are the sub-parts of 总体情况 whose heading was lost. Among them, (二)政府信息公开情况 (no 主动) is the
    rest of the year's account, not the proactive part."""
    numbered = [h for h in headings if h.number]
    if not numbered or (numbered[0].number, numbered[0].kind) != ("一", "overall"):
        return []
    return [h for h in headings if h.kind != "proactive" or _names_proactive(h)]


def _names_proactive(heading: _Heading) -> bool:
    """A proactive heading that says 主动公开, not one read as proactive only by a title such as 政府信息公开情况,
    which may be the year's whole account."""
    return heading.kind == "proactive" and "主动公开" in squash(heading.heading)


def _menu_row(title: str) -> bool:
    """A row of a site's navigation menu (查询 通关 舱单 企业基本情况), not a title: three or more words
    apart, some longer than one character (a letter-spaced title 概 述 has single characters)."""
    words = title.split()
    return len(words) >= 3 and any(len(w) > 1 for w in words)


def find_headings(text: str) -> list[_Heading]:
    """Every place that opens a top-level section, in order: heading lines, and numbered headings
    inside a line (a page flattened by a scraper) where the outline's numbering vouches for them.
    A report with no numbered 一、 heading at all is read again with 1、 2、 …, then (一) (二) …, as its top level."""
    headings = _in_outline_order(_candidates(text, "chinese"))
    if not any(h.number for h in headings):
        for numbering in ("arabic", "paren"):
            fallback = _in_outline_order(_candidates(text, numbering))
            if numbering == "paren":
                fallback = _paren_outline(fallback)
            numbered = [h for h in fallback if h.number]
            if len(numbered) >= 2:  # an outline, not one numbered item
                return _in_outline_order(sorted(headings + fallback, key=lambda h: h.start))
    if not headings:
        return _slogan_outline(text)
    return headings


# A slogan outline (一、健立组织，明确责任。 二、积极主动，公布信息。 三、发现问题，及时更改。): numbered lines of
# their own whose words name no part. Read only in a text without any other heading, and only as a run
# 一、二、… of at least two, or as a lone 一、 whose slogan names its part (一、及时发布政务信息，接受监督); each
# part's kind comes from its slogan, else from the statistics its text reports (二、具体措施抓成效 over
# 主动公开信息有103条…), else it is the narrative.
_SLOGAN = re.compile(rf"^([{_CN_NUM}]{{1,2}})、([^。！？!?]{{2,32}})[。.]?$")
_SLOGAN_KINDS = (
    ("problems", re.compile(r"问题|不足|差距|改进|整改|下一步|打算")),
    ("proactive", re.compile(r"主动公开|公布信息|发布[^，,]{0,4}信息|公开(形式|内容|渠道|方式)")),
    ("requests", re.compile(r"依申请|申请公开")),
)


def _slogan_outline(text: str) -> list[_Heading]:
    run: list[tuple[int, str, str, str | None]] = []  # (start, line, number, kind its slogan names)
    for start, _end, line in _lines(text):
        m = _SLOGAN.match(fold(line.strip()))
        if m and _number_value(m.group(1)) == len(run) + 1:
            named = next((k for k, pattern in _SLOGAN_KINDS if pattern.search(m.group(2))), None)
            run.append((start + len(line) - len(line.lstrip()), line.strip(), m.group(1), named))
    if len(run) == 1 and run[0][3] is None:
        return []
    headings = []
    for i, (start, line, number, named) in enumerate(run):
        body = text[start + len(line): run[i + 1][0] if i + 1 < len(run) else len(text)]
        headings.append(_Heading(named or _statistics_kind(text, body) or "overall", line, start, number, strong=True))
    return headings


def _statistics_kind(text: str, body: str) -> str | None:
    """The one statistics part (主动公开, 依申请公开, 复议诉讼) whose figures ``body`` reports, in a report
    written before the 2019 outline made them sub-parts of 总体情况; else None."""
    if _modern_outline(text, 300):
        return None
    folded = squash(body)
    cued = {kind for kind, cue, _modern, hits in _FRAGMENT_CUES
            if kind in _STATISTICS_KINDS and len(cue.findall(folded)) >= max(hits, 2)}
    return cued.pop() if len(cued) == 1 else None


def _candidates(text: str, numbering: str) -> list[_Heading]:
    inline = _INLINE_PATTERNS[numbering]
    headings = []
    folded_text = fold(text)  # fold keeps lengths: each line's fold is a slice of the text's
    for start, end, line in _lines(text):
        if not line:
            continue
        folded = folded_text[start:end]
        # a long line may be a heading glued to its whole first paragraph (一、概述2011年,…): its opening is enough
        if h := _heading_at(line[:400], start, inline=False, numbering=numbering, folded=folded[:400]):
            headings.append(h)
        for m in inline.finditer(folded) if inline else ():
            nxt = inline.search(folded, m.end())
            stop = nxt.start() if nxt else len(line)
            piece = line[m.start():stop]
            if h := _heading_at(piece, start + m.start(), inline=True, numbering=numbering,
                                folded=folded[m.start():stop]):
                headings.append(h)
    return headings


def _number_value(number: str | None) -> int | None:
    if not number:
        return None
    if number.isdigit():
        return int(number)
    if number == "十":
        return 10
    if len(number) == 2 and number[0] == "十":
        return 10 + _CN_NUM.index(number[1]) + 1
    return _CN_NUM.index(number[0]) + 1 if len(number) == 1 else None


def _in_outline_order(headings: list[_Heading]) -> list[_Heading]:
    """Keep a heading found inside a line only where the numbering goes on from the last heading kept
    (五、… after 四、…): the outline's order is the evidence that it is a heading, not a list item."""
    kept, last = [], 0
    for h in headings:
        value = _number_value(h.number)
        if h.inline and (value is None or value <= last):
            continue
        if value is not None and value == last and h.kind not in ("problems", "other"):
            # 一、概述 then 一、政府信息公开工作情况: an item misnumbered inside the open part. The closing
            # parts (三、主动公开… then 三、存在的主要问题…) are misnumbered often enough to keep.
            continue
        kept.append(h)
        if value is not None and h.kind != "preamble":  # 一、引言 then 一、概述: an introduction takes no number
            last = value
    return kept


def _trailing_signature(text: str, start: int, end: int) -> int | None:
    """Start of a closing signature/date block at the end of ``text[start:end]``, if any."""
    lines = [(s, e, fold(l)) for s, e, l in _lines(text[start:end]) if l.strip()]
    if not lines or not _DATE_LINE.match(lines[-1][2]):
        return None
    block_start = lines[-1][0]
    if len(lines) >= 2 and _SIGNATURE_LINE.match(lines[-2][2]):
        block_start = lines[-2][0]
    return start + block_start if block_start > 0 else None


def _split_signature(text: str, sections: list[Section]) -> list[Section]:
    """A closing signature and date at the end of the last part is the `other` part."""
    last = sections[-1] if sections else None
    sign = _trailing_signature(text, last.start, last.end) if last else None
    if sign is None or last.kind == "other" or sign <= last.start + len(last.heading):
        return sections
    return sections[:-1] + [Section(last.kind, last.heading, last.start, _rstrip_end(text, last.start, sign), last.number),
                            Section("other", "", sign, last.end)]


# The report's attachment (附表：2016年…年度报告, 附件：…) after its last part: the attached table, not that part's text.
_ATTACHMENT = re.compile(r"(?:^|(?<=[\s。]))附\s*[表件]\s*\d{0,2}\s*[:：]", re.M)


def _split_attachment(text: str, sections: list[Section]) -> list[Section]:
    """An attachment opened inside the last part, after the narrative began, starts the `other` part (a cover
    letter's 附件： before the report stays in the preamble)."""
    last = sections[-1] if sections else None
    if last is None or last.kind in ("preamble", "other"):
        return sections
    # fold only the part searched (fold keeps lengths, so offsets carry over), not the whole report
    m = _ATTACHMENT.search(fold(text[last.start:last.end]), max(1, len(last.heading)))
    if m is None:
        return sections
    at = last.start + m.start()
    return sections[:-1] + [Section(last.kind, last.heading, last.start, _rstrip_end(text, last.start, at),
                                    last.number), Section("other", "", at, last.end)]


def _numbering_audit(headings: list[_Heading], audit: Audit) -> None:
    numbers = [h.number for h in headings if h.number]
    audit.numbering = numbers
    values = [_number_value(n) for n in numbers]
    seen = set()
    for n in numbers:
        if n in seen:
            audit.duplicated.append(n)
        seen.add(n)
    known = [v for v in values if v is not None]
    if any(b <= a for a, b in zip(known, known[1:])):
        audit.warnings.append("top-level numbering is not increasing: " + " ".join(numbers))


def find_sections(text: str, start_kind: str | None = None) -> tuple[list[Section], Audit]:
    """Map a normalised report to its sections; never raises on real-world text.

    ``start_kind`` names the section that the text before the first heading belongs to,
    for passages known to start inside a section (default: ``preamble``).
    """
    if start_kind is not None and start_kind not in KINDS:
        raise ValueError(f"unknown section kind {start_kind!r}; expected one of {KINDS}")
    audit = Audit()
    headings = _select(_first_heading_rule(find_headings(text)))
    if all(h.kind == "preamble" for h in headings):  # none, or only 引言/前言: read by what the text reports
        return _headingless(text, start_kind, audit, after=headings[-1].start if headings else 0)

    sections: list[Section] = []
    if text[: headings[0].start].strip():
        sections.append(Section(start_kind or "preamble", "", 0, _rstrip_end(text, 0, headings[0].start)))
    for i, h in enumerate(headings):
        end = headings[i + 1].start if i + 1 < len(headings) else len(text)
        sections.append(Section(h.kind, h.heading, h.start, _rstrip_end(text, h.start, end), h.number))
    sections = _split_signature(text, _split_attachment(text, _infer_narrative(text, sections, audit)))

    audit.found = [s.kind for s in sections]
    ranks = [_RANK[s.kind] for s in sections]
    audit.out_of_order = any(b < a for a, b in zip(ranks, ranks[1:]))
    audit.missing = [k for k in NARRATIVE_KINDS if k not in audit.found]
    _numbering_audit(headings, audit)
    return sections, audit


_OVERALL_SUBHEADING = re.compile(r"^[(（]?[一1][)）、.．]?\s*(主动公开|依申请公开|政府信息管理|(政府信息)?公开平台建设|"
                                 r"平台建设|监督保障|加强组织领导|组织领导|制度建设|健全机制|工作机制)")
_PROBLEMS_SUBHEADING = re.compile(r"^[(（]?[一1][)）、.．]?\s*(存在的?(主要)?问题|问题和不足|主要问题|工作中存在)|"
                                  r"^[(（]?[一二12][)）、.．]?\s*改进(措施|情况|方向)|^[(（]?[二2][)）、.．]\s*改进")
# A paragraph that opens by naming the shortcomings (目前，某市政府信息公开工作存在的主要问题有，一是…): where
# a report has no problems heading or sub-heading at all, the problems part starts there.
_PROBLEMS_STATEMENT = re.compile(r"^.{0,24}存在的?(主要)?(问题|不足)(主要)?(有|是|表现在|[:：])")


def _headingless(text: str, start_kind: str | None, audit: Audit, after: int = 0) -> tuple[list[Section], Audit]:
    """A text without headings: one section of its kind, after the title, page furniture and the
    introduction (本报告根据《条例》…编制) when it opens with them (unless ``start_kind`` says where it starts);
    ``after`` is where an introduction headed 引言/前言 starts, the only heading such a text has."""
    if not text.strip():
        audit.missing = list(NARRATIVE_KINDS)
        return [], audit
    at = 0 if start_kind else after + _intro_end(text[after:])
    if at == len(text) and not _INTRO_SENTENCE.search(squash(text)):
        at = 0  # short lines only, no introduction: a narrative fragment of unknown kind, kept
    kind = start_kind or (_headingless_kind(text[at:]) if text[at:].strip() else "preamble")
    sections = [Section("preamble", "", 0, _rstrip_end(text, 0, at))] if at and kind != "preamble" else []
    parts = _fragment_parts(text, at, kind) if start_kind is None and kind == "overall" else [(kind, at)]
    for i, (part_kind, part_start) in enumerate(parts):
        part_end = parts[i + 1][1] if i + 1 < len(parts) else len(text)
        sections.append(Section(part_kind, "", part_start if sections else 0, _rstrip_end(text, part_start, part_end)))
    sections = _split_signature(text, _split_attachment(text, sections))
    if start_kind is None:  # what was placed, not the opening guess: a page may open inside 依申请公开
        placed = list(dict.fromkeys(k for k, _ in parts))
        audit.warnings.append("no recognisable section heading; the text is "
                              + (f"one '{placed[0]}' section" if len(placed) == 1 else f"parts {' > '.join(placed)}")
                              + (" after its introduction" if at else ""))
        audit.inferred = [k for k in placed if k not in ("unknown", "preamble")]
    audit.missing = [k for k in NARRATIVE_KINDS if k not in {s.kind for s in sections}]
    return sections, audit


# The parts of the outline that a headingless fragment (a scraped page that starts mid-report) moves
# through, told by what its paragraphs report. Before the 2019 outline, 主动公开 and 依申请公开 were parts
# of their own; from 2019 they are sub-parts of 总体情况, so only the later parts count there.
_FRAGMENT_CUES: tuple[tuple[str, re.Pattern, bool, int], ...] = (
    # (kind, cue, counts in the 2019+ outline, matches a line needs: figures need two, or one count in a
    # sentence would be the narrative's summary of the year)
    ("problems", re.compile(r"^(\d{4}年|下一步|今后|明年|新的一年)[,，]?(我们|我[局委办乡镇县市区厅])?(将|要)"), True, 1),
    ("problems", _PROBLEMS_SUBHEADING, True, 1),
    ("problems", re.compile(r"存在[^。]{0,10}(问题|不足|差距)|(问题|不足)(主要)?表现在"), True, 1),
    ("other", re.compile(r"^[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]?(人大代表建议|政协提案|建议提案|(收取)?信息处理费|"
                         r"(年度)?(政务公开)?工作要点落实|政务公开工作创新|其他(需要)?报告的?事项)"), True, 1),
    ("review", re.compile(r"信息公开[^。]{0,6}行政(复议|诉讼)[^。]{0,6}\d+\s*[件起]"), False, 2),
    ("review", re.compile(r"(未|没有)[^。]{0,20}行政复议"), False, 1),
    ("requests", re.compile(r"(收到|受理|接到|办理)[^。]{0,15}信息公开申请|申请[^。]{0,12}\d+\s*件|咨询[^。]{0,12}\d+\s*人次|"
                            r"投诉[^。]{0,8}(\d+\s*[件起次]|情况)|无投诉|收取[^。]{0,20}费用"), False, 2),
    ("requests", re.compile(r"(未|没有)(接到|收到|受理)[^。]{0,15}申请"), False, 1),
    ("proactive", re.compile(r"占总数|(查阅|查询)(场所|点|中心)[^。]{0,20}\d+\s*个|新闻发布会\d+\s*场|"
                             r"(发布|公开)[^。]{0,12}信息[^。]{0,3}\d+\s*条"), False, 2),
    ("proactive", re.compile(r"^(在)?主动公开(政府)?信息(工作)?(中|方面)"), False, 1),
    ("overall", re.compile(r"高度重视|以下几个?方面|主要(开展|做)了|领导小组|组织领导|工作机制"), True, 1),
)
_REPORT_YEAR = re.compile(r"(20\d\d)\s*年")


def _modern_outline(text: str, end: int) -> bool:
    """Whether the first report year in ``text[:end]`` is 2019 or later (the outline that made 主动公开 and
    依申请公开 sub-parts of 总体情况)."""
    year = _REPORT_YEAR.search(text, 0, min(len(text), end))
    return year is not None and int(year.group(1)) >= 2019
_MEASURE_ITEM = re.compile(r"^[(（]?([一二三四五六七八九十]{1,2}|\d{1,2})(是|[)）、])")
_STATISTICS_KINDS = {"proactive", "requests", "review"}
# Sub-headings that only the old outline's statistics parts have: (一)公开的主要内容 / (二)公开形式 inside
# 主动公开政府信息情况, or a sub-part named for a part, (二)依申请公开政府信息情况. A fragment that opens at
# a later one of those started in the part before it (主动公开 precedes 依申请公开, which precedes 复议诉讼).
_ITEM_NUMBER = r"^[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]"
_PART_ITEMS = tuple((kind, re.compile(_ITEM_NUMBER + words)) for kind, words in (
    ("proactive", r"([^。，,]{0,8}主动公开|公开的?主要内容|公开的?(形式|方式|载体|渠道))"),
    ("requests", r"(依申请公开|政府信息公开申请)"),
    ("review", r"(因政府信息公开)?(申请)?(行政复议|行政诉讼)"),
))
_PRECEDING_PART = {"requests": "proactive", "review": "requests"}
# The introduction's list of the report's parts (全文包括概述、…、存在的主要问题和改进措施…。) names every part,
# so it is evidence for none of them.
_CONTENTS_LIST = re.compile(r"[^。！？!?]*(全文(包括|共?分|由)|内容包括|(报告|年报)(包括|分为|由))[^。！？!?]*[。！？!?]?")


def _fragment_parts(text: str, at: int, kind: str) -> list[tuple[str, int]]:
    """(kind, start) of each part of a headingless narrative ``kind``.

    A line whose cues name one kind only opens that part (statistics need two figures: one count in a
    sentence is the narrative's summary); lines naming none or several go on with the current part,
    and enumerated measures (二是… / （四）… / 1、…) belong to the narrative they list. A fragment may
    start inside 主动公开, 依申请公开 or 复议诉讼 (a scraped page cut mid-report), but once its narrative
    is open only the later parts (problems, other) follow. A later sub-item of a part (（三）人大代表建议…
    before any other cue) says the fragment started inside that part, or in the one before it."""
    modern = _modern_outline(text, at + 200)
    parts: list[tuple[str, int]] = []
    for start, _end, line in _lines(text[at:]):
        body = _CONTENTS_LIST.sub("", squash(line))
        if not body:
            continue
        cued = {k for k, cue, counts, hits in _FRAGMENT_CUES if (counts or not modern) and len(cue.findall(body)) >= hits}
        if cued == {"problems", "overall"}:  # …加强了组织领导…，但尚存在一些不足和差距: the turn to the problems
            cued = {"problems"}
        item = _MEASURE_ITEM.match(body)
        if item:
            cued -= _STATISTICS_KINDS
            if not modern:
                cued |= {k for k, cue in _PART_ITEMS if cue.match(body)}
        if len(cued) != 1:
            continue
        (cue_kind,) = cued
        if not parts:
            later_item = item is not None and not re.match(r"[(（]?[一1][是)）、]", body)
            if later_item:
                parts.append((_PRECEDING_PART.get(cue_kind, cue_kind), at))
            else:
                parts.append((cue_kind if not text[at:at + start].strip() else kind, at))
        if cue_kind in _STATISTICS_KINDS and parts[-1][0] in NARRATIVE_KINDS:
            continue
        if cue_kind != parts[-1][0]:
            parts.append((cue_kind, at + start))
    return parts or [(kind, at)]


# The report's own introduction: the rules it follows, who compiled it, what it holds, whom to ask.
_INTRO_SENTENCE = re.compile(r"^(本(年度)?(报告|年报)|根据|依据|按照|遵照|全文|如对|如有)|编制|统计期|电子版|如对本|"
                             r"联系(电话|地址|方式)|邮编|条例》[(（]以下简称|部分组成|内容包括|公布如下|报告如下|现予公布|特此|"
                             r"(年度|工作)报告[。如]|年报[。如]|(报告|总结|情况)如下")
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]?")
# A page's own summary of the report above it (导读:…), a copy of the text that follows.
_SUMMARY = re.compile(r"(导读|摘要|内容提要)[:：]")
_ENUMERATED = re.compile(r"^[(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]")


def _intro_end(text: str) -> int:
    """Where the narrative of a headingless text begins: after leading title lines and page furniture
    (short lines without a sentence, other than an enumerated sub-heading; normalisation's furniture
    patterns on the folded line), lines without Chinese, a 导读 copy, and the introduction's sentences. ``len(text)`` when nothing else follows."""
    for start, end, line in _lines(text):
        body = squash(line)
        if not body or not re.search(r"[\u4e00-\u9fff]", body):
            continue
        if len(body) <= 40 and not re.search(r"[。！？!?]", body) and not _ENUMERATED.match(body):
            continue
        if is_debris(fold(line.strip())) or _SUMMARY.match(body):  # furniture normalisation kept (traditional
            continue                                                  # script), or the page's 导读 copy
        pos = start + len(line) - len(line.lstrip())
        intro_end, others = pos, 0
        while pos < end and others < 4:  # asides inside the introduction (主管部门是…) are part of it
            sentence = _SENTENCE.match(text, pos, end)
            if not sentence.group().strip():
                break
            pos = sentence.end()
            while pos < end and text[pos].isspace():
                pos += 1
            if _INTRO_SENTENCE.search(squash(sentence.group())):
                intro_end, others = pos, 0
            else:
                others += 1
        if intro_end < end:
            return intro_end
    return len(text)


def _headingless_kind(text: str) -> str:
    """A text with no heading at all: the problems part when its opening speaks of shortcomings and plans
    first, else the overall part (the year's work, as hand labellers read such narrative); a text without
    a sentence is ``unknown``. Segmented and flagged either way (``audit.inferred``, status no_sections)."""
    opening = squash(text[:160])
    found = [(m.start(), kind) for kind, pattern in (("problems", _PROBLEMS_OPENING), ("overall", _OVERALL_OPENING))
             if (m := pattern.search(opening))]
    if found:
        return min(found)[1]  # the words that come first say what the text is about
    return "overall" if re.search(r"[。！？!?]", text) else "unknown"


def _first_line(text: str, start: int, end: int, pattern: re.Pattern) -> int | None:
    for line_start, _e, line in _lines(text[start:end]):
        if pattern.search(squash(line)):
            return start + line_start
    return None


def _infer_narrative(text: str, sections: list[Section], audit: Audit) -> list[Section]:
    """Narrative sections whose heading was lost (PDF extraction drops 一、总体情况 but keeps its
    （一）主动公开…; drops 五、… but keeps （一）存在问题 / （二）改进措施 after the tables), placed by the
    outline: overall opens at the first overall sub-heading of the preamble, problems at the first
    problems sub-heading (else the first paragraph naming the shortcomings) of the part before
    其他需要报告的事项. Recorded in ``audit.inferred``."""
    kinds = {s.kind for s in sections}
    out = list(sections)
    if "overall" not in kinds and out and out[0].kind == "preamble":
        at = _first_line(text, out[0].start, out[0].end, _OVERALL_SUBHEADING)
        if at is not None and at > out[0].start:
            out[0:1] = [Section("preamble", out[0].heading, out[0].start, _rstrip_end(text, out[0].start, at)),
                        Section("overall", "", at, out[0].end)]
            audit.inferred.append("overall")
    if "problems" not in kinds:
        host = next((i for i, s in enumerate(out) if s.kind == "other"), len(out)) - 1
        if host >= 0 and out[host].kind in ("proactive", "requests", "review"):
            s = out[host]
            body = s.start + max(1, len(s.heading))
            at = _first_line(text, body, s.end, _PROBLEMS_SUBHEADING)
            at = at if at is not None else _first_line(text, body, s.end, _PROBLEMS_STATEMENT)
            if at is not None:
                out[host:host + 1] = [Section(s.kind, s.heading, s.start, _rstrip_end(text, s.start, at), s.number),
                                      Section("problems", "", at, s.end)]
                audit.inferred.append("problems")
    return out


_WHOLE_ACCOUNT = re.compile(r"(政府|政务)?信息公开(工作)?情况$")


def _first_heading_rule(headings: list[_Heading]) -> list[_Heading]:
    """一、政府信息公开情况 / 一、信息公开工作情况 as the first part is the overall narrative when a 主动公开
    part follows it, or when no part on disclosure follows it at all (older reports put their whole account of
    the year under it, then 二、存在的问题); beside 二、依申请公开情况 it is the report's proactive part."""
    if not headings:
        return headings
    first, rest = headings[0], headings[1:]
    title = squash(first.heading)
    if first.kind != "proactive" or _names_proactive(first) or first.number not in ("一", None):
        return headings
    later_proactive = any(_names_proactive(h) for h in rest)
    whole_account = bool(_WHOLE_ACCOUNT.search(title)) and not any(h.kind in ("overall", "proactive", "requests")
                                                                    for h in rest)
    if later_proactive or whole_account:
        return [_Heading("overall", first.heading, first.start, first.number, first.strong, first.inline)] + rest
    return headings


def _select(headings: list[_Heading]) -> list[_Heading]:
    """Keep the headings that open a new section.

    A heading of the kind already open is a sub-heading (存在问题 then 改进措施); a
    weak heading that would step back in the outline (主动公开… inside the problems
    section) is body text, while a numbered title may step back (misordered outline).
    """
    kept: list[_Heading] = []
    for h in headings:
        if kept and h.kind == kept[-1].kind:
            continue
        if kept and _RANK[h.kind] < _RANK[kept[-1].kind] and not h.strong:
            continue
        kept.append(h)
    return kept


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def line_kinds(text: str, sections: list[Section]) -> list[tuple[str, str]]:
    """(line, section kind) for every non-blank line: the unit of section-assignment accuracy."""
    out = []
    for start, _end, line in _lines(text):
        if line.strip():
            kind = next((s.kind for s in reversed(sections) if s.start <= start), "preamble")
            out.append((line, kind))
    return out


def segmented_kinds(sections: list[Section]) -> tuple[str, ...]:
    """The kinds cut into segments. A text without any heading keeps every part after its preamble,
    each under the kind it was placed in (a page that starts inside 依申请公开 is tagged and flagged,
    never silently left out)."""
    if any(s.heading for s in sections):
        return SEGMENTED_KINDS
    return tuple(k for k in KINDS if k != "preamble")
