"""Building gold files from hand labels: re-segment a report and re-attach its labelled segments.

Labels are given to segments by id (``<doc_id>#<index>``) and text when annotators read them; when
the section finder or segmenter changes later, the labels follow their text, never a model.
"""

from __future__ import annotations

from nlp.io.corpus import CorpusReport
from nlp.text.document import Document


def segment_report(report: CorpusReport) -> Document:
    """The report as the project segments it; a passage without headings starts in the part its
    collector named (``start_kind``), as when it was labelled."""
    doc = Document.from_source(report.source, doc_id=report.doc_id)
    headingless = len(doc.sections) == 1 and not doc.sections[0].heading
    if headingless and report.start_kind and doc.sections[0].kind != report.start_kind:
        doc = Document.from_source(report.source, doc_id=report.doc_id, start_kind=report.start_kind)
    return doc


def attach(doc: Document, wanted: dict[str, str]) -> dict[str, object]:
    """Map labelled ids of one document (id → segment text) to its segments by identical text,
    the nearest index first; ids whose text is no longer a segment are left out."""
    out, used = {}, set()
    for seg_id, text in sorted(wanted.items(), key=lambda kv: int(kv[0].rsplit("#", 1)[1])):
        old_index = int(seg_id.rsplit("#", 1)[1])
        matches = [s for s in doc.segments if s.text == text and s.index not in used]
        if matches:
            best = min(matches, key=lambda s: abs(s.index - old_index))
            used.add(best.index)
            out[seg_id] = best
    return out
