"""What a model sees of one segment: the one record type every model kind takes as input.

Built from a tagged report (:meth:`SegmentInput.from_document`) or from gold rows
(:func:`nlp.labels.gold.gold_records`); it carries the report's text and the
segment's offsets into it, so context features (the previous sentence, the
report's own n-grams) are found by position, never by searching for the text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from nlp.text.script import to_simplified


def simplified_report(text: str) -> str:
    """The report in simplified characters when that keeps every offset (the usual one-to-one case);
    otherwise the original, so that offsets into it stay right."""
    converted = to_simplified(text)
    return converted if len(converted) == len(text) else text


@dataclass(frozen=True)
class SegmentInput:
    text: str
    section: str | None = None
    heading: str | None = None
    tokens: Sequence[str] | None = None
    doc_id: str | None = None
    start: int | None = None
    end: int | None = None
    doc_text: str | None = None

    @classmethod
    def from_document(cls, doc) -> list["SegmentInput"]:
        """One input per segment of a :class:`~nlp.text.document.Document`, in order, in simplified
        characters (:func:`~nlp.text.script.to_simplified`); offsets still index the document's text."""
        doc_text = simplified_report(doc.text)
        return [cls(text=to_simplified(s.text), section=s.section, heading=to_simplified(s.heading), doc_id=doc.doc_id,
                    start=s.start, end=s.end, doc_text=doc_text) for s in doc.segments]

    def with_tokens(self, tokenize) -> "SegmentInput":
        return replace(self, tokens=tokenize(self.text))

    def text_before(self) -> str:
        """The report text before this segment ('' when the report text or the offset is unknown)."""
        if not self.doc_text:
            return ""
        if self.start is not None:
            return self.doc_text[:self.start]
        at = self.doc_text.find(self.text)  # inputs made without offsets (hand-built records)
        return self.doc_text[:at] if at > 0 else ""
