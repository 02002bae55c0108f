"""Reuse analytics (nlp/reuse.py and friends) on hand-built mini corpora whose answers are worked out by hand."""

import json
import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nlp.reuse.ngrams import mask_numbers, text_fingerprint, word_ngrams
from nlp.reuse.boilerplate_index import BoilerplateConfig, is_boilerplate, redundancy
from nlp.text.document import Document
from nlp.reuse.families import family_text, find_families, shingles
from nlp.reuse.issuer import identify, parse_title
from nlp.reuse.analysis import META_KEY, ReuseConfig, analyse
from nlp.reuse.stickiness import StickinessConfig, length_adjusted


def report(body: str, year: int, overall: list[str], problems: list[str] = (), meta: dict | None = None,
           doc_id: str | None = None) -> Document:
    """A mini report: title line, 一、总体情况 with one segment per line, optionally 五、存在的主要问题及改进情况.

    A line of 14 characters or fewer needs a 。 to be prose: without one the segmenter takes it for a table cell.
    """
    lines = [f"{body}{year}年政府信息公开工作年度报告", "一、总体情况", *overall]
    if problems:
        lines += ["五、存在的主要问题及改进情况", *problems]
    return Document.from_text("\n".join(lines) + "\n", doc_id=doc_id or f"{body}-{year}", meta=meta or {})


def rows(result, section="all") -> pd.DataFrame:
    return result.reports[result.reports["section"] == section].set_index("doc_id")


# --- families -------------------------------------------------------------------------------------------------------

def test_masking_numbers_makes_counts_one_shingle_set():
    assert shingles("受理申请15件") == shingles("受理申请20件") == {"受理申请#", "理申请#件"}
    assert shingles("受理申请15件", mask=False) != shingles("受理申请20件", mask=False)  # the masking does it


PREFIX = st.text(alphabet="受理申请政府信息公开件条年月是的和、，", min_size=1).filter(lambda s: s[0] not in "、，")


@settings(max_examples=200, deadline=None)
@given(prefix=PREFIX, a=st.integers(0, 10**9), b=st.integers(0, 10**9),
       suffix=st.text(alphabet="件条个次年月受理申请。，、.", max_size=12))
def test_masked_shingles_do_not_depend_on_the_number(prefix, a, b, suffix):
    assert shingles(f"{prefix}{a}{suffix}") == shingles(f"{prefix}{b}{suffix}")


# Three 30-character texts with no character in common with anything else in these tests.
A = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇宙洪荒"
B = A[:-3] + "日月盈"          # last 3 changed: J(A,B) = (30-3-4)/(30+3-4) = 23/29 = 0.79
C = "闰余成" + B[3:]           # first 3 of B changed: J(B,C) = 23/29; J(A,C) = 20/(26+26-20) = 0.625
D = A[:10] + "列张寒来暑往秋收冬藏" + A[20:]  # 10 middle chars changed: J(A,D) = (6+6)/(26+26-12) = 0.3


def test_near_duplicates_form_families_by_single_linkage():
    texts = [A, B, C, D, A + "。"]
    fam = find_families(texts, ["r1", "r2", "r3", "r4", "r5"], ["x", "y", "z", "x", "x"])
    # A~B and B~C pass 0.7, A~C (0.625) does not: one family through B; D is alone; A。 is A.
    assert fam.family[0] == fam.family[1] == fam.family[2] == fam.family[4] != fam.family[3]
    assert fam.size.tolist() == [4, 4, 4, 1, 4]
    assert fam.n_docs.tolist() == [4, 4, 4, 1, 4] and fam.n_bodies.tolist() == [3, 3, 3, 1, 3]
    assert fam.stats["verified_pairs"] == 2  # A-B, B-C over the 4 distinct long texts; A-A。 is identical text


def test_short_segments_match_only_exactly_after_masking_and_item_numbers():
    assert family_text("(二)积极推动政府信息主动公开。") == family_text("1.积极推动政府信息主动公开")
    texts = ["一是加强领导", "二是加强领导", "一是加强监督", "受理申请15件", "受理申请3件", "无"]
    fam = find_families(texts, list("abcdef"), list("abcdef"))
    assert all(fam.short)
    f = fam.family.tolist()
    assert f[0] == f[1] and f[2] != f[0] and f[3] == f[4] and len({f[0], f[2], f[3], f[5]}) == 4


