"""Section finding and segmentation on the real seeds and on hand-labelled section boundaries."""

import html
import json

import pytest

from conftest import ROOT, SAMPLES, need_shared
from nlp.text.document import Document
from nlp.text.normalize import is_debris
from nlp.text.reader import read, read_text
from nlp.text.sections import classify_heading, find_sections, fold, line_kinds

# (first characters, last characters) of each narrative section, read off the seed files by hand.
EXPECTED = {
    "000_dab85e2dbbd9bf66": {"overall": ("一、总体情况", "为政务信息公开提供有力保障。"),
                             "problems": ("五、存在的主要问题及改进情况", "提高网站管理水平。")},
    "001_9042ac2a28d37d4e": {"overall": ("一、总体情况", "收到政府信息依申请公开申请。"),
                             "problems": ("五、存在的主要问题及改进情况", "规范公开内容,提高公开质量。")},
    "002_82da0c68b48e6d43": {"overall": ("一、总体情况", "增强公众对政府工作的认同和信任。"),
                             "problems": ("五、存在的主要问题及改进情况", "内容生动好理解，反馈灵活机动。")},
    "003_7859ced941c8677a": {"overall": ("一、总体情况", "未有因信息公开不到位需要进行责任追究的情况。"),
                             "problems": ("五、存在的主要问题及改进情况", "在实践中有序锻炼队伍,充实后备力量。")},
    "004_29196fa5befbfdb4": {"overall": ("一、总体情况", "不断提升业务能力、增强工作本领。"),
                             "problems": ("五、存在的主要问题及改进情况", "有效推进政府信息公开工作取得新成效。")},
}
# Segments of each seed's problems section, counted by hand (corpora/sections/gold.jsonl notes).
PROBLEMS_HAND_COUNT = {"000_dab85e2dbbd9bf66": 13, "001_9042ac2a28d37d4e": 10, "002_82da0c68b48e6d43": 16,
                       "003_7859ced941c8677a": 12, "004_29196fa5befbfdb4": 5}
DEBRIS = ("浏览次数", "阅读次数", "扫一扫", "点击下载", "字体:【", "打印", "索引号", "发布时间")


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def seed(request):
    return request.param, Document.from_path(SAMPLES / f"{request.param}.txt")


def test_seed_outline_complete(seed):
    _, doc = seed
    assert [s.kind for s in doc.sections] == ["preamble", "overall", "proactive", "requests", "review", "problems", "other"]
    assert doc.audit.ok, doc.audit.to_dict()


def test_seed_narrative_boundaries(seed):
    name, doc = seed
    for kind, (first, last) in EXPECTED[name].items():
        section = doc.section(kind)
        body = doc.text[section.start:section.end]
        assert body.startswith(first) and body.endswith(last), (kind, body[:20], body[-20:])


def test_seed_problems_segment_count_matches_hand_count(seed):
    name, doc = seed
    assert sum(s.section == "problems" for s in doc.segments) == PROBLEMS_HAND_COUNT[name]


def test_no_table_cell_or_debris_in_narrative(seed):
    _, doc = seed
    for seg in doc.segments:
        assert doc.text[seg.start:seg.end] == seg.text
        assert "|" not in seg.text and not seg.text.isdigit()
        assert not any(d in seg.text for d in DEBRIS), seg.text
        assert seg.text not in ("信息内容", "本年新制作数量", "行政许可", "规章", "总计", "其他"), seg.text


def test_heading_paths_follow_subheadings():
    doc = Document.from_path(SAMPLES / "001_9042ac2a28d37d4e.txt")
    problems = [s for s in doc.segments if s.section == "problems"]
    assert problems[0].heading == "problems" and problems[0].is_heading
    assert problems[2].heading == "problems > (一)存在问题"
    assert problems[-1].heading == "problems > (二)改进情况"
    assert problems[2].text == "1.队伍建设有待加强,专业素质还需进一步提高。"


def test_enumerators_split_a_sentence():
    doc = Document.from_path(SAMPLES / "000_dab85e2dbbd9bf66.txt")
    texts = [s.text for s in doc.segments if s.section == "problems"]
    assert texts[1:5] == ["目前我镇政府门户网站主要存在三方面的问题:", "一是网站的管理、采编队伍力量不强;",
                          "二是门户网站建设投入不足;", "三是门户网站管理人员技术水平不高。"]


