"""Reader and normaliser on real report text: the five seed reports and corpus passages."""

from __future__ import annotations

import codecs
import importlib.util
import io
import json
import random
import sys
import time
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.text.normalize import DEBRIS_PATTERNS, normalize
from nlp.text.reader import DEFAULT_MAX_BYTES, ReadError, decode, read, read_text

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpora" / "samples").glob("*.txt"))
EXCERPTS = ROOT.parent / "shared" / "corpus" / "excerpts.jsonl"
DEBRIS = ("浏览次数", "阅读次数", "扫一扫在手机打开当前页", "点击下载此文件", "字体:【")
HAS_PDFPLUMBER = importlib.util.find_spec("pdfplumber") is not None


@pytest.fixture(scope="module")
def passages() -> list[str]:
    if not EXCERPTS.exists():
        pytest.skip(f"shared corpus not found at {EXCERPTS} (it lives beside the repository checkout)")
    return [json.loads(line)["text"] for line in EXCERPTS.read_text(encoding="utf-8").splitlines()]


def seed_text(name: str) -> str:
    return next(p for p in SEEDS if p.name.startswith(name)).read_text(encoding="utf-8")


def lines(text: str) -> list[str]:
    return text.split("\n")


# --- normalize ---------------------------------------------------------------------------------

@pytest.mark.parametrize("before, after", [
    ("一、总体情况\r\n（一）主动公开\r二、主动公开", "一、总体情况\n（一）主动公开\n二、主动公开"),
    ("\ufeff政府\u200b信息\x07公开", "政府信息公开"),
    ("行政许可\t0\u00a0\u00a00", "行政许可 0  0"),
    ("\u3000\u3000一、总体情况\u3000 ", "一、总体情况"),
    ("无。\n\n点击下载此文件", "无。"),
    ("来源:插旗镇   2024-03-07 15:01\n浏览量:1 | | | |\n一、总体情况", "来源:插旗镇   2024-03-07 15:01\n一、总体情况"),
    ("\n\n一、总体情况\n\n\n\n二、主动公开政府信息情况\n\n", "一、总体情况\n\n二、主动公开政府信息情况"),
    ("[bookmark: _GoBack]1．健全机制，增强服务意识。", "1．健全机制，增强服务意识。"),
])
def test_normalize_rules(before, after):
    assert normalize(before) == after


@pytest.mark.parametrize("line", [
    "2023-01-13 15:53文章来源: 机关事务管理局",      # metadata without furniture
    "文化和旅游部政府信息公开工作2021年度报告 二维码",  # a title is never dropped
    "截止2009年底,水利部门户网站累计访问量4746万人次,其中2009年度1499万人次。",
    "网站总访问量:351599人次",
    "• 发文字号:",
    "（三）不予公开",
])
def test_report_lines_are_not_debris(line):
    assert normalize(line) == line


def test_debris_patterns_are_one_tuple_of_compiled_regexes():
    assert isinstance(DEBRIS_PATTERNS, tuple) and all(hasattr(p, "fullmatch") for p in DEBRIS_PATTERNS)


REPORT_LINES = [line for p in SEEDS for line in p.read_text(encoding="utf-8").splitlines()[:40]] + [
    "字体:【    】 打印", "浏览次数:", "扫一扫在手机打开当前页", "\u3000\u3000", "\r", "[bookmark: _GoBack]"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(), st.sampled_from(REPORT_LINES)), max_size=12), st.sampled_from(["\n", "\r\n", "\r", ""]))
def test_normalize_is_idempotent_and_canonical(parts, sep):
    once = normalize(sep.join(parts))
    assert normalize(once) == once
    assert "\r" not in once and "\n\n\n" not in once and once == once.strip()
    assert all(line == line.strip() for line in lines(once))


# --- seeds -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_reads_clean(path):
    src = read(path)
    assert (src.format, src.encoding, src.warnings, src.path) == ("txt", "utf-8", (), str(path))
    assert "政府信息公开" in src.text[:200] and len(src.text) > 2000
    assert not [d for d in DEBRIS if d in src.text]
    assert normalize(src.text) == src.text


def test_seed_keeps_metadata_drops_furniture():
    text = read(next(p for p in SEEDS if p.name.startswith("003"))).text
    assert "2023-01-13 15:53文章来源: 机关事务管理局" in lines(text)
    assert "字体:【    】 打印" not in text and not text.endswith("浏览次数:")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_gbk_seed_round_trips(path, tmp_path):
    # GB18030 is GBK plus four-byte codes for what GBK lacks (here only "•" and NBSP).
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    src = read(gbk)
    assert src.encoding == "gb18030" and src.text == read(path).text
    assert any("detected" in w for w in src.warnings)