def test_family_size_and_bodies_per_segment_in_a_corpus():
    p2 = A[:-2] + "日月"  # J(A, p2) = (30-2-4)/(30+2-4) = 24/28 = 0.857
    docs = [report("甲镇人民政府", 2020, [A, "全年受理申请15件。", "秋收冬藏闰余成岁律吕调阳。"]),
            report("乙镇人民政府", 2020, [p2, "全年受理申请20件。"]),
            report("丙镇人民政府", 2021, ["云腾致雨露结为霜金生丽水玉出昆冈"]),
            report("甲镇人民政府", 2021, [A, "全年受理申请3件。"])]
    seg = analyse(docs).segments.set_index(["doc_id", "text"])
    # A, p2, A: 3 segments, 3 reports, 2 bodies (甲 twice); the counts line likewise; the heading is in all 4.
    assert tuple(seg.loc[("甲镇人民政府-2020", A), ["family_size", "family_docs", "family_bodies"]]) == (3, 3, 2)
    assert tuple(seg.loc[("乙镇人民政府-2020", "全年受理申请20件。"), ["family_size", "family_bodies"]]) == (3, 2)
    assert bool(seg.loc[("乙镇人民政府-2020", "全年受理申请20件。"), "family_exact_match"])
    assert tuple(seg.loc[("丙镇人民政府-2021", "一、总体情况"), ["family_size", "family_bodies"]]) == (4, 3)
    assert seg.loc[("丙镇人民政府-2021", "云腾致雨露结为霜金生丽水玉出昆冈"), "family_size"] == 1


# --- boilerplate index and redundancy -------------------------------------------------------------------------------

def test_phrase_rule_by_hand():
    cfg = BoilerplateConfig(max_doc_share=0.75, min_doc_share=0.30, min_mean_count=5, min_docs=2)
    # 10 reports. df 8 → 80 %: dropped. df 3 → 30 %: kept. df 2, cf 60 → 6 per report: kept.
    # df 2, cf 10 → 20 %, 1 per report: not. df 1, cf 80: 8 per report but in one report only: not (min_docs).
    got = is_boilerplate([8, 3, 2, 2, 1], [8, 3, 60, 10, 80], 10, cfg)
    assert got.tolist() == [False, True, True, False, False]
    assert is_boilerplate([75, 74], [75, 74], 100, cfg).tolist() == [False, True]  # "75 % or more" is dropped


Q = "政府信息公开工作扎实推进。"   # 13 characters, 6 char 8-grams
W = "依法依规做好保密审查工作。"   # 13 characters, in every report: ≥ 75 % → dropped
Z1, Z2 = "本年受理申请15件均已答复。", "本年受理申请20件均已答复。"  # 14 characters; one text once masked


def phrase_corpus():
    return [report("甲镇人民政府", 2020, [Q, W], problems=[Q]),
            report("乙镇人民政府", 2020, [Q, W, "天地玄黄宇宙洪荒日月。"]),
            report("丙镇人民政府", 2020, [W, Z2]),
            report("丁镇人民政府", 2020, [W, Z1])]


def char8(**kw) -> ReuseConfig:
    cfg = dict(units=("char8",), min_doc_share=0.5, max_doc_share=0.75, min_mean_count=5, min_docs=2) | kw
    return ReuseConfig(boilerplate=BoilerplateConfig(**cfg), redundancy_unit="char8")


def test_boilerplate_index_by_hand():
    result = analyse(phrase_corpus(), char8())
    r, over, prob = rows(result), rows(result, "overall"), rows(result, "problems")
    # Lengths (non-space characters): 一、总体情况 6 (no 8-gram), Q 13, W 13, 五、存在的主要问题及改进情况 14,
    # Z 14, 天地…。 11. Q's 8-grams are in 2 of 4 reports (50 %): phrases. W's in 4 of 4: dropped.
    # Z1/Z2 masked (本年受理申请#件…): in 2 of 4: phrases. The problems heading's: 1 of 4: not.
    assert r.loc["甲镇人民政府-2020", "boilerplate_char8"] == pytest.approx((13 + 13) / (6 + 13 + 13 + 14 + 13))
    assert over.loc["甲镇人民政府-2020", "boilerplate_char8"] == pytest.approx(13 / 32)
    assert prob.loc["甲镇人民政府-2020", "boilerplate_char8"] == pytest.approx(13 / 27)
    assert r.loc["乙镇人民政府-2020", "boilerplate_char8"] == pytest.approx(13 / 43)
    assert r.loc["丙镇人民政府-2020", "boilerplate_char8"] == pytest.approx(14 / 33)
    # Redundancy (char 8-grams): report 甲 has Q twice: 6+6 repeated of 6+6+7+6 occurrences.
    assert r.loc["甲镇人民政府-2020", "redundancy"] == pytest.approx(12 / 25)
    assert r.loc["乙镇人民政府-2020", "redundancy"] == 0.0
    meta = result.metadata["reference"]["groups"]["char8"]["all"]
    assert meta["reference_reports"] == 4


