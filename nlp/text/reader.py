"""Read a report file (.txt, .html, .docx, .pdf) into one normalised string.

Whatever the format, the text goes through `normalize` last, so offsets computed downstream mean
the same thing for every input. Anything that is not a readable report raises `ReadError` naming
the file and the problem; see docs/normalisation.md for the decoding and table rules.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from nlp.text.normalize import normalize


@dataclass(frozen=True)
class Source:
    text: str                 # normalised text; all offsets refer to it
    path: str | None
    format: str               # "txt" | "html" | "docx" | "pdf"
    encoding: str | None      # codec that decoded the bytes; None for docx/pdf/str input
    warnings: tuple[str, ...] = ()


class ReadError(ValueError):
    """A file that cannot be read as a report; str() is '<path>: <reason>'."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = {".txt": "txt", ".text": "txt", ".htm": "html", ".html": "html", ".shtml": "html",
            ".docx": "docx", ".pdf": "pdf"}


def read(path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read, decode, extract and normalise one report file."""
    p = Path(path)
    data = _read_bytes(p, max_bytes)
    fmt = SUFFIXES.get(p.suffix.lower()) or _sniff_container(data)
    warnings: list[str] = []
    encoding = None
    if fmt == "docx":
        text = _docx_text(data, p)
    elif fmt == "pdf":
        text = _pdf_text(data, p, warnings)
    else:
        text, encoding = _decode(data, p, warnings)
        fmt = fmt or ("html" if _looks_like_html(text) else "txt")
        if fmt == "html":
            text = html_to_text(text)
    text = normalize(text)
    if not text:
        reason = ("no extractable text: it looks like a scanned PDF, so OCR is needed first"
                  if fmt == "pdf" else "no text left after normalisation (only whitespace or page furniture)")
        raise ReadError(p, reason)
    return Source(text, str(p), fmt, encoding, tuple(warnings))


def read_text(text: str, *, path: str | None = None, format: str = "txt") -> Source:
    """Normalise an in-memory string; format "html" parses it as HTML first. Never raises on
    empty input (the caller owns the string) but says so in the warnings."""
    if format == "html":
        text = html_to_text(text)
    text = normalize(text)
    return Source(text, path, format, None, () if text else ("no text left after normalisation",))


def decode(data: bytes, path) -> tuple[str, str]:
    """Decode report bytes; return (text, encoding). Raises ReadError for binary data."""
    return _decode(data, Path(path), [])


# --- bytes ---------------------------------------------------------------------------------

def _read_bytes(p: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing before reading anything that is missing, a folder or too big."""
    if not p.exists():
        raise ReadError(p, "file not found")
    if p.is_dir():
        raise ReadError(p, "is a directory, not a file")
    too_big = (f"over the size limit of {max_bytes:,} bytes; "
               f"if it really is one report, raise the limit (--max-size MB on the command line, "
               f"max_bytes= in Python)")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise ReadError(p, f"file is {size:,} bytes, {too_big}")
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise ReadError(p, f"cannot read file: {e.strerror or e}") from e
    if len(data) > max_bytes:  # grew after the size check
        raise ReadError(p, f"file is {too_big}")
    if not data:
        raise ReadError(p, "file is empty (0 bytes)")
    return data


def _sniff_container(data: bytes) -> str | None:
    """Format of a file with an unknown suffix when its magic bytes give it away."""
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    return None


def _looks_like_html(text: str) -> bool:
    return re.search(r"<(?:!doctype|html|head|body|table|div)\b", text[:1024], re.IGNORECASE) is not None


# --- decoding ------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_GB_ALIASES = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "gb18030"}
# Each standard orders its hanzi by frequency: GB2312 level 1 (3755 characters) and Big5's
# "frequently used" block (5401). Right decodings land there; mis-decodings scatter outside.
_FREQUENT = {"gb18030": ("gb2312", 0xB0A1, 0xD7FE), "big5": ("big5", 0xA440, 0xC67E),
             "cp950": ("big5", 0xA440, 0xC67E)}
_SCORED_CHARS = 20_000  # plenty to tell encodings apart; keeps 20 MB files fast
_NEUTRAL = re.compile(r"[\x00-\x7f\u2000-\u206f\u3000-\u303f\uff00-\uffef]")


def _decode(data: bytes, p: Path, warnings: list[str]) -> tuple[str, str]:
    """Decoding procedure of docs/normalisation.md: BOM, UTF-8, <meta charset>, GB18030 or Big5."""
    bom = next((enc for mark, enc in _BOMS if data.startswith(mark)), None)
    if bom:
        decoded = _try(data, bom)
        if decoded is None:
            raise ReadError(p, f"starts with a {bom} byte-order mark but is not valid {bom}")
        encoding = bom
    else:
        if b"\x00" in data[:8192]:
            legacy = " (an old .doc/.xls/.wps file? save it as .docx)" if data.startswith(b"\xd0\xcf\x11\xe0") else ""
            raise ReadError(p, f"binary file: NUL bytes found, this is not text{legacy}")
        encoding, decoded, note = _detect(data, p)
        if note:
            warnings.append(note)
    text, dropped = decoded
    if dropped:
        warnings.append(f"file ends in the middle of a character; dropped its last {dropped} byte(s)")
    return text, encoding


def _detect(data: bytes, p: Path) -> tuple[str, tuple[str, int], str | None]:
    """(encoding, decoded, warning) for bytes without a BOM."""
    if decoded := _try(data, "utf-8"):
        return "utf-8", decoded, None
    declared = _declared_charset(data)
    if declared and (decoded := _try(data, declared)):
        return declared, decoded, f"not UTF-8; decoded as {declared}, the charset its <meta> tag declares"
    candidates = {enc: d for enc in ("gb18030", "big5", "cp950") if (d := _try(data, enc))}
    if "big5" in candidates:
        del candidates["cp950"]  # cp950 (Big5 + ETEN: 裏, 碁) only where plain Big5 fails
    if not candidates:
        raise ReadError(p, "cannot decode: not valid UTF-8, GB18030 or Big5 text (binary file or another encoding)")
    encoding = max(candidates, key=lambda enc: (_frequent_score(candidates[enc][0][:_SCORED_CHARS], enc),
                                                enc == "gb18030"))
    return encoding, candidates[encoding], (f"not UTF-8; encoding detected as {encoding}, not certain: "
                                           f"check the text if it looks garbled")


def _try(data: bytes, encoding: str) -> tuple[str, int] | None:
    """Strict decoding that forgives only a character cut off at the very end (truncated
    downloads): (text, number of dropped bytes), or None when the bytes are not this encoding."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None
    return text, len(decoder.getstate()[0])


def _declared_charset(data: bytes) -> str | None:
    """Codec named by an HTML <meta charset>, with GB2312/GBK widened to their superset GB18030."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    if name in _GB_ALIASES:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _frequent_score(text: str, encoding: str) -> int:
    """+1 for each hanzi in the encoding's frequent block, -1 for each other non-punctuation
    character (rare hanzi, kana, Cyrillic, private use): high for the right decoding only."""
    codec, low, high = _FREQUENT[encoding]
    score = 0
    for ch in text:
        if _NEUTRAL.match(ch):
            continue
        try:
            code = int.from_bytes(ch.encode(codec), "big")
        except UnicodeEncodeError:
            code = 0
        score += 1 if low <= code <= high else -1
    return score


# --- HTML ----------------------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "select", "button", "textarea",
              "object", "embed", "svg", "head", "title"}