def test_big5_traditional_passage(passages, tmp_path):
    traditional = [t for t in passages if "開" in t and _encodable(t, "big5")]
    assert len(traditional) >= 5
    for i, text in enumerate(traditional):
        path = tmp_path / f"big5_{i}.txt"
        path.write_bytes(text.encode("big5"))
        src = read(path)
        assert src.encoding == "big5" and src.text == normalize(text)


def test_short_gbk_passages_are_not_taken_for_big5(passages):
    """Detectors guess wrong on short texts that happen to be valid Big5 too."""
    starts = [t[:n] for t in passages for n in (10, 30) if not t[:n].isascii() and _encodable(t[:n], "gbk")]
    ambiguous = [s for s in starts if _encodable_bytes(s.encode("gbk"), "big5")]
    assert len(ambiguous) > 50
    for s in ambiguous:
        assert decode(s.encode("gbk"), "x.txt") == (s, "gb18030")


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _encodable_bytes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


# --- other byte encodings ------------------------------------------------------------------------

SAMPLE = "城口县人民政府机关\n2020年政府信息公开工作年度报告\n一、总体情况\n无。"


@pytest.mark.parametrize("data, encoding", [
    (b"\xef\xbb\xbf" + SAMPLE.encode(), "utf-8-sig"),
    (SAMPLE.replace("\n", "\r\n").encode(), "utf-8"),
    (SAMPLE.encode("utf-16"), "utf-16"),
    (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16"),
])
def test_bom_crlf_and_utf16(data, encoding, tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    src = read(path)
    assert (src.text, src.encoding, src.warnings) == (SAMPLE, encoding, ())


def test_character_cut_at_end_of_file_is_dropped_with_warning(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(SAMPLE.encode()[:-2])  # "无。" loses the last byte of "。"
    src = read(path)
    assert src.encoding == "utf-8" and src.text == SAMPLE[:-1]
    assert any("middle of a character" in w for w in src.warnings)


# --- HTML ---------------------------------------------------------------------------------------

COUNTS = [("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "0", "0", "0"), ("行政规范性文件", "15", "0", "102")]


def report_page(paragraphs: list[str], charset: str = "utf-8") -> str:
    rows = "".join("<tr>" + "".join(f"<td><p>{c}</p></td>" for c in row) + "</tr>\n" for row in COUNTS)
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs[2:])
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>年报</title>
<script>var tracker = "统计脚本";</script><style>p {{ margin: 0 }}</style></head><body>
<nav><a href="/">网站地图</a> <a href="/hd">互动交流</a></nav>
<header><h1>{paragraphs[0]}</h1></header>
<div class="breadcrumb">当前位置：首页 &gt; 公开年报</div>
<div class="TRS_Editor"><p>{paragraphs[1]}</p>
<table border="1"><tbody>{rows}</tbody></table>
{body}</div>
<div class="bdsharebuttonbox">分享到：微信 微博</div><footer>主办单位：城口县人民政府办公室</footer>
</body></html>"""


@pytest.fixture(scope="module")
def seed_paragraphs() -> list[str]:
    return [line for line in lines(read(SEEDS[4]).text) if "|" not in line][:12]


def test_html_table_rows_stay_on_their_own_lines(seed_paragraphs, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(report_page(seed_paragraphs), encoding="utf-8")
    src = read(path)
    got = lines(src.text)
    assert (src.format, src.encoding) == ("html", "utf-8")
    assert got[0] == seed_paragraphs[0] and got[1] == seed_paragraphs[1]  # <h1> inside <header> kept
    assert got[2:5] == [" | ".join(row) for row in COUNTS]
    assert got[5:] == seed_paragraphs[2:]
    for furniture in ("统计脚本", "margin", "网站地图", "当前位置", "分享到", "主办单位", "<"):
        assert furniture not in src.text
    assert read_text(path.read_text(encoding="utf-8"), format="html").text == src.text


def test_html_meta_charset_gb2312(seed_paragraphs, tmp_path):
    path = tmp_path / "gb.htm"
    path.write_bytes(report_page(seed_paragraphs, charset="gb2312").encode("gbk"))
    src = read(path)
    assert src.encoding == "gb18030" and seed_paragraphs[-1] in src.text
    assert any("<meta>" in w for w in src.warnings)


def test_truncated_html_still_yields_text(seed_paragraphs, tmp_path):
    page = report_page(seed_paragraphs)
    cut = page[: page.index(seed_paragraphs[6]) + 10] + '<span class="x'  # cut mid-tag
    path = tmp_path / "cut.shtml"
    path.write_text(cut, encoding="utf-8")
    text = read(path).text
    assert seed_paragraphs[5] in lines(text) and text.endswith(seed_paragraphs[6][:10])


def test_layout_table_keeps_paragraphs_apart(seed_paragraphs):
    data_table = "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in COUNTS) + "</table>"
    article = "".join(f"<p>{p}</p>" for p in seed_paragraphs[2:8])
    page = f"<table><tr><td>城口县人民政府门户网站</td></tr><tr><td>{article}{data_table}</td></tr></table>"
    got = lines(read_text(page, format="html").text)
    assert got == ["城口县人民政府门户网站", *seed_paragraphs[2:8], *(" | ".join(row) for row in COUNTS)]


def test_page_wrapped_in_a_form_is_kept(seed_paragraphs):
    """ASP.NET sites put the whole page in one <form>: furniture tags never take the report along."""
    page = "<form id='form1'>" + "".join(f"<p>{p}</p>" for p in seed_paragraphs) + "<div class='menu'>网站地图</div></form>"
    assert lines(read_text(page, format="html").text) == seed_paragraphs


def test_table_caption_is_kept():
    page = "<table><caption>（一）主动公开</caption><tr><td>规章</td><td>0</td></tr></table>"
    assert read_text(page, format="html").text == "（一）主动公开\n规章 | 0"


def test_html_source_line_breaks_inside_chinese_text_vanish():
    page = "<p>我镇高度重视政府信息\n    公开工作，全年公开\n<b>信息</b> 108 条。</p><p>Open\nGovernment</p>"
    assert read_text(page, format="html").text == "我镇高度重视政府信息公开工作，全年公开信息 108 条。\nOpen Government"


# --- DOCX ---------------------------------------------------------------------------------------

def make_docx(path: Path, paragraphs: list[str]) -> None:
    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    document.add_paragraph(paragraphs[1])
    table = document.add_table(rows=len(COUNTS), cols=len(COUNTS[0]))
    for r, row in enumerate(COUNTS):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    for p in paragraphs[2:]:
        document.add_paragraph(p)
    document.save(path)


def test_docx_paragraphs_and_table_in_order(seed_paragraphs, tmp_path):
    path = tmp_path / "report.DOCX"
    make_docx(path, seed_paragraphs)
    src = read(path)
    assert (src.format, src.encoding) == ("docx", None)
    assert lines(src.text) == [*seed_paragraphs[:2], *(" | ".join(row) for row in COUNTS), *seed_paragraphs[2:]]


def test_docx_merged_cells_are_not_repeated(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "申请人情况"
    table.cell(0, 2).text = "总计"
    for c, value in enumerate(("自然人", "法人或其他组织", "总计")):
        table.cell(1, c).text = value
    path = tmp_path / "merged.docx"
    document.save(path)
    assert read(path).text == "申请人情况 | 总计\n自然人 | 法人或其他组织 | 总计"


def test_corrupt_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(ReadError, match="broken.docx: not a readable .docx"):
        read(path)


# --- PDF ----------------------------------------------------------------------------------------

def tiny_pdf(text_lines: list[str]) -> bytes:
    """A one-page PDF using Adobe's predefined Chinese font (nothing embedded, no extra deps)."""
    ops = "".join(f"<{line.encode('utf-16-be').hex()}> Tj 0 -20 Td " for line in text_lines)
    content = f"BT /F1 12 Tf 72 770 Td {ops}ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] /ItalicAngle 0"
        b" /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@pytest.mark.skipif(not HAS_PDFPLUMBER, reason="pdfplumber (optional extra [pdf]) not installed")
def test_pdf_text_and_scanned_pdf(seed_paragraphs, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(tiny_pdf(seed_paragraphs[:3]))
    src = read(path)
    assert (src.format, src.encoding, lines(src.text)) == ("pdf", None, seed_paragraphs[:3])
    path.write_bytes(tiny_pdf([]))
    with pytest.raises(ReadError, match="OCR"):
        read(path)
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(1, 256)))
    with pytest.raises(ReadError, match="not a readable PDF"):
        read(path)


@pytest.mark.skipif(not HAS_PDFPLUMBER, reason="pdfplumber (optional extra [pdf]) not installed")
def test_pdf_lines_wrapped_by_the_page_are_joined(tmp_path):
    # a seed's long paragraph set on a page 26-28 characters wide, as a PDF does, choosing a width at which
    # no line happens to end a sentence
    paragraph = max((line for line in lines(read(SEEDS[0]).text) if "|" not in line), key=len)
    assert len(paragraph) > 150
    for width in range(26, 40):
        wrapped = [paragraph[i:i + width] for i in range(0, len(paragraph), width)]
        if not any(w[-1] in "。！？；：;:" or w[0] in "一二三四五六七八九十(（" for w in wrapped[:-1]):
            break
    path = tmp_path / "report.pdf"
    path.write_bytes(tiny_pdf(["某局2022年政府信息公开工作年度报告"] + wrapped))
    assert read(path).text == "某局2022年政府信息公开工作年度报告\n" + paragraph
    # the page's number between two lines of one sentence is furniture: dropped, and the sentence joined
    path.write_bytes(tiny_pdf(["某局2022年政府信息公开工作年度报告"] + wrapped[:3] + ["- 1 -"] + wrapped[3:]))
    assert read(path).text == "某局2022年政府信息公开工作年度报告\n" + paragraph


def test_pdf_without_pdfplumber_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pdfplumber", None)  # makes `import pdfplumber` fail
    path = tmp_path / "report.pdf"
    path.write_bytes(tiny_pdf(["年度报告"]))
    with pytest.raises(ReadError, match=r"pip install 'gov-disclosure-nlp\[pdf\]'"):
        read(path)


# --- errors and sniffing ------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b" \r\n\t\xe3\x80\x80\n", "no text left"),
    ("浏览次数:\n扫一扫在手机打开当前页".encode(), "no text left"),
    (random.Random(0).randbytes(10_000) + b"\x00", "binary"),
    (bytes(range(0x80, 0x100)) * 4, "cannot decode"),
])
def test_unreadable_files(data, message, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(ReadError, match=message) as err:
        read(path)
    assert str(err.value).startswith(f"{path}: ") and err.value.path == str(path)


def test_oversized_file_is_refused_without_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: instant to make
    start = time.perf_counter()
    with pytest.raises(ReadError, match="size limit") as err:
        read(path)
    assert time.perf_counter() - start < 1
    assert f"{50 * 1024 * 1024:,}" in err.value.reason and f"{DEFAULT_MAX_BYTES:,}" in err.value.reason
    assert "max_bytes" in err.value.reason


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ReadError, match="not found"):
        read(tmp_path / "nope.txt")
    with pytest.raises(ReadError, match="directory"):
        read(tmp_path)


@pytest.mark.parametrize("suffix, expected", [("", "txt"), (".dat", "html"), (".bin", "docx"), (".xyz", "pdf")])
def test_unknown_suffix_is_sniffed(suffix, expected, seed_paragraphs, tmp_path):
    if expected == "pdf" and not HAS_PDFPLUMBER:
        pytest.skip("pdfplumber (optional extra [pdf]) not installed")
    path = tmp_path / f"report{suffix}"
    if expected == "docx":
        make_docx(path, seed_paragraphs)
    elif expected == "pdf":
        path.write_bytes(tiny_pdf(seed_paragraphs[:2]))
    else:
        page = report_page(seed_paragraphs) if expected == "html" else "\n".join(seed_paragraphs)
        path.write_text(page, encoding="utf-8")
    src = read(path)
    assert src.format == expected and lines(src.text)[0] == seed_paragraphs[0]


def test_read_text_never_raises_on_empty_input():
    src = read_text("  \n浏览次数:\n")
    assert (src.text, src.path, src.format, src.encoding) == ("", None, "txt", None) and src.warnings


def test_hard_wrapped_pdf_text_is_joined_into_sentences():
    from nlp.text.normalize import normalize
    from nlp.text.document import Document

    reports = {json.loads(l)["id"]: json.loads(l)["text"]
               for l in open(Path(__file__).parents[1] / "corpora/corpus/reports.jsonl", encoding="utf-8")}
    text = read_text(reports["ex-ae9be8b4d99f"]).text  # a flip-book page of a 2022 report, wrapped at ~27 characters
    assert "业务骨干以兼职为主,队伍建设整体不够稳定" in text and normalize(text) == text
    assert "行政复议 行政诉讼\n未经复议直接起诉" in text  # a flattened table is not prose: left alone
    segments = [s.text for s in Document.from_text(reports["ex-ae9be8b4d99f"]).segments]
    assert "政府信息公开工作业务骨干以兼职为主,队伍建设整体不够稳定,且法律、互联网及相关业务领域专业人员配备不足;" in segments
    # a title line and the metadata under it are not a wrapped sentence
    title = read_text(reports["ex-9a7cfc6bc337"]).text
    assert "楚门镇2014年政府信息公开年度报告\n" in title


def test_pinyin_left_by_ruby_annotations_is_removed():
    reports = {json.loads(l)["id"]: json.loads(l)["text"]
               for l in open(Path(__file__).parents[1] / "corpora/corpus/reports.jsonl", encoding="utf-8")}
    raw = reports["hv-23cde6a30aa3"]  # a 2017 page whose characters carry their pinyin: 發(fā)布時(shí)間
    assert "發(fā)布時(shí)間" in raw
    text = read_text(raw).text
    assert "發布時間:2017-12-12" in text and "(fā)" not in text
    assert read_text("详见附件(a)和(b)。").text == "详见附件(a)和(b)。"  # no tone mark: not pinyin
