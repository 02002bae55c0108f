"""Text normalisation shared by every input format.

Every character offset in the toolkit points into the string `normalize` returns, so the rules
are fixed, applied in one order and documented in docs/normalisation.md. Changing a rule moves
stored offsets: change the code, that document and the tests together.
"""

from __future__ import annotations

import re

# Rule 1: line boundaries. Besides CR LF and CR, the other separators str.splitlines() honours
# become "\n" too, so a form feed between pages cannot glue two lines together in rule 2.
_LINE_BREAK = re.compile(r"\r\n|[\r\v\f\x1c-\x1e\x85\u2028\u2029]")

# Rule 2: characters with no visible content, and space separators other than U+3000.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_SPACE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f]")
# Word bookmark anchors left by docx-to-text converters, e.g. "[bookmark: _GoBack]1．健全机制".
_BOOKMARK = re.compile(r"\[bookmark: [^\]\n]*\]")
# Pinyin that a page's ruby annotations leave after a character when flattened: 發(fā)布時(shí)間 → 發布時間.
# A tone mark is required, so that a bracketed Latin word stays.
_TONE = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_RUBY_PINYIN = re.compile(rf"(?<=[\u4e00-\u9fff])\([a-zü]{{0,5}}[{_TONE}][a-zü]{{0,5}}\)")

# Rule 4: page furniture. Each pattern must match a whole (stripped) line.
_SENTENCE = "。，,；;！!？"


def _bar(token: str) -> str:
    """A page's metadata/tool bar: a line holding `token`, with no sentence punctuation and no
    report title in it (a title with a toolbar glued on is kept whole rather than lost)."""
    free = f"[^{_SENTENCE}]{{0,150}}"
    return rf"(?!.*[报報]告){free}?(?:{token}){free}"


_COUNTER = r"(?<![总計计均高])(?:浏览|阅读|访问|点击)(?:次数|量|数)?\s*[:：]"
_FONT_SIZE = r"(?<!发文)字[体号](?:大小)?\s*[:：]|大\s+中\s+小|【大】\s*【中】\s*【小】"
_TOOLBAR = (r"打印本页|打印本文|关闭本页|关闭窗口|【打印】|【关闭】|收藏此页|加入收藏|设为首页"
            r"|视力保护色|背景色\s*[:：]|分享到|分享\s*[:：]")
_TOOL_WORD = r"(?:打印|关闭|收藏|分享|纠错|返回顶部|保存为word|听全文|正文复制)(?:本页|此页|本文|正文|窗口|到)?"
_SITE_WORD = (r"无障碍(?:浏览|版)?|长者(?:模式|版|助手)|关怀版|退出老年人模式|简体(?:中文|版)?"
              r"|繁[体體](?:中文|版)?|English|EN|登录|注册|退出|个人中心|智能问答|支持IPv6|手机版")
_SEP = r"[\s【】\[\]|•·:：]*"

DEBRIS_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    # metadata bars carrying a view counter, font-size switch or share/print/close buttons:
    # "发布时间:2014-03-27 00:00 阅读次数:", "浏览量:1 | | | |", "字体:【    】 打印"
    _bar(_COUNTER), _bar(_FONT_SIZE), _bar(_TOOLBAR),
    # lines made only of tool buttons: "【打印本页】 【关闭本页】 |", "• 打印", "纠错 纠错"
    rf"{_SEP}(?:{_TOOL_WORD}{_SEP})+",
    # accessibility / language / login switches: "无障碍 | 长者版", "简体 | 繁体"
    rf"{_SEP}(?:(?:{_SITE_WORD}){_SEP})+",
    r"[扫掃]一[扫掃]在手[机機](?:上)?(?:打开|打開|查看|阅读|閱讀)[当當]前[页頁]面?",
    r"(?:点击)?下载此文件",
    r"用微信扫描二维码分享至好友和朋友圈",
    r"[上下]一[篇条]\s*[:：]?.{0,100}",
    r"相[关關](?:链接|鏈接|文章|阅读|閱讀|新闻|新聞|词条|詞條)\s*[:：]?|热门词条|熱門詞條",
    # breadcrumbs: "您当前的位置:首页 > 区司法局 > 政府信息公开 > 年度报告", "> 信息公开年报"
    r"(?:\d+\.\s*)?(?:(?:您|你)(?:当前|现在)?|当前|现在)(?:所在|所处)?的?位置\s*[:：][^。]{0,200}",
    r"(?:\d+\.\s*)?(?:网站)?首页(?:\s*(?:>|»|/|›)[^。]{0,200})?",
    r"(?:>|»)[^。，,]{0,200}",
    # search box and site greeting
    r"选择特殊符号|选择搜索类型|请输入搜索(?:内容|关键[字词])?|站内搜索\s*[:：]?|搜索|热门搜词|热搜词\s*[:：].{0,100}",
    r"(?:(?:您|你)好[,，!！]?\s*)?欢迎您?(?:访问|来到|光临|登录)[^。]{0,60}",
    r"今天是\s*[:：]?[^。，,]{0,30}",
    # footer registration numbers, unrendered page templates, document-viewer page markers
    r".{0,40}(?:公网安备|ICP备|ICP证|网站标识码).{0,40}",
    r"\{\{.*\}\}",
    r"Page \d+ - .{0,80}|P\. \d+",
    # a PDF page's number on a line of its own: "- 3 -", "—3—", "第 3 页", "第3页 共12页", "共12页 第3页"
    r"[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|共\s*\d{1,3}\s*页\s*第\s*\d{1,3}\s*页",
))