@pytest.mark.parametrize("heading,kind", [
    ("一、总体情况", "overall"), ("一、概述", "overall"), ("二、主动公开政府信息情况", "proactive"),
    ("三、依申请公开政府信息和不予公开政府信息的情况", "requests"), ("四、政府信息公开收费及减免情况", "requests"),
    ("四、因政府信息公开申请行政复议、提起行政诉讼情况", "review"),
    ("四、因政府信息公開申請行政復議、提起行政訴訟的情況", "review"),
    ("五、政府信息公开工作存在的主要问题及改进情况", "problems"), ("五、存在的主要问题和改进措施", "problems"),
    ("存在的不足及下一步工作打算", "problems"), ("六、其他需要报告的事项", "other"),
])
def test_heading_variants(heading, kind):
    assert classify_heading(heading) == kind


@pytest.mark.parametrize("numbering", ["一、", "一.", "一．", "一,", ""])
def test_numbering_variants_and_glued_headings(numbering):
    text = (f"某县2012年政府信息公开年度报告\n{numbering}概述\n本年度工作有序开展。\n"
            f"二、存在的问题\n一是认识不足。\n改进措施\n加强学习。\n")
    sections, _ = find_sections(read_text(text).text)
    assert [s.kind for s in sections] == ["preamble", "overall", "problems"]
    glued = "一、概述2012年，我局主动公开信息30条。\n二、存在的主要问题和改进措施：人员不足。"
    assert [s.kind for s in find_sections(glued)[0]] == ["overall", "problems"]


def test_misnumbered_and_duplicated_headings_are_audited():
    text = "一、总体情况\n工作开展顺利。\n三、主动公开政府信息情况\n表格\n三、存在的主要问题及改进情况\n人员不足。"
    sections, audit = find_sections(text)
    assert [s.kind for s in sections] == ["overall", "proactive", "problems"]
    assert audit.duplicated == ["三"]


def test_no_heading_gives_one_inferred_section_and_a_warning():
    sections, audit = find_sections("这是一段没有任何标题的文字。\n第二行。")
    assert [s.kind for s in sections] == ["overall"] and audit.inferred == ["overall"] and audit.warnings
    assert not audit.ok


def test_fold_keeps_length():
    text = "四、因政府信息公開申請行政復議（一）ＡＢＣ"
    assert len(fold(text)) == len(text)


def _gold_documents():
    need_shared()
    excerpts = {json.loads(l)["id"]: json.loads(l) for l in open(ROOT.parent / "shared/corpus/excerpts.jsonl", encoding="utf-8")}
    for line in open(ROOT / "corpora/sections/gold.jsonl", encoding="utf-8"):
        gold = json.loads(line)
        if gold["doc"].startswith("seeds/"):
            source = read(ROOT.parent / "shared/corpus" / gold["doc"])
        else:
            source = read_text(excerpts[gold["doc"].split(":", 1)[1]]["text"])
        yield gold, source.text


def gold_line_kinds(gold: dict, text: str) -> list[str]:
    """Expand the hand-labelled section starts into a kind per non-blank line."""
    lines = [l for l in text.split("\n") if l.strip()]
    kinds, current = [], "preamble"
    # A start on a page-furniture line that normalisation removed cannot be found; the next start takes over.
    starts = [s for s in gold["sections"]
              if not (is_debris(s["first_line"]) and not any(l.startswith(s["first_line"]) for l in lines))]
    for line in lines:
        while starts and line.strip().startswith(starts[0]["first_line"]):
            current = starts.pop(0)["kind"]
        kinds.append(current)
    assert not starts, f"{gold['doc']}: section start {starts[0]['first_line']!r} not found"
    return kinds


def as_html(text: str) -> str:
    """The report as a web page: one <p> per line, inside page furniture that must not leak."""
    body = "".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())
    return (f"<html><head><script>var x = '一、总体情况';</script></head><body><nav>首页 > 政务公开</nav>"
            f"<div class='content'>{body}</div><footer>主办单位：某某人民政府</footer></body></html>")


