"""The public row schemas of ``nlp segment``, ``nlp tag`` and ``--doc-summary``: defined here once.

These column names are a public interface (README): keep them stable.
"""

from __future__ import annotations

from typing import Iterable

from nlp.text.document import Document
from nlp.text.sections import NARRATIVE_KINDS

SEGMENT_COLUMNS = ("doc_id", "path", "section", "heading", "start", "end", "text", "is_heading", "tokens")
_TAG_BASE = ("doc_id", "path", "section", "heading", "start", "end", "text", "is_heading", "themes", "boilerplate",
             "boilerplate_score")


def tag_columns(labels: list[str]) -> list[str]:
    return list(_TAG_BASE) + [f"score_{label}" for label in labels]


def summary_columns(labels: list[str]) -> list[str]:
    """Columns of :func:`doc_summary` rows, in order."""
    columns = ["doc_id", "path", "status", "reason", "noise", "n_segments", "boilerplate_share", "sections_found",
               "sections_inferred", "sections_missing", "audit_ok", "encoding"]
    for section in NARRATIVE_KINDS:
        columns += [f"{section}_n_segments", f"{section}_boilerplate_share"] + [f"{section}_share_{l}" for l in labels]
    return columns


def _base_row(doc: Document, seg) -> dict:
    return {"doc_id": doc.doc_id, "path": doc.path, "section": seg.section, "heading": seg.heading,
            "start": seg.start, "end": seg.end, "text": seg.text, "is_heading": seg.is_heading}


def segment_rows(doc: Document) -> list[dict]:
    """One row per segment (the ``nlp segment`` schema)."""
    return [_base_row(doc, seg) | {"tokens": seg.tokens} for seg in doc.segments]


def tag_rows(doc: Document) -> list[dict]:
    """One flat row per tagged segment (the ``nlp tag`` schema)."""
    rows = []
    for seg in doc.segments:
        row = _base_row(doc, seg) | {"themes": seg.themes, "boilerplate": seg.boilerplate,
                                     "boilerplate_score": seg.boilerplate_score}
        row.update({f"score_{label}": score for label, score in seg.scores.items()})
        rows.append(row)
    return rows


def doc_summary(doc: Document, labels: list[str]) -> dict:
    """One row per report: theme shares per narrative section, boilerplate share, section audit."""
    status, reason = doc.status
    row = {"doc_id": doc.doc_id, "path": doc.path, "status": status, "reason": reason, "noise": doc.noise,
           "n_segments": len(doc.segments), "boilerplate_share": _share([s.boilerplate for s in doc.segments]),
           "sections_found": ",".join(doc.audit.found), "sections_inferred": ",".join(doc.audit.inferred),
           "sections_missing": ",".join(doc.audit.missing), "audit_ok": doc.audit.ok, "encoding": doc.encoding}
    for section in NARRATIVE_KINDS:
        segs = [s for s in doc.segments if s.section == section]
        row[f"{section}_n_segments"] = len(segs)
        row[f"{section}_boilerplate_share"] = _share([s.boilerplate for s in segs])
        for label in labels:
            row[f"{section}_share_{label}"] = _share([label in s.themes for s in segs])
    return row


def _share(flags: list) -> float | None:
    return round(sum(map(bool, flags)) / len(flags), 4) if flags else None


def to_frame(docs: Iterable[Document]):
    """Tagged segments of many documents as one pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame([row for doc in docs for row in tag_rows(doc)])
