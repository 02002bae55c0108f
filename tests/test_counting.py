"""The numpy n-gram counter gives exactly scikit-learn's counts, so loaded linear models predict as before."""

import itertools
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.io.corpus import iter_reports
from nlp.models.counting import NgramCounter
from nlp.models.pipelines import vectorizer
from nlp.models.registry import load_model
from nlp.text.document import Document
from nlp.text.inputs import SegmentInput

from conftest import ROOT


def sklearn_counts(vectorizer, texts):
    counts = vectorizer._count_vocab(texts, fixed_vocab=True)[1]
    counts.sort_indices()
    return counts


def assert_same_matrix(got, want):
    assert got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)
    assert got.dtype == want.dtype


@pytest.fixture(scope="module")
def corpus_frames():
    """The default model and its two feature frames over 150 reports of corpus v2 (real segments)."""
    model = load_model("default")
    reports = itertools.islice(iter_reports([ROOT / "corpora" / "corpus" / "reports.jsonl"]), 150)
    inputs = [x.with_tokens(model.word_tokenizer) for r in reports
              for x in SegmentInput.from_document(Document.from_text(r.source.text))]
    assert len(inputs) > 1000
    return model, {"themes": model.themes._frame(inputs), "boilerplate": model.boilerplate._frame(inputs)}


@pytest.mark.parametrize("part", ["themes", "boilerplate"])
def test_counts_equal_scikit_learn_on_real_segments(corpus_frames, part):
    model, frames = corpus_frames
    blocks = [b for b in getattr(model, part).pipeline_.blocks if b["kind"] == "tfidf"]
    assert {b["column"] for b in blocks} >= {"words", "chars"}
    for block in blocks:
        counter = NgramCounter.from_params(block["params"], block["vocabulary"])
        assert counter is not None, f"{part}/{block['column']}: analyser not covered, tagging would be slow"
        texts = frames[part][block["column"]].tolist()
        assert_same_matrix(counter.counts(texts), sklearn_counts(vectorizer(block), texts))


def test_loaded_pipeline_scores_equal_scikit_learn_transform(corpus_frames):
    model, frames = corpus_frames
    pipeline, frame = model.themes.pipeline_, frames["themes"]
    fast = pipeline.transform(frame)
    slow = np.hstack([vectorizer(b).transform(frame[b["column"]]).toarray() if b["kind"] == "tfidf" else
                      (frame[b["columns"]].to_numpy(float) - b["mean"]) / b["scale"] for b in pipeline.blocks])
    assert np.array_equal(fast.toarray(), slow)


AWKWARD_TRAIN = ["主动公开 政府信息 1,234 条", "ABC abc\t\tABC", "依申请公开  政府信息  公开", "😀 表情 😀😀",
                 "x", "", "政务\u3000公开\u00a0平台 建设", "Open Data 开放 数据 开放"]
AWKWARD = AWKWARD_TRAIN + ["ＡＢＣ abc", "   ", "\n\n主动\n公开\n", "𠀀𠀁 罕用字", "政府信息 公开 政府信息 公开 公开",
                           "a\x1fb", "aB\r\nAb", "平台 建设 平台 建设 平台"]


@pytest.mark.parametrize("params", [
    dict(analyzer="char", ngram_range=(1, 3)),
    dict(analyzer="char", ngram_range=(1, 2), lowercase=False),
    dict(analyzer="word", token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2)),
    dict(analyzer="word", token_pattern=r"\S+", lowercase=True, ngram_range=(1, 2)),
    dict(analyzer="word", token_pattern=r"\S+", lowercase=False, ngram_range=(1, 2), max_features=12),
    dict(analyzer="word", token_pattern=r"\S+", lowercase=False),
])
def test_counts_equal_scikit_learn_on_awkward_text(params):
    vectorizer = TfidfVectorizer(**params).fit(AWKWARD_TRAIN)
    counter = NgramCounter.from_vectorizer(vectorizer)
    assert counter is not None
    assert_same_matrix(counter.counts(AWKWARD), sklearn_counts(vectorizer, AWKWARD))
    assert counter.counts([]).shape == (0, len(vectorizer.vocabulary_))


@pytest.mark.parametrize("params", [
    dict(analyzer="char_wb", ngram_range=(1, 3)),
    dict(analyzer="char", ngram_range=(2, 4)),
    dict(analyzer="word", ngram_range=(1, 3), token_pattern=r"\S+"),
    dict(analyzer="word"),  # scikit-learn's default token pattern drops one-character words
])
def test_other_analysers_are_left_to_scikit_learn(params):
    assert NgramCounter.from_vectorizer(TfidfVectorizer(**params).fit(AWKWARD_TRAIN)) is None


def test_whitespace_split_is_the_token_pattern():
    """Words are split with str.split(): the same tokens as scikit-learn's r"\\S+" for every code point."""
    pattern = re.compile(r"\S+")
    for point in range(0x110000):
        if 0xD800 <= point <= 0xDFFF:
            continue
        text = f"a{chr(point)}b"
        assert text.split() == pattern.findall(text), hex(point)


def test_tagging_with_a_loaded_linear_model_never_imports_scikit_learn():
    """Its import (0.7 s, SciPy's statistics with it) was half the cold start; prediction needs none of it."""
    code = ("import sys, nlp; doc = nlp.load('default')(sys.argv[1]); "
            "assert any(s.themes for s in doc.segments), 'no themes'; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    seed = next((ROOT / "corpora" / "samples").glob("*.txt"))
    out = subprocess.run([sys.executable, "-c", code, str(seed)], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