_FURNITURE_TAGS = {"nav", "header", "footer", "aside", "form"}
_FURNITURE_ATTR = re.compile(r"share|fenxiang|print|dayin|breadcrumb|crumb|footer|(?<![a-z])nav|menu")
_BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "main", "header", "footer", "aside", "nav", "form", "fieldset",
               "blockquote", "pre", "address", "center", "figure", "figcaption", "hr", "table", "caption",
               "thead", "tbody", "tfoot", "tr", "td", "th", "body", "html"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SOURCE_SPACE = re.compile(r"[ \t\r\n\f]+")
_SOFT_BREAK = "\x01"  # stands for a source line break until _render decides what it becomes
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SOFT_BREAK = re.compile(f"(?<=[{_WIDE}])[ {_SOFT_BREAK}]*{_SOFT_BREAK}[ {_SOFT_BREAK}]*(?=[{_WIDE}])")
_LAYOUT_CELL_CHARS = 200  # a table cell longer than this holds prose: the table is page layout


def html_to_text(html: str) -> str:
    """Visible text of a page with one line per block and one " | "-joined line per table row.

    Page furniture (scripts, menus, share/print bars, footers) is dropped, except that an element
    holding the report (an <h1>, or a third of the page's Chinese text) is always kept.
    """
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    return _render(_pieces(root, len(_CJK.findall(root.text(deep=True)))))