@pytest.mark.parametrize("fmt", ["txt", "html"])
def test_section_assignment_accuracy_on_hand_labelled_reports(fmt):
    total = correct = 0
    docs = 0
    for gold, text in _gold_documents():
        docs += 1
        if fmt == "html":
            text = read_text(as_html(text), format="html").text
        sections, _ = find_sections(text)
        predicted = [("preamble" if k == "unknown" else k) for _, k in line_kinds(text, sections)]
        expected = gold_line_kinds(gold, text)
        assert len(predicted) == len(expected)
        total += len(expected)
        correct += sum(p == e for p, e in zip(predicted, expected))
    accuracy = correct / total
    print(f"section-assignment accuracy ({fmt}) {accuracy:.4f} over {total} lines of {docs} reports")
    assert docs >= 40
    assert accuracy >= 0.98


def test_flattened_page_headings_found_inline_in_outline_order():
    flat = ("某县2020年政府信息公开工作年度报告 根据《条例》编制本报告。 一、总体情况 2020年，我县主动公开信息120条。"
            "一是加强领导。 二、主动公开政府信息情况 表格内容 三、收到和处理政府信息公开申请情况 无。 "
            "四、政府信息公开行政复议、行政诉讼情况 无。 五、政府信息公开工作存在的主要问题和改进措施 一年下来，"
            "人员力量不足。 六、其他需要报告的事项 无。")
    sections, audit = find_sections(flat)
    assert [s.kind for s in sections] == ["preamble", "overall", "proactive", "requests", "review", "problems", "other"]
    problems = next(s for s in sections if s.kind == "problems")
    assert flat[problems.start:].startswith("五、政府信息公开工作存在的主要问题和改进措施")
    # 一是 inside a sentence is an item, not a heading; numbering must go on for an inline heading to count.
    assert sum(s.kind == "overall" for s in sections) == 1


def test_spaces_inside_heading_words_and_glued_headings():
    assert [s.kind for s in find_sections("引  言\n本报告根据条例编制。\n一 、概 述\n本年度工作顺利。")[0]] == \
        ["preamble", "overall"]
    glued = find_sections("一、概述政务信息公开是政府工作的重要内容。\n二、存在的主要问题和改进措施\n人员不足。")[0]
    assert [s.kind for s in glued] == ["overall", "problems"] and glued[0].heading == "概述"


def test_narrative_sections_without_their_headings_are_inferred_from_the_outline():
    text = ("某局2021年政府信息公开工作年度报告\n本报告根据《条例》编制。\n（一）主动公开\n全年主动公开信息50条。\n"
            "（二）依申请公开\n收到申请2件。\n二、主动公开政府信息情况\n表\n四、政府信息公开行政复议、行政诉讼情况\n表\n"
            "（一）存在的问题\n人员不足。\n（二）改进措施\n加强培训。\n六、其他需要报告的事项\n无。")
    sections, audit = find_sections(text)
    assert [s.kind for s in sections] == ["preamble", "overall", "proactive", "review", "problems", "other"]
    assert audit.inferred == ["overall", "problems"]
    doc = Document.from_text(text)
    assert {s.section for s in doc.segments} == {"overall", "problems"} and doc.status[0] == "inferred"


def test_a_report_without_headings_is_kept_segmented_and_flagged():
    doc = Document.from_text("今年我镇主动公开政府信息30条。工作人员力量不足。\n明年将加强培训。")
    # one count in a sentence is the narrative's summary, not a 主动公开 part; the plans close it
    assert doc.segments and [s.section for s in doc.segments] == ["overall", "overall", "problems"]
    assert doc.audit.inferred == ["overall", "problems"]
    assert doc.status == ("no_sections", "no recognisable heading: its parts were placed by what they report "
                                         "(overall > problems)")
    problems = Document.from_text("目前，我局政府信息公开工作还存在一些不足：一是人员力量薄弱。\n下一步将加强培训。")
    assert {s.section for s in problems.segments} == {"problems"}
    no_sentence = Document.from_text("某某单位\n一些 没有 句子 的 文字 行\n另一行 文字 内容 没有标点")
    assert {s.kind for s in no_sentence.sections} == {"unknown"} and no_sentence.status[0] != "ok"


def test_first_part_titled_information_disclosure_is_overall_when_a_proactive_part_follows():
    with_proactive = "一、政府信息公开情况\n我局高度重视。\n二、主动公开政府信息情况\n表"
    assert [s.kind for s in find_sections(with_proactive)[0]] == ["overall", "proactive"]
    alone = "一、政府信息公开情况\n主动公开信息66条。\n二、依申请公开情况\n无"
    assert find_sections(alone)[0][0].kind == "proactive"