def test_boilerplate_index_follows_masking_and_min_docs():
    unmasked = rows(analyse(phrase_corpus(), char8(mask_numbers=False)))
    assert unmasked.loc["丙镇人民政府-2020", "boilerplate_char8"] == 0.0  # 15 and 20 differ: 1 report each
    strict = analyse(phrase_corpus(), char8(min_docs=3))
    assert rows(strict)["boilerplate_char8"].eq(0).all()  # no phrase is in 3 reports without also being in 4
    assert "warning" in strict.metadata["reference"]["groups"]["char8"]["all"]  # 3 ≥ 75 % of 4: none possible


def test_redundancy_counts_repeated_occurrences():
    assert redundancy([["a", "b"], ["a", "c"]]) == 0.5
    assert math.isnan(redundancy([[]]))


# --- issuer and stickiness ------------------------------------------------------------------------------------------

def test_title_parse_and_sources():
    assert parse_title("华容县插旗镇人民政府2023年政府信息公开工作年度报告\n一、总体情况\n")[:2] == ("华容县插旗镇人民政府", 2023)
    assert parse_title("城口县人民政府机关\n2020年政府信息公开工作年度报告\n")[:2] == ("城口县人民政府机关", 2020)
    assert parse_title("标题: 张家坡镇2014年政府信息公开年度报告\n")[:2] == ("张家坡镇", 2014)
    clause = "本报告是根据《中华人民共和国政府信息公开条例》要求,由北京市水务局编制的2008年度政府信息公开年度报告。"
    assert parse_title(clause + "\n")[:2] == (None, 2008)  # "由…编制的" is a clause, not a body name
    assert parse_title(clause + "本报告中所列数据的统计期限自2008年1月1日起至2008年12月31日止。\n") == (None, None, None)
    ident = identify("乙镇2019年政府信息公开工作年度报告\n", {"agency": "甲镇人民政府", "level": "township"})
    assert (ident.body, ident.body_source, ident.year, ident.year_source) == ("甲镇人民政府", "meta", 2019, "title")


S1 = "春风化雨润物无声山高水长。"                                # 13 chars
S2 = "金木水火土东南西北中青赤黄白黑宫商角徵羽琴棋书画诗酒花梅兰竹"   # 30 chars
S2b = S2[:-2] + "菊松"                                          # J(S2, S2b) = 24/28 = 0.857
S4, S5 = "鹏程万里一帆风顺。", "龙飞凤舞虎啸龙吟鸟语花香。"          # new this year: 9 and 13 chars


def test_stickiness_by_hand():
    docs = [report("甲镇人民政府", 2020, [S1, S2, "无。"], meta={"agency": "甲镇人民政府", "year": 2020}),
            report("甲镇人民政府", 2021, [S1, S2b, "无。", S4, S5]),          # body and year from the title
            report("乙镇人民政府", 2021, [S1, S2]),                          # another body: no pair
            report("甲镇人民政府", 2023, [S1, S2]),                          # 2022 missing: no pair
            report("丙镇人民政府", 2020, ["丙一" + S2[2:]]), report("丙镇人民政府", 2021, [S4 + S5])]
    cfg = ReuseConfig(stickiness=StickinessConfig(ngram_unit="char8"))
    r = rows(analyse(docs, cfg))
    a = r.loc["甲镇人民政府-2021"]
    assert a["prev_doc_id"] == "甲镇人民政府-2020"
    # Non-heading segments S1, S2b, 无。, S4, S5: S1 same, S2b near (0.857), 无 same (short) → 3 of 5.
    assert (a["sticky_share"], a["sticky_segments"]) == (pytest.approx(3 / 5), 5)
    # Char 8-grams: S1 6 (all old), S2b 23 (the 21 not touching the 2 new chars are old), 无。 0, S4 2, S5 6 (new).
    assert a["stickiness_char8"] == pytest.approx((6 + 21) / (6 + 23 + 2 + 6))
    assert pd.isna(r.loc["乙镇人民政府-2021", "prev_doc_id"]) and pd.isna(r.loc["甲镇人民政府-2023", "prev_doc_id"])
    assert r.loc["丙镇人民政府-2021", "sticky_share"] == 0.0
    # Two pairs → degree 0: the adjusted similarity is the similarity minus the pairs' mean.
    pairs = r[r["prev_doc_id"].notna()]
    assert len(pairs) == 2 and 0 < a["similarity"] < 1
    assert pairs["similarity_adj"].to_numpy() == pytest.approx(
        (pairs["similarity"] - pairs["similarity"].mean()).to_numpy())


