"""The user-facing tagger: report (path or text) in, tagged :class:`~nlp.text.document.Document` out.

>>> import nlp
>>> tagger = nlp.load("default")
>>> doc = tagger("corpora/samples/001_9042ac2a28d37d4e.txt")
>>> nlp.to_frame([doc])            # one row per segment, ready for pandas
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from nlp.io.workers import map_in_workers
from nlp.models.base import TaggerModel
from nlp.models.registry import load_model
from nlp.text.document import Document
from nlp.text.inputs import SegmentInput


class Tagger:
    """Reader → sections → segments → (tokens) → themes and boilerplate, for one model."""

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
        inputs = [x for doc in docs for x in SegmentInput.from_document(doc)]
        tokenizer = self.model.word_tokenizer
        if tokenizer is not None:  # models that read no tokens (transformers, keywords) never pay for jieba
            inputs = [x.with_tokens(tokenizer) for x in inputs]
        pred = self.model.predict(inputs) if inputs else None
        segments = [seg for doc in docs for seg in doc.segments]
        if segments:  # rounded in numpy, once per batch: scale, round half to even, unscale; not correctly rounded as
            # Python's round() is, but the same rows on all 5,224 segments of the shared corpus (docs/performance.md)
            scores = np.round(np.asarray(pred.scores, dtype=float), 4).tolist()
            boilerplate = np.asarray(pred.boilerplate, dtype=bool).tolist()
            boilerplate_scores = np.round(np.asarray(pred.boilerplate_scores, dtype=float), 4).tolist()
        for i, seg in enumerate(segments):
            seg.themes = pred.themes[i]
            seg.scores = dict(zip(pred.labels, scores[i]))
            seg.boilerplate = boilerplate[i]
            seg.boilerplate_score = boilerplate_scores[i]
        for doc in docs:
            doc.meta["model"] = self.model.card.get("name") or self.model.kind
        return docs

    def pipe(self, reports: Iterable[str | Path], n_process: int = 1, chunksize: int = 4) -> Iterator[Document]:
        """Tag many reports, in order; ``n_process > 1`` loads the model once per worker process."""
        return map_in_workers(_tag_one, reports, n_process, context=self, chunksize=chunksize)


def _tag_one(tagger: Tagger, report) -> Document:
    return tagger(report)


def load(name_or_path: str | Path = "default", backend: str | None = None) -> Tagger:
    """A ready tagger from a model directory, a bundled model's name, or ``keyword``.

    ``backend`` picks the runtime of a bert model: ``torch`` (default), ``onnx`` or ``onnx-fp32``.
    """
    return Tagger(load_model(name_or_path, backend=backend))
