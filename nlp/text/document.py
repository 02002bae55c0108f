"""The document object that flows through every stage: text, sections, segments, tokens.

Like a spaCy ``Doc``, it carries the normalised text and everything found in it
as offsets into that text, so any label can be traced back to the source.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nlp.text.reader import DEFAULT_MAX_BYTES, Source, read, read_text
from nlp.text.sections import Audit, Section, find_sections, segmented_kinds
from nlp.text.segments import Segment, segment
from nlp.text.tokenizer import Tokenizer

@dataclass
class Document:
    """A report after reading, section finding and segmentation."""

    doc_id: str
    text: str
    sections: list[Section]
    segments: list[Segment]
    audit: Audit
    path: str | None = None
    format: str = "txt"
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    tokenizer_hash: str | None = None

    @classmethod
    def from_source(cls, source: Source, doc_id: str | None = None, start_kind: str | None = None,
                    meta: dict | None = None) -> "Document":
        sections, audit = find_sections(source.text, start_kind=start_kind)
        meta = dict(meta or {})
        if doc_id is None:
            doc_id = meta.get("doc_id") or (Path(source.path).stem if source.path else "doc")
        return cls(doc_id=doc_id, text=source.text, sections=sections,
                   segments=segment(source.text, sections, segmented_kinds(sections)),
                   audit=audit, path=source.path, format=source.format, encoding=source.encoding,
                   warnings=list(source.warnings) + list(audit.warnings), meta=meta)

    @classmethod
    def from_path(cls, path, doc_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs) -> "Document":
        """Read a report file (.txt/.html/.docx/.pdf); raises ReadError naming the file on bad input."""
        return cls.from_source(read(path, max_bytes=max_bytes), doc_id=doc_id, **kwargs)

    @classmethod
    def from_text(cls, text: str, doc_id: str = "doc", format: str = "txt", **kwargs) -> "Document":
        """Build from an in-memory string; the text is normalised first."""
        return cls.from_source(read_text(text, format=format), doc_id=doc_id, **kwargs)

    def tokenize(self, tokenizer: Tokenizer) -> "Document":
        for seg in self.segments:
            seg.tokens = tokenizer(seg.text)
        self.tokenizer_hash = tokenizer.hash
        return self

    @functools.cached_property
    def noise(self) -> float:
        """Share of the report's characters in junk lines (:func:`nlp.text.noise.noise_score`)."""
        from nlp.text.noise import noise_score

        return noise_score(self.text)

    @property
    def status(self) -> tuple[str, str]:
        """(status, reason): ``ok``; ``inferred`` (a narrative section placed by the outline, no heading);
        ``no_sections`` (no heading at all: every part after the preamble is segmented and flagged, under
        the kind its content placed it in, ``unknown`` when nothing did);
        ``no_narrative`` (headings, but neither overall nor problems: no rows); ``mostly_noise``."""
        from nlp.text.noise import NOISY

        kinds = {s.kind for s in self.sections}
        if self.noise > NOISY:
            return "mostly_noise", f"{self.noise:.0%} of the text is table debris, OCR-like junk or repeated lines"
        if not self.segments:
            if kinds <= {"unknown"}:
                return "no_sections", "no text"
            found = ", ".join(sorted(kinds)) or "none"
            return "no_narrative", f"no overall or problems section found (sections: {found})"
        if not any(s.heading for s in self.sections) and self.audit.warnings:
            parts = [s.kind for s in self.sections if s.kind != "preamble"]
            if len(parts) > 1:
                return "no_sections", f"no recognisable heading: its parts were placed by what they report " \
                    f"({' > '.join(parts)})"
            return "no_sections", f"no recognisable heading: the whole text is one '{parts[-1]}' section" + \
                (" (placed by what it reports)" if parts[-1] != "unknown" else "")
        if self.audit.inferred:
            return "inferred", f"{', '.join(self.audit.inferred)} placed by the outline (heading missing)"
        return "ok", ""

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "path": self.path, "format": self.format, "encoding": self.encoding,
                "text": self.text, "sections": [asdict(s) for s in self.sections],
                "segments": [asdict(s) for s in self.segments], "audit": self.audit.to_dict(),
                "warnings": self.warnings, "meta": self.meta, "tokenizer_hash": self.tokenizer_hash}