def test_length_adjustment_removes_a_length_trend():
    length = np.exp(np.arange(1, 11))
    sim = 0.3 + 0.05 * np.log(length)                 # a pure length effect; 10 pairs → degree 1
    adj, degree = length_adjusted(sim, length)
    assert degree == 1 and np.allclose(adj, 0)
    adj, degree = length_adjusted([0.5, np.nan], [10, 20])
    assert degree is None and np.isnan(adj).all()


# --- outputs, command line, HTML --------------------------------------------------------------------------------------

def test_outputs_carry_their_settings(tmp_path):
    result = analyse(phrase_corpus(), char8())
    paths = result.write(tmp_path / "reuse.parquet")
    meta = json.loads(pq.read_schema(paths["reports"]).metadata[META_KEY])
    assert meta["config"]["boilerplate"]["min_docs"] == 2 and meta["config"]["boilerplate"]["units"] == ["char8"]
    assert meta["tokenizer"]["hash"] and meta["config"]["families"]["minhash_scheme"] == "affine32"
    assert json.loads(paths["metadata"].read_text(encoding="utf-8"))["config"] == meta["config"]
    assert len(pq.read_table(paths["segments"])) == sum(len(d.segments) for d in phrase_corpus())
    for suffix in (".jsonl", ".csv"):
        written = result.write(tmp_path / f"reuse{suffix}")
        assert all(p.exists() for p in written.values())


def test_reuse_command_on_files_and_corpus_layout(tmp_path):
    from nlp.cli import app

    files = tmp_path / "reports"
    files.mkdir()
    for d in phrase_corpus():
        (files / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / "seeds").mkdir(parents=True)
    (corpus / "seeds" / "000_aaaa.txt").write_text(phrase_corpus()[0].text, encoding="utf-8")
    with open(corpus / "excerpts.jsonl", "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "e1", "agency": "戊县人民政府", "level": "county", "year": 2019,
                            "text": "一、总体情况\n" + Q + "\n"}, ensure_ascii=False) + "\n")
    out = tmp_path / "out" / "reuse.parquet"
    res = CliRunner().invoke(app, ["reuse", str(files), "--corpus", str(corpus), "--out", str(out),
                                   "--html", str(tmp_path / "out" / "reuse.html"), "--min-docs", "2"])
    assert res.exit_code == 0, res.output
    reports = pd.read_parquet(out)
    whole = reports[reports["section"] == "all"].set_index("doc_id")
    assert len(whole) == 6
    assert tuple(whole.loc["ex-e1", ["body", "body_source", "year", "level"]]) == ("戊县人民政府", "meta", 2019, "county")
    assert tuple(whole.loc["seed-000-aaaa", ["body", "body_source", "year_source"]]) == ("甲镇人民政府", "title", "title")
    assert (tmp_path / "out" / "reuse.html").read_text(encoding="utf-8").count("<img") == 4
    assert len(list((tmp_path / "out" / "reuse_plots").glob("*.png"))) == 4
    bad = CliRunner().invoke(app, ["reuse", str(files), "--out", str(tmp_path / "x.parquet"), "--units", "word"])
    assert bad.exit_code == 2


# --- detector features -----------------------------------------------------------------------------------------------

def detector_corpus():
    p2 = A[:-2] + "日月"
    return [report("甲镇人民政府", 2020, [A, Q]), report("乙镇人民政府", 2020, [p2, Q]),
            report("甲镇人民政府", 2021, [A, "秋收冬藏闰余成岁律吕调阳。"])]