def test_first_part_titled_information_disclosure_is_overall_when_no_disclosure_part_follows(corpus_v2):
    # a 2010 price bureau: 一、政府信息公开工作情况 (its whole account of the year) / 二、…存在的问题 / 三、下一步的工作措施
    sections, _ = find_sections(corpus_v2["hv-e4a607f42098"])
    assert [s.kind for s in sections] == ["preamble", "overall", "problems"]
    # a 2015 report of 湛江市编办 whose only part is 一、政府信息公开情况: rows, not "no narrative"
    doc = Document.from_text(corpus_v2["hv-0a41c2f4b130"])
    assert doc.status[0] == "ok" and {s.section for s in doc.segments} == {"overall"} and len(doc.segments) >= 5


def test_parts_numbered_in_brackets_are_the_outline_only_when_the_first_is_the_overall_part(corpus_v2):
    # 海口市龙华区司法局 2021: (一)总体情况 … (三)、申请行政复议和提起行政诉讼情况 (四)、…收费及减免情况, no 一、 at all;
    # (二)政府信息公开情况 (主动 and 依申请 together) goes on with the year's account
    sections, _ = find_sections(corpus_v2["ex-1382b8973ecd"])
    assert [s.kind for s in sections] == ["overall", "review", "requests"]
    # 一、报告内容 then (一)总体情况 (二)政府信息主动公开情况 (三)依申请公开情况: the tables are not narrative
    sections, _ = find_sections(corpus_v2["hv-7fbe9cfc3b2f"])
    assert [s.kind for s in sections][:4] == ["preamble", "overall", "proactive", "requests"]
    # 一、总体情况 lost: (一)主动公开情况 (二)依申请公开情况 are its sub-parts and stay overall
    sections, _ = find_sections(corpus_v2["hv-0a7161b3d064"])
    assert [s.kind for s in sections][:2] == ["preamble", "overall"] and "requests" not in [s.kind for s in sections]


# Measured on section gold v2 (160 reports read by hand; corpora/sections/gold_v2.jsonl): when it landed
# all 0.902, flattened 0.901, spaced headings 0.935, no numbered headings 0.778, pre-2014 0.902. With the 40
# blind-labelled pages added (reports the finder found no heading in, the hardest kind; 200 reports in all):
# all 0.981, flattened 0.989, spaced 1.000, no numbered headings 0.973, pre-2014 0.980, none of these 0.979
# (docs/sections.md says what the rest is). Slogan outlines read by their parts' figures (197 reports, after
# 3 were withdrawn): all 0.986, flattened 0.989, spaced 1.000, no numbered headings 0.972, pre-2014 0.986, none
# of these 0.989. A paragraph naming the shortcomings opens an unheaded problems part: all 0.987, no numbered
# headings 0.974, pre-2014 0.987. Parts numbered (一) (二) … when (一) is the overall part: all 0.988, no numbered
# headings 0.977. Three rules, each of which changes one report of the 7,190 in the corpus (its own here): a
# table-form report's row labels (主动公开信息), an attachment (附表：) after the last part, a lead-in (…情况如下。):
# all 0.9900 (1,372 characters wrong of 137,618: 4 under the 0.99 line), flattened 0.990, no numbered headings
# 0.984, pre-2014 0.992, none of these 0.990. Reports drawn at random: test_section_accuracy_on_held_out_random_reports.
FLOORS = {"all": 0.99, "flattened": 0.986, "spaced_heading": 0.995, "no_numbered_heading": 0.97, "pre2014": 0.985,
          "regular": 0.987}


@pytest.fixture(scope="module")
def corpus_v2():
    reports = {}
    for line in open(ROOT / "corpora/corpus/reports.jsonl", encoding="utf-8"):
        row = json.loads(line)
        reports[row["id"]] = read_text(row["text"]).text
    return reports


def test_an_inline_heading_after_prose_that_ends_in_a_title_word_is_found(corpus_v2):
    # flattened page: "…统计期限…。 一、总体情况 2022年是…工作。" — the prose up to 。 ends in 工作, a title word
    sections, _ = find_sections(corpus_v2["ex-79eb626a7c1a"])
    overall = next(s for s in sections if s.kind == "overall")
    assert overall.heading == "总体情况" and sections[0].kind == "preamble"


