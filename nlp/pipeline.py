"""The user-facing tagger: report (path or text) in, tagged :class:`~nlp.document.Document` out.

>>> import nlp
>>> tagger = nlp.load("default")
>>> doc = tagger("corpora/samples/001_9042ac2a28d37d4e.txt")
>>> nlp.to_frame([doc])            # one row per segment, ready for pandas
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from .document import Document
from .features import records_from_segments
from .models import TaggerModel, load_model
from .tokenizer import default_tokenizer


class Tagger:
    """Reader → sections → segments → tokens → themes and boilerplate, for one model."""

    def __init__(self, model: TaggerModel):
        self.model = model

    @property
    def labels(self) -> list[str]:
        return self.model.labels

    def __call__(self, report: str | Path | Document) -> Document:
        """Tag one report given as a path, as its text, or as a Document."""
        if isinstance(report, Document):
            doc = report
        elif isinstance(report, Path) or (isinstance(report, str) and "\n" not in report
                                          and len(report) < 1024 and Path(report).is_file()):
            doc = Document.from_path(report)
        else:
            doc = Document.from_text(report)
        return self.tag(doc)

    def tag(self, doc: Document) -> Document:
        return self.tag_many([doc])[0]

    def tag_many(self, docs: list[Document]) -> list[Document]:
        """Tag several documents with one model call (much faster than one call per report)."""
        tokenizer = default_tokenizer()
        records = []
        for doc in docs:
            doc.tokenize(tokenizer)
            records.extend(records_from_segments(doc.segments, doc.text))
        pred = self.model.predict(records) if records else None
        segments = [seg for doc in docs for seg in doc.segments]
        for i, seg in enumerate(segments):
            seg.themes = pred.themes[i]
            seg.scores = {label: round(float(s), 4) for label, s in zip(pred.labels, pred.scores[i])}
            seg.boilerplate = bool(pred.boilerplate[i])
            seg.boilerplate_score = round(float(pred.boilerplate_scores[i]), 4)
        for doc in docs:
            doc.meta["model"] = self.model.card.get("name") or self.model.kind
        return docs

    def pipe(self, reports: Iterable[str | Path], n_process: int = 1, chunksize: int = 4) -> Iterator[Document]:
        """Tag many reports, in order; ``n_process > 1`` loads the model once per worker process."""
        if n_process <= 1:
            for report in reports:
                yield self(report)
            return
        with ProcessPoolExecutor(max_workers=n_process, initializer=_init_worker, initargs=(self.model,)) as pool:
            yield from pool.map(_tag_in_worker, reports, chunksize=chunksize)


_WORKER: Tagger | None = None


def _init_worker(model: TaggerModel) -> None:
    global _WORKER
    _WORKER = Tagger(model)


def _tag_in_worker(report) -> Document:
    return _WORKER(report)


def load(name_or_path: str | Path = "default", backend: str | None = None) -> Tagger:
    """A ready tagger from a model directory, a name under ``models/``, or ``keyword``.

    ``backend`` picks the runtime of a bert model: ``torch`` (default), ``onnx`` or ``onnx-fp32``.
    """
    return Tagger(load_model(name_or_path, backend=backend))


def tag_rows(doc: Document) -> list[dict]:
    """One flat row per tagged segment (the ``nlp tag`` output schema)."""
    rows = []
    for seg in doc.segments:
        row = {"doc_id": doc.doc_id, "path": doc.path, "section": seg.section, "heading": seg.heading,
               "start": seg.start, "end": seg.end, "text": seg.text, "themes": seg.themes,
               "boilerplate": seg.boilerplate, "boilerplate_score": seg.boilerplate_score}
        row.update({f"score_{label}": score for label, score in seg.scores.items()})
        rows.append(row)
    return rows


def summary_columns(labels: list[str]) -> list[str]:
    """Columns of :func:`doc_summary` rows, in order."""
    columns = ["doc_id", "path", "n_segments", "boilerplate_share", "sections_found", "sections_missing",
               "audit_ok", "encoding"]
    for section in ("overall", "problems"):
        columns += [f"{section}_n_segments", f"{section}_boilerplate_share"] + [f"{section}_share_{l}" for l in labels]
    return columns


def doc_summary(doc: Document, labels: list[str]) -> dict:
    """One row per report: theme shares per narrative section, boilerplate share, section audit."""
    row = {"doc_id": doc.doc_id, "path": doc.path, "n_segments": len(doc.segments),
           "boilerplate_share": _share([s.boilerplate for s in doc.segments]),
           "sections_found": ",".join(doc.audit.found), "sections_missing": ",".join(doc.audit.missing),
           "audit_ok": doc.audit.ok, "encoding": doc.encoding}
    for section in ("overall", "problems"):
        segs = [s for s in doc.segments if s.section == section]
        row[f"{section}_n_segments"] = len(segs)
        row[f"{section}_boilerplate_share"] = _share([s.boilerplate for s in segs])
        for label in labels:
            row[f"{section}_share_{label}"] = _share([label in s.themes for s in segs])
    return row


def _share(flags: list) -> float | None:
    return round(sum(map(bool, flags)) / len(flags), 4) if flags else None


def to_frame(docs: Iterable[Document]) -> pd.DataFrame:
    """Tagged segments of many documents as one DataFrame."""
    return pd.DataFrame([row for doc in docs for row in tag_rows(doc)])