def test_reuse_reference_leaves_the_segments_own_report_out(tmp_path):
    from nlp.reuse.reference import ReuseReference
    from nlp.text.tokenizer import default_tokenizer

    docs = detector_corpus()
    ref = ReuseReference.from_documents(docs, boilerplate=BoilerplateConfig(units=("char8",), min_doc_share=0.5,
                                                                            min_docs=2))
    tok = default_tokenizer()
    own = ref.signals(A, tok(A), text_fingerprint(docs[0].text))
    # A's near duplicates outside report 1: p2 (乙) and A (甲 2021) → 2 segments, 2 reports, 2 bodies.
    assert (own["fam_log_segments"], own["fam_log_docs"], own["fam_log_bodies"]) == (
        math.log1p(2), math.log1p(2), math.log1p(2))
    new = ref.signals(A, tok(A), text_fingerprint("a report not in the reference"))
    assert new["fam_log_segments"] == math.log1p(3) and new["fam_log_bodies"] == math.log1p(2)
    # Q is in 2 of 3 reports (67 % < 75 %, ≥ 50 %, ≥ 2 reports): a phrase, unless its own report is left out
    # (then 1 of 2 other reports: below min_docs).
    assert ref.signals(Q, tok(Q), None)["lsl_char8"] == 1.0
    assert ref.signals(Q, tok(Q), text_fingerprint(docs[0].text))["lsl_char8"] == 0.0
    ref.save(tmp_path / "reuse.safetensors")
    again = ReuseReference.load(tmp_path / "reuse.safetensors")
    assert again.signals(A, tok(A), text_fingerprint(docs[0].text)) == own and again.signals(Q, tok(Q), None) == ref.signals(Q, tok(Q), None)


def test_linear_model_with_family_features_round_trips(tmp_path):
    from nlp.labels.labelset import load_labelset
    from nlp.models.linear import BoilerplateDetector, LinearModel, LinearTagger
    from nlp.models.registry import load_model
    from nlp.text.inputs import SegmentInput
    from nlp.reuse.ngrams import build_references
    from nlp.reuse.reference import ReuseReference
    from nlp.text.tokenizer import default_tokenizer

    docs = detector_corpus() + phrase_corpus()
    records = [r for d in docs for r in SegmentInput.from_document(d)]
    labels = load_labelset("gov-disclosure-v1")
    themes = LinearTagger(min_df=1, max_features=None).fit(
        records, [["platform"] if "公开" in r.text else ["staffing"] for r in records], labels.ids)
    reuse = ReuseReference.from_documents(docs)
    references = build_references([d.text for d in docs], default_tokenizer())
    detector = BoilerplateDetector(references=references, reuse=reuse).fit(records, ["公开" in r.text for r in records])
    assert set(reuse.columns) <= set(detector._frame(records[:2]).columns)
    model = LinearModel(labels, themes, detector)
    before = model.predict(records)
    model.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / "reuse.safetensors").exists()
    loaded = load_model(tmp_path / "m")
    assert loaded.boilerplate.reuse is not None
    assert np.allclose(loaded.predict(records).boilerplate_scores, before.boilerplate_scores)
    assert load_model("default").boilerplate.reuse is None  # the bundled model is unchanged


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("0123456789０１.．一二三四五六七八九十两件条个次人年月 a\x1f")), max_size=6),
                max_size=8))
def test_tokens_are_masked_as_if_one_by_one(tokens):
    """word_ngrams masks all tokens in one pass; no number may run across a token boundary."""
    assert word_ngrams(tokens, n=1) == [mask_numbers(t) for t in tokens]


def _blake2b_reference(texts, tokenize):
    """A reference keyed the way references were before poly64 keys (blake2b of every n-gram string)."""
    from nlp.reuse.ngrams import NgramReference, char_ngrams, hash_ngrams, word_ngrams
    from nlp.text.segments import is_table_cell

    words, chars = [], []
    for text in texts:
        lines = [line for line in text.split("\n") if line.strip() and not is_table_cell(line.strip())]
        words.append((text, hash_ngrams([g for line in lines for g in word_ngrams(tokenize(line), 4)])))
        chars.append((text, hash_ngrams([g for line in lines for g in char_ngrams(line, 8)])))
    return {"word4": NgramReference.build(words, "blake2b"), "char8": NgramReference.build(chars, "blake2b")}