# One alternation is checked per line: far faster than trying the patterns one by one.
_ANY_DEBRIS = re.compile("|".join(f"(?:{p.pattern})" for p in DEBRIS_PATTERNS))


def is_debris(line: str) -> bool:
    """True when a stripped line is page furniture (matches one of DEBRIS_PATTERNS whole)."""
    return _ANY_DEBRIS.fullmatch(line) is not None


# Rule 6: text hard-wrapped by a PDF or a flip-book page (…业务骨干以兼职 / 为主，队伍建设…): a full-width line
# that stops mid-sentence is joined to the line that continues it.
_WRAP_MIN_WIDTH = 30  # display columns (a Chinese character is two)
_CONTINUES = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf，、,]")
_SENTENCE_OVER = re.compile(r"[。！？!?；;：:”’」』)）】]$")
_ITEM_START = re.compile(r"^([(（]?[一二三四五六七八九十\d]{1,3}[)）、.．]|[一二三四五六七八九十]是|第[一二三四五六七八九十]+|[①-⑳])")


def _width(line: str) -> int:
    """Display columns: a character of three or more UTF-8 bytes (Chinese, full-width) takes two."""
    return (len(line.encode("utf-8")) + len(line)) // 2


def _wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped text breaks its lines at: the commonest width of its long prose lines,
    when at least four lines and two in five of them share it (within two columns)."""
    widths = sorted(w for line in lines if len(line) >= _WRAP_MIN_WIDTH // 2 and " " not in line
                    and (w := _width(line)) >= _WRAP_MIN_WIDTH)
    if len(widths) < 4:
        return None
    best = max(widths, key=lambda w: sum(1 for x in widths if abs(x - w) <= 2))
    near = sum(1 for x in widths if abs(x - best) <= 2)
    return best if near >= 4 and near * 5 >= len(widths) * 2 else None


def _stops_mid_sentence(line: str, wrap: int) -> bool:
    """A full-width prose line cut by the page: not a table row, a title, a metadata line or a heading."""
    return (_width(line) >= wrap - 4 and " " not in line and "|" not in line
            and re.search(r"[，,、。；;]", line) is not None  # a title or a metadata line has no punctuation
            and not _SENTENCE_OVER.search(line) and _CONTINUES.match(line[-1]) is not None
            and not (_ITEM_START.match(line) and not re.search(r"[，,。；;]", line)))  # 一、… heading (its 、 aside)


def _continues_sentence(line: str) -> bool:
    return bool(line) and _CONTINUES.match(line[0]) is not None and " " not in line[:8] and not _ITEM_START.match(line)


def _join_wrapped(lines: list[str]) -> list[str]:
    wrap = _wrap_width(lines)
    if wrap is None:
        return lines
    out: list[str] = []
    for line in lines:
        if out and out[-1] and _stops_mid_sentence(out[-1], wrap) and _continues_sentence(line):
            out[-1] += line
        else:
            out.append(line)
    return out


def normalize(text: str) -> str:
    """Return the canonical form of a report's text (rules 1-6 of docs/normalisation.md)."""
    text = _LINE_BREAK.sub("\n", text)
    text = _SPACE.sub(" ", _INVISIBLE.sub("", text))
    while (unbookmarked := _BOOKMARK.sub("", text)) != text:  # repeat: removal can join a new one
        text = unbookmarked
    text = _RUBY_PINYIN.sub("", text)
    lines = [line.strip() for line in text.split("\n")]
    lines = _join_wrapped([line for line in lines if not is_debris(line)])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