def test_a_headingless_report_keeps_its_title_and_introduction_out_of_the_narrative(corpus_v2):
    text = corpus_v2["ex-bc9a206e5b07"]  # title line, then the year's narrative with no 一、 heading
    sections, audit = find_sections(text)
    assert [s.kind for s in sections] == ["preamble", "overall"] and audit.inferred == ["overall"]
    assert text[sections[1].start:].startswith("2016年,我省全面落实")
    # traditional characters; the introduction (根據《…條例》…現將…工作報告公布如下) comes before the narrative
    trad = corpus_v2["hv-20fa33c6a159"]
    sections, _ = find_sections(trad)
    assert sections[0].kind == "preamble" and trad[sections[-1].start:].startswith("2009年,省新聞出版局")
    assert Document.from_text(trad).status[0] == "no_sections"


def test_a_headingless_fragment_is_placed_by_what_its_paragraphs_report(corpus_v2):
    def parts(doc_id):
        text = corpus_v2[doc_id]
        return [(s.kind, text[s.start:s.start + 8]) for s in find_sections(text)[0]]

    # a 2011 encyclopaedia page: infobox, the requests figures with no heading, then the narrative
    assert parts("hv-ac826f78e781")[1:] == [("requests", "2011年,全省"), ("overall", "江西省政府高度重")]
    # a 2014 page cut inside the 咨询 figures; 全年无投诉情况 goes on with them
    assert parts("ex-f06fbb6a6ddf") == [("requests", "全市共接受市民咨"), ("overall", "2014年,我市")]
    # a page that starts inside the 主动公开 statistics of a pre-2019 report
    assert parts("hv-aba8c1a47f1e") == [("proactive", "发布政策法规类信")]
    # such a page is still tagged: every part of a headingless text is segmented, and flagged
    doc = Document.from_text(corpus_v2["hv-aba8c1a47f1e"])
    assert {s.section for s in doc.segments} == {"proactive"} and len(doc.segments) == 9
    assert doc.audit.inferred == ["proactive"]  # what was placed, not the opening guess (overall)
    sections, audit = find_sections(corpus_v2["hv-ac826f78e781"])
    assert audit.inferred == ["requests", "overall"] and "parts requests > overall" in audit.warnings[0]
    assert doc.status == ("no_sections", "no recognisable heading: the whole text is one 'proactive' section "
                                         "(placed by what it reports)")
    # 2022: the 2019 outline keeps 依申请公开 inside 总体情况, but （三）人大代表建议… is a later
    # sub-item of 六、其他需要报告的事项, so the page started inside that part
    assert parts("hv-6454b055dd1b") == [("other", "2022 年共报")]
    # a township report with no headings ends with next year's plans (2011年,我们将…)
    assert [k for k, _ in parts("ex-6165a66bab6a")] == ["preamble", "overall", "problems"]
    # enumerated measures (二是…新闻发布会42次 / 四是完善政府信息查阅场所) stay in the narrative they list,
    # but an item that names a part (1、认真做好信息主动公开工作。) opens it (both blind labellers, and the
    # page's collector, read this 2013 page as the 主动公开 part)
    assert [k for k, _ in parts("hv-cfc02a76ace3")] == ["preamble", "overall"]
    assert [k for k, _ in parts("hv-0236d246d9aa")] == ["proactive"]


def test_old_outline_sub_headings_and_titles_found_in_blind_labelled_pages(corpus_v2):
    # cases from the blind-labelled headingless pages (docs/sections.md)
    def parts(doc_id):
        text = corpus_v2[doc_id]
        return [(s.kind, text[s.start:s.start + 6]) for s in find_sections(text)[0]]

    # 2009: a page that opens at (一)公开的主要内容, a sub-heading only the old 主动公开 part has
    assert parts("ex-45dd77092f53") == [("proactive", "(一)公开的")]
    # 2013: (二)依申请公开政府信息情况 after 3、政府公报: the page started in the part before it
    assert [k for k, _ in parts("ex-5f592559f42e")] == ["preamble", "proactive", "requests"]
    # a heading glued to a whole paragraph longer than 400 characters, prose ending in a title word (…成效)
    assert parts("hv-d779c37d2f29")[1] == ("overall", "一、概述20")
    # a slogan outline, in a text with no other heading: each part's kind from its slogan
    assert [k for k, _ in parts("hv-a62579fed357")] == ["preamble", "overall", "proactive", "problems"]
    # a slogan of over 24 characters (二、提高信息公开科学化、规范化水平,完善政府信息公开工作机制) keeps the run
    assert [k for k, _ in parts("hv-47d419648ce2")] == ["overall", "proactive"]
    # a slogan that names no part takes the part its figures report (二、具体措施抓成效: 主动公开信息有103条…)
    assert [k for k, _ in parts("ex-7e97eb69bdf7")] == ["preamble", "overall", "proactive"]
    # a lone 一、 whose slogan names its part (traditional script: 一、及時發布政務信息,接受監督主動服務)
    assert [k for k, _ in parts("hv-23cde6a30aa3")] == ["preamble", "proactive"]
    # 一、綜述 and 一、信息公开工作推进情况 are overall titles
    assert parts("hv-c8fe8e730619")[1] == ("overall", "一、綜述\n2")
    assert parts("hv-1015edf4ff27")[1] == ("overall", "一、信息公开")