def test_poly64_keys_give_the_features_blake2b_keys_gave(tmp_path):
    """Both key schemes name the same n-grams on real reports (no collision), batch or alone, and an old reference
    file (no scheme tensor) still loads as blake2b: the boilerplate signals do not depend on the scheme."""
    from nlp.models.features import boilerplate_signals
    from nlp.reuse.ngrams import (NgramReference, build_references, char_ngram_keys, char_ngrams, load_references,
                                  save_references, word_ngram_keys)
    from nlp.text.inputs import SegmentInput
    from nlp.text.tokenizer import default_tokenizer

    from conftest import SAMPLES

    tokenize = default_tokenizer()
    docs = [Document.from_path(p) for p in sorted(SAMPLES.glob("*.txt"))]
    texts = [d.text for d in docs]
    poly, old = build_references(texts, tokenize), _blake2b_reference(texts, tokenize)
    for name in ("word4", "char8"):
        assert poly[name].scheme == "poly64" and old[name].scheme == "blake2b"
        assert len(poly[name].keys) == len(old[name].keys) > 1000
        assert sorted(poly[name].df.tolist()) == sorted(old[name].df.tolist())
    inputs = [x.with_tokens(tokenize) for d in docs for x in SegmentInput.from_document(d)]
    seg_texts, seg_tokens = [x.text for x in inputs], [x.tokens for x in inputs]
    rows, keys = char_ngram_keys(seg_texts, 8)
    assert np.bincount(rows, minlength=len(seg_texts)).tolist() == [len(set(char_ngrams(t, 8))) for t in seg_texts]
    alone = char_ngram_keys(seg_texts[3:4], 8)[1]
    assert np.array_equal(alone, keys[rows == 3])
    w_rows, w_keys = word_ngram_keys(seg_tokens, 4)
    assert np.array_equal(word_ngram_keys(seg_tokens[5:6], 4)[1], w_keys[w_rows == 5])
    own = [None] * len(inputs)
    new_signals = boilerplate_signals(seg_texts, seg_tokens, poly, own)
    old_signals = boilerplate_signals(seg_texts, seg_tokens, old, own)
    for column, values in old_signals.items():
        np.testing.assert_allclose(new_signals[column], values, atol=1e-12, err_msg=column)
    save_references(tmp_path / "old.safetensors", old)
    from safetensors.numpy import load_file, save_file

    tensors = {k: v for k, v in load_file(str(tmp_path / "old.safetensors")).items() if not k.endswith(".scheme")}
    save_file(tensors, str(tmp_path / "before.safetensors"))  # as written before schemes existed
    loaded = load_references(tmp_path / "before.safetensors", ["word4", "char8"])
    assert loaded["char8"].scheme == "blake2b" and isinstance(loaded["char8"], NgramReference)


def test_reference_frequencies_match_a_sorted_search_above_two_to_the_63():
    """The bucketed look-up gives each key's document frequency, 0 when unseen, also for keys with the top bit set
    (about half of all poly64 keys), on the keys of real reports; keys not spread like hashes fall back to a binary
    search, and keys out of order are refused."""
    from nlp.reuse.ngrams import SortedHashes, build_references, char_ngram_keys
    from nlp.text.tokenizer import default_tokenizer

    from conftest import SAMPLES

    texts = [Document.from_path(p).text for p in sorted(SAMPLES.glob("*.txt"))]
    reference = build_references(texts[1:], default_tokenizer())["char8"]
    queries = char_ngram_keys(texts[:2], 8)[1]  # the first report's keys are partly unseen, the second's all seen
    expected = np.zeros(len(queries), dtype=np.int32)
    at = np.searchsorted(reference.keys, queries)
    seen = (at < len(reference.keys)) & (reference.keys[np.minimum(at, len(reference.keys) - 1)] == queries)
    expected[seen] = reference.df[at[seen]]
    got = reference.frequencies(queries)
    assert seen.any() and not seen.all() and (queries >= np.uint64(1 << 63)).any()
    assert (reference.keys >= np.uint64(1 << 63))[np.isin(reference.keys, queries)].any()
    np.testing.assert_array_equal(got, expected)
    assert reference._index.walk
    small = SortedHashes(np.arange(0, 3000, 3, dtype=np.uint64))  # all in the first bucket
    assert not small.walk
    np.testing.assert_array_equal(small.positions(np.array([0, 4, 2997, 3000], dtype=np.uint64)), [0, -1, 999, -1])
    with pytest.raises(ValueError, match="increasing"):
        SortedHashes(np.array([5, 3], dtype=np.uint64))