def _pieces(root: LexborNode, page_cjk: int) -> list[str]:
    """Text pieces of `root` in document order, with a newline at each block edge. Iterative,
    because broken pages can nest thousands of unclosed elements."""
    out: list[str] = []
    stack: list[LexborNode | str] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            out.append(node)
            continue
        tag = node.tag
        if tag == "-text":
            out.append(_SOURCE_SPACE.sub(lambda m: _SOFT_BREAK if "\n" in m[0] else " ", node.text_content or ""))
        elif tag == "br":
            out.append("\n")
        elif tag.startswith("-") or tag in _SKIP_TAGS or _is_furniture(node, page_cjk):
            continue
        elif tag == "table" and not _is_layout_table(node):
            out.extend(f"\n{row}\n" for row in _table_rows(node, page_cjk))
        else:
            edge = "\n" if tag in _BLOCK_TAGS else ""
            stack.append(edge)
            stack.extend(reversed(list(node.iter(include_text=True))))
            out.append(edge)
    return out


def _render(pieces: list[str]) -> str:
    """Browser-like whitespace: a source line break between two Chinese characters vanishes
    (CSS segment-break rule), other source whitespace runs become one space, and lines are
    separated by exactly one newline."""
    text = _CJK_SOFT_BREAK.sub("", "".join(pieces))
    text = re.sub(f"[ {_SOFT_BREAK}]+", " ", text)
    return re.sub(r" ?\n[ \n]*", "\n", text)


def _is_furniture(node: LexborNode, page_cjk: int) -> bool:
    attrs = node.attributes
    marked = node.tag in _FURNITURE_TAGS or _FURNITURE_ATTR.search(
        f"{attrs.get('id') or ''} {attrs.get('class') or ''}".lower())
    if not marked:
        return False
    holds_report = (node.css_first("h1") is not None
                    or 3 * len(_CJK.findall(node.text(deep=True))) >= page_cjk > 0)
    return not holds_report


def _is_layout_table(table: LexborNode) -> bool:
    """A table used to lay out the page (it holds another table or prose-length cells)."""
    if len(table.css("table")) > 1:  # css() matches the table itself too
        return True
    return any(len(cell.text(deep=True)) > _LAYOUT_CELL_CHARS for cell in table.css("td, th"))


def _table_rows(table: LexborNode, page_cjk: int) -> list[str]:
    """The caption, then one " | "-joined line per row of a data table (it holds no nested table)."""
    rows = [_render(_pieces(caption, page_cjk)).replace("\n", " ").strip() for caption in table.css("caption")]
    for tr in table.css("tr"):
        cells = [_render(_pieces(cell, page_cjk)).replace("\n", " ").strip()
                 for cell in tr.iter() if cell.tag in ("td", "th")]
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


# --- DOCX ----------------------------------------------------------------------------------

def _docx_text(data: bytes, p: Path) -> str:
    """Body paragraphs and table rows in document order (headers and footers are furniture)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        stack = list(reversed(list(document.element.body.iterchildren())))
        while stack:
            element = stack.pop()
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(Paragraph(element, document).text)
            elif tag == "tbl":
                lines.extend(_docx_table_rows(Table(element, document)))
            elif tag in ("sdt", "sdtContent"):  # content controls wrap ordinary paragraphs
                stack.extend(reversed(list(element.iterchildren())))
    except Exception as e:  # python-docx raises zip, XML and key errors alike on damaged files
        raise ReadError(p, f"not a readable .docx file (damaged, or not Word 2007+): {type(e).__name__}: {e}") from e
    return "\n".join(lines)


def _docx_table_rows(table) -> list[str]:
    """One " | "-joined line per row, one entry per physical cell (merged cells are not
    repeated); a nested table's rows follow the row that holds it."""
    from docx.table import Table, _Cell

    rows: list[str] = []
    for tr in table._tbl.tr_lst:
        cells = [_Cell(tc, table) for tc in tr.tc_lst]
        texts = [" ".join(cell.text.split()) for cell in cells]
        if any(texts):
            rows.append(" | ".join(texts))
        for cell in cells:
            for tbl in cell._tc.tbl_lst:
                rows.extend(_docx_table_rows(Table(tbl, cell)))
    return rows


# --- PDF -----------------------------------------------------------------------------------

def _pdf_text(data: bytes, p: Path, warnings: list[str]) -> str:
    try:
        import pdfplumber
    except ImportError:
        raise ReadError(p, "reading PDF needs the optional pdfplumber package: "
                           "pip install 'gov-disclosure-nlp[pdf]'") from None
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as e:  # pdfminer raises many unrelated types on damaged or encrypted files
        raise ReadError(p, f"not a readable PDF (damaged or encrypted): {type(e).__name__}: {e}") from e
    blank = sum(not page.strip() for page in pages)
    if 0 < blank < len(pages):
        warnings.append(f"{blank} of {len(pages)} PDF pages have no extractable text (scanned? OCR them)")
    return "\n".join(pages)