def test_the_introductions_list_of_parts_does_not_open_the_problems_part(corpus_v2):
    # 全文包括概述，…和政府信息公开工作存在的主要问题及改进情况: names every part, so it is a cue for none
    # (a headingless 2013 page, and a document-sharing copy whose 一、概述 is glued to OCR debris)
    for doc_id in ("hv-5f219590c594", "hv-473fa0f83ad1"):
        assert "problems" not in [s.kind for s in find_sections(corpus_v2[doc_id])[0]], doc_id


def test_problems_without_a_heading_open_where_a_paragraph_names_the_shortcomings(corpus_v2):
    # a 2010 table-form report: no 五、 heading and no (一)存在问题; after the figures, 意见建议和其他情况 and
    # "目前,平度市政府信息公开工作存在的主要问题有,一是…": the part before 其他 ends there
    text = corpus_v2["hv-aae740baedc3"]
    sections, audit = find_sections(text)
    assert [s.kind for s in sections][-2:] == ["requests", "problems"] and audit.inferred == ["problems"]
    assert text[sections[-1].start:].startswith("目前,平度市政府信息公开工作存在的主要问题有")


def test_a_closing_signature_is_other_in_headingless_texts_and_before_page_buttons(corpus_v2):
    # a 2018 bureau report without headings ends "…促进公开机构和窗口单位服务上水平。 / 本溪县文化旅游和广播电视局 /
    # 2019年4月1日 / 【打印正文】": the page's print button is furniture, the signature and date are `other`
    text = corpus_v2["hv-30a28511df0e"]
    assert "打印正文" not in text
    sections, _ = find_sections(text)
    assert [s.kind for s in sections][-2:] == ["problems", "other"]
    assert text[sections[-1].start:].strip() == "本溪县文化旅游和广播电视局\n\n2019年4月1日"
    # traditional script: the phone-view line (掃一掃在手機上查看當前頁面) is furniture, the date closes the report
    trad = corpus_v2["hv-91d34cadcc33"]
    assert "掃一掃" not in trad and find_sections(trad)[0][-1].kind == "other"


def test_a_navigation_menu_row_is_not_a_heading(corpus_v2):
    text = corpus_v2["ex-6658f3ffa705"]  # "查询 通关 舱单 报关员记分    企业基本情况" is the site's menu
    overall = next(s for s in find_sections(text)[0] if s.kind == "overall")
    assert text[overall.start:].startswith("一、主要工作概述")


def test_a_repeated_number_inside_a_part_is_an_item_not_a_new_part(corpus_v2):
    # 一、概  述 … 一、政府信息公开工作情况。在开展… (sub-items misnumbered with the part's own numeral)
    sections, audit = find_sections(corpus_v2["hv-a79a4b68e0e6"])
    assert [s.kind for s in sections] == ["preamble", "preamble", "overall"]


def test_the_row_labels_of_a_table_form_report_open_its_statistics_parts(corpus_v2):
    # 平度市 2010, a filled-in form: "主动公开信息" and "依申请公开信息" stand alone as the labels of their rows
    text = corpus_v2["hv-aae740baedc3"]
    parts = [(s.kind, text[s.start:s.start + 7]) for s in find_sections(text)[0]]
    assert parts[1:3] == [("proactive", "主动公开信息\n"), ("requests", "依申请公开信息")]
    # the same words inside a sentence stay prose: 本年度未收到…的依申请公开信息。 does not open a part
    sections, _ = find_sections("一、概述\n本年度未收到涉及我局工作职能的依申请公开信息。\n我局加强组织领导。")
    assert [s.kind for s in sections] == ["overall"]


