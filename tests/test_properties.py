"""Property tests: any mixture of real report lines and noise segments without error, validly, deterministically."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLES
from nlp.text.document import Document
from nlp.text.sections import SEGMENTED_KINDS, segmented_kinds

REAL_LINES = sorted({line for p in SAMPLES.glob("*.txt") for line in p.read_text(encoding="utf-8").splitlines()})
NOISE = st.text(alphabet=st.sampled_from("一二三四五六（）()、.．。；;：:，,|0123456789 \t\n\r\u3000\ufeff\u200b"
                                         "政府信息公开存在问题改进情况总体概述其他事项是第一最后①②"), max_size=40)
LINES = st.lists(st.one_of(st.sampled_from(REAL_LINES), NOISE, st.text(max_size=30)), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_segmentation_never_fails_and_offsets_are_valid(lines):
    text = "\n".join(lines)
    doc = Document.from_text(text)
    last_end = -1
    for seg in doc.segments:
        assert doc.text[seg.start:seg.end] == seg.text and seg.text.strip() == seg.text and seg.text
        assert seg.start >= last_end, "segments overlap or go backwards"
        last_end = seg.end
        # narrative (or unknown) sections only, except in a text without any heading, whose every part
        # after the preamble is kept under the kind it was placed in
        assert seg.section in segmented_kinds(doc.sections) and seg.section != "preamble"
        if any(s.heading for s in doc.sections):
            assert seg.section in SEGMENTED_KINDS
    for a, b in zip(doc.sections, doc.sections[1:]):
        assert a.end <= b.start
    again = Document.from_text(text)
    assert [(s.start, s.end, s.heading) for s in again.segments] == [(s.start, s.end, s.heading) for s in doc.segments]
    assert [(s.kind, s.start, s.end) for s in again.sections] == [(s.kind, s.start, s.end) for s in doc.sections]
