"""Who issued a report and for which year: from metadata when given, else parsed from its title.

Year-over-year measures pair reports of the same issuing body in consecutive
years, so both must be known. Collections such as ``shared/corpus`` carry them
as metadata (``agency``, ``year``, ``level``); a bare report file has only its
title line, e.g. ``华容县插旗镇人民政府2023年政府信息公开工作年度报告`` (body
华容县插旗镇人民政府, report year 2023). Every value records where it came from,
so a researcher can drop parsed values or audit them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# "<body><year>年[度]<政府信息公开|政务公开|信息公开>[工作][年度]报告"; the body may be on the line before.
_TITLE = re.compile(
    r"(?P<body>[\u4e00-\u9fff（）()·]*?)\s*(?P<year>(?:19|20)\d\d)\s*年\s*度?\s*"
    r"(?:的)?(?:政府信息公开|政务公开|信息公开|政府信息與政務公開|政府信息公開)(?:工作)?(?:年度)?(?:报告|報告)")
_BODY_LINE = re.compile(r"^[\u4e00-\u9fff（）()·]{2,40}$")
_NOT_BODY = re.compile(r"^(本|根据|按照|现将|现公布|特向|为|关于|各|我|由)|(编制的?|关于做好|做好|编制了|公布)$")
_LABEL = re.compile(r"^(?:标\s*题|中文名|题\s*目|名\s*称)\s*[:：|｜]?|[|｜]")
TITLE_LINES = 15
MAX_TITLE_CHARS = 60  # a title is a short line; a year-report name inside a sentence is not one


@dataclass
class ReportIdentity:
    """Issuing body, report year and level of one report, each with its source (``meta``, ``title`` or None)."""

    body: str | None = None
    year: int | None = None
    level: str | None = None
    title: str | None = None
    body_source: str | None = None
    year_source: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def normalise_body(name: str | None) -> str | None:
    """Body name as a matching key: no spaces, full-width brackets folded."""
    if not name:
        return None
    name = re.sub(r"\s+", "", str(name)).replace("（", "(").replace("）", ")")
    return name or None


def parse_title(text: str) -> tuple[str | None, int | None, str | None]:
    """(body, year, title line) from the first lines of a report; None where not found."""
    lines = [line.strip() for line in text.split("\n")[:TITLE_LINES * 3] if line.strip()][:TITLE_LINES]
    for i, line in enumerate(lines):
        line = _LABEL.sub(" ", line).strip()
        m = _TITLE.search(line)
        if not m or len(line) > MAX_TITLE_CHARS:
            continue
        body = m.group("body")
        if len(body) < 2 and i > 0 and _BODY_LINE.match(lines[i - 1]) and not _NOT_BODY.match(lines[i - 1]):
            body = lines[i - 1]  # 城口县人民政府机关 / 2020年政府信息公开工作年度报告
        if len(body) < 2 or _NOT_BODY.match(body):
            body = None
        return normalise_body(body), int(m.group("year")), line
    return None, None, None


def identify(text: str, meta: dict | None = None) -> ReportIdentity:
    """Body and year from ``meta`` (``agency`` or ``body``; ``year``), each missing one from the title."""
    meta = meta or {}
    ident = ReportIdentity(level=meta.get("level") or None)
    body = normalise_body(meta.get("agency") or meta.get("body"))
    if body:
        ident.body, ident.body_source = body, "meta"
    if meta.get("year") not in (None, ""):
        ident.year, ident.year_source = int(meta["year"]), "meta"
    if ident.body is None or ident.year is None:
        title_body, title_year, title = parse_title(text)
        ident.title = title
        if ident.body is None and title_body:
            ident.body, ident.body_source = title_body, "title"
        if ident.year is None and title_year:
            ident.year, ident.year_source = title_year, "title"
    return ident