def test_an_attachment_after_the_last_part_is_other_and_a_lead_in_is_the_introduction(corpus_v2):
    # a flattened 2016 page ends "…五、行政复议、诉讼和申诉情况 …申诉。 附表:2016年龙归镇政府信息公开年度报告 韶关市…"
    text = corpus_v2["hv-b427f18ec6d3"]
    last = find_sections(text)[0][-1]
    assert last.kind == "other" and text[last.start:].startswith("附表:2016年")
    # a cover letter's 附件： before the report stays in the preamble (教育部 2010)
    text = corpus_v2["hv-377005706959"]
    sections = find_sections(text)[0]
    assert sections[0].kind == "preamble" and text.index("附件:") < sections[1].start
    # 国家统计局 2008, headingless: "2008年主要工作情況如下。" leads into the narrative, it is not part of it
    text = corpus_v2["hv-932cb0e3d2e8"]
    overall = next(s for s in find_sections(text)[0] if s.kind == "overall")
    assert text[overall.start:].startswith("一、政府信息公開基礎工作")


def test_section_accuracy_on_section_gold_v2_by_group():
    from nlp.evaluation.sections import section_accuracy

    reports = {json.loads(l)["id"]: json.loads(l) for l in open(ROOT / "corpora/corpus/reports.jsonl", encoding="utf-8")}
    gold = [json.loads(l) for l in open(ROOT / "corpora/sections/gold_v2.jsonl", encoding="utf-8")]
    figures = section_accuracy((g, read_text(reports[g["doc"]]["text"]).text) for g in gold)
    for group, f in sorted(figures.items()):
        print(f"{group:22s} {f['accuracy']:.4f}  ({f['reports']} reports, {f['characters']} characters)")
    assert figures["all"]["reports"] >= 150 and min(figures[g]["reports"] for g in FLOORS) >= 20
    for group, floor in FLOORS.items():
        assert figures[group]["accuracy"] >= floor, (group, figures[group])


def test_section_accuracy_on_held_out_random_reports():
    """60 corpus reports drawn at random (not in section gold v2), labelled blind twice (the passes agree on
    every character) and never used to tune the finder: the finder's figure on reports as they come. Four left
    with the corpus: three copies of reports whose own host is reserved (hv-8177a5288116, ex-ee4cf03db55f,
    ex-52fdd7f62740) and a mirror that puts a betting brand in the report's text (hv-b6377c9c3f7b)."""
    from nlp.evaluation.sections import section_accuracy

    reports = {json.loads(l)["id"]: json.loads(l) for l in open(ROOT / "corpora/corpus/reports.jsonl", encoding="utf-8")}
    held = [json.loads(l) for l in open(ROOT / "corpora/sections/heldout.jsonl", encoding="utf-8")]
    tuned_on = {json.loads(l)["doc"] for l in open(ROOT / "corpora/sections/gold_v2.jsonl", encoding="utf-8")}
    assert len(held) == 56 and not tuned_on & {g["doc"] for g in held}
    figures = section_accuracy((g, read_text(reports[g["doc"]]["text"]).text) for g in held)
    print(f"held out: {figures['all']['accuracy']:.4f} ({figures['all']['characters']} characters)")
    assert figures["all"]["accuracy"] >= 0.99  # 0.9977 when it was labelled


def test_a_scraped_page_that_is_mostly_junk_is_flagged_mostly_noise():
    junk = "\n".join(["3 | 0 | 12 | 7", "abc__##%%&&**()", "上一页 下一页", "上一页 下一页", "上一页 下一页"] * 20)
    doc = Document.from_text("一、总体情况\n本年度主动公开信息12条。\n" + junk)
    assert doc.noise > 0.5 and doc.status[0] == "mostly_noise"
    clean = Document.from_path(SAMPLES / "001_9042ac2a28d37d4e.txt")
    assert clean.noise < 0.5 and clean.status[0] == "ok"


def test_fold_changes_exactly_the_characters_of_its_table():
    from nlp.text.sections import _fold_table, fold

    table = _fold_table()
    every = "".join(chr(c) for c in sorted(table))
    assert fold(every) == every.translate(table) and len(fold(every)) == len(every)
    text = read(SAMPLES / "001_9042ac2a28d37d4e.txt").text
    assert fold(text) == text.translate(table)
    assert fold("一、總體情況 （一）") == "一、总体情况 (一)"
