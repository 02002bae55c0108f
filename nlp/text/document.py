"""The document object that flows through every stage: text, sections, segments, tokens.

Like a spaCy ``Doc``, it carries the normalised text and everything found in it
as offsets into that text, so any label can be traced back to the source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from nlp.text.reader import DEFAULT_MAX_BYTES, Source, read, read_text
from nlp.text.sections import Audit, Section, find_sections
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
        return cls(doc_id=doc_id, text=source.text, sections=sections, segments=segment(source.text, sections),
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

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "path": self.path, "format": self.format, "encoding": self.encoding,
                "text": self.text, "sections": [asdict(s) for s in self.sections],
                "segments": [asdict(s) for s in self.segments], "audit": self.audit.to_dict(),
                "warnings": self.warnings, "meta": self.meta, "tokenizer_hash": self.tokenizer_hash}
