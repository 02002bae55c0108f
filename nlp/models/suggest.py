"""Which segments to label next (``nlp suggest``): uncertain, rare-label, diverse, not already labelled.

Why each step:
- Uncertainty per label: a score near its decision threshold is where a label would change the model
  most; ``1 - |score - threshold| / (distance from the threshold to the far end of [0, 1])``, 1 at the
  threshold and 0 at a confident 0 or 1. A label that is never predicted (no positive seen) has none.
- Rare labels weigh more: frequent labels are learned from random text anyway; weight
  ``((n + 1) / (positives + 1)) ** power`` per label, scaled to mean 1, with the positives counted in
  the labelled gold when given (``--exclude``), else among the pool's predictions. A segment's value is
  its best label's weight × uncertainty; the reasons list the labels behind it.
- Diversity: at most ``per_report`` suggestions from one report, and one per family of near-identical
  sentences (:mod:`nlp.reuse.families`, numbers masked): 200 copies of one stock sentence teach one thing.
- Already labelled: a pool segment in the same family as a gold segment (which includes the gold
  segment itself) is never suggested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from nlp.io.corpus import iter_reports
from nlp.io.rows import segment_rows
from nlp.io.sinks import FORMATS, read_rows
from nlp.labels.annotate import prediction as annotate_prediction
from nlp.labels.annotate import tasks as annotate_tasks
from nlp.labels.gold import GoldSegment
from nlp.labels.labelset import LabelSet
from nlp.models.base import ModelError, TaggerModel
from nlp.reuse.families import FamilyConfig, find_families
from nlp.text.document import Document
from nlp.text.inputs import SegmentInput


@dataclass
class Candidate:
    """A pool segment: the model's input, and its Label Studio task as ``nlp annotate export`` writes it."""

    input: SegmentInput
    task: dict


@dataclass
class Suggestion:
    index: int                 # into the candidates
    value: float               # best weight × uncertainty
    family: int
    reasons: list[dict] = field(default_factory=list)
    prediction: dict | None = None  # the model's labels as a Label Studio pre-annotation


# ----------------------------------------------------------------------------- the pool

def _is_report_corpus(path: Path) -> bool:
    """A JSONL of whole reports (``corpora/corpus/reports.jsonl``), not of segments: rows without doc_id and section."""
    if path.suffix.lower() != ".jsonl":
        return False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                return not ("doc_id" in row and "section" in row)
    return False


def _offset(value) -> int | None:
    return None if value in (None, "") else int(value)


def read_pool(sources: Sequence[str | Path], labelset: LabelSet, on_error=None) -> list[Candidate]:
    """Narrative segments (headings left out) of report files, directories, globs, report corpora (a JSONL
    of reports such as ``corpora/corpus/reports.jsonl``, a ``shared/corpus`` directory) or segment files
    (``nlp segment`` output: .jsonl .csv .parquet). Tasks come from :func:`nlp.labels.annotate.tasks`, so a
    suggested batch has the ids and fields of ``nlp annotate export``. ``on_error(path, reason)`` gets
    unreadable report files."""
    rows: list[dict] = []
    inputs: list[SegmentInput] = []
    reports = []
    for source in sources:
        path = Path(source)
        if path.is_file() and path.suffix.lower() in FORMATS and not _is_report_corpus(path):
            for n, row in enumerate(read_rows(path), 1):
                if not row.get("text") or not row.get("doc_id"):
                    raise ValueError(f"{path}:{n}: a segment row needs 'text' and 'doc_id'")
                rows.append({**row, "path": row.get("path") or str(path)})
                inputs.append(SegmentInput(text=row["text"], section=row.get("section"), heading=row.get("heading"),
                                           doc_id=str(row["doc_id"]), start=_offset(row.get("start")),
                                           end=_offset(row.get("end"))))
        else:
            reports.append(source)
    for report in iter_reports(reports, on_error=on_error) if reports else []:
        doc = Document.from_source(report.source, doc_id=report.doc_id, start_kind=report.start_kind,
                                   meta=report.meta)
        rows.extend({**row, "path": row.get("path") or report.origin} for row in segment_rows(doc))
        inputs.extend(SegmentInput.from_document(doc))
    pool_tasks = annotate_tasks(rows, labelset, where=", ".join(map(str, sources)))
    return [Candidate(x, task) for x, task in zip(inputs, pool_tasks) if not task["data"]["is_heading"]]


# ----------------------------------------------------------------------------- ranking

def model_thresholds(model: TaggerModel) -> np.ndarray:
    """The per-label decision thresholds of a model kind that has them."""
    for owner, name in ((model, "thresholds"), (getattr(model, "themes", None), "thresholds_")):
        value = getattr(owner, name, None)
        if isinstance(value, np.ndarray) and value.shape == (len(model.labels),):
            return value.astype(float)
    raise ModelError(f"a {model.kind} model has no score thresholds, so nothing is uncertain to it; "
                     "suggest with a trained model (linear, fewshot or bert)")


def uncertainty(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per segment and label: 1 at the threshold, falling linearly to 0 at the far end of [0, 1];
    0 for labels that can never pass (threshold above 1)."""
    t = np.clip(thresholds, 1e-6, 1 - 1e-6)
    span = np.where(scores >= t, 1 - t, t)
    u = np.clip(1 - np.abs(scores - t) / span, 0.0, 1.0)
    u[:, thresholds > 1] = 0.0
    return u


def rarity_weights(positives: np.ndarray, n: int, power: float = 0.5) -> np.ndarray:
    """``((n + 1) / (positives + 1)) ** power``, scaled to mean 1: rarer labels weigh more."""
    w = ((n + 1) / (np.asarray(positives, dtype=float) + 1)) ** power
    return w / w.mean()


def family_ids(texts: Sequence[str], docs: Sequence[str], config: FamilyConfig = FamilyConfig()) -> np.ndarray:
    """Family of each text among ``texts`` (near-identical after masking numbers: one family)."""
    return find_families(list(texts), list(docs), list(docs), config).family


def gold_positives(labelled: Sequence[GoldSegment], labels: Sequence[str]) -> np.ndarray:
    """Labelled positives per label (what :func:`rank` weighs rarity by)."""
    return np.array([sum(label in s.themes for s in labelled) for label in labels], dtype=int)


def rank(scores: np.ndarray, labels: Sequence[str], thresholds: np.ndarray, docs: Sequence[str], families: np.ndarray,
         labelled_families: Iterable[int] = (), positives: np.ndarray | None = None, n: int = 200,
         per_report: int = 3, power: float = 0.5, n_labelled: int = 0) -> list[Suggestion]:
    """The ``n`` most valuable candidates (see the module docstring), best first.

    ``scores``: the model's ``[candidates, labels]`` scores; ``families``: family of each candidate;
    ``labelled_families``: families holding a gold segment (never suggested); ``positives``: gold
    positives per label among ``n_labelled`` labelled segments (default: the pool's predicted positives)."""
    if positives is None:
        positives, n_labelled = (scores >= thresholds).sum(axis=0), len(scores)
    weights = rarity_weights(positives, n_labelled, power)
    value_by_label = uncertainty(scores, thresholds) * weights
    value = value_by_label.max(axis=1) if len(value_by_label) else np.zeros(0)
    blocked = {int(f) for f in labelled_families}
    per_doc: dict[str, int] = {}
    out: list[Suggestion] = []
    for i in np.argsort(-value, kind="stable").tolist():
        if len(out) >= n:
            break
        family = int(families[i])
        if family in blocked or per_doc.get(docs[i], 0) >= per_report:
            continue
        blocked.add(family)
        per_doc[docs[i]] = per_doc.get(docs[i], 0) + 1
        top = [j for j in np.argsort(-value_by_label[i]).tolist()[:3] if value_by_label[i, j] > 0]
        reasons = [{"label": labels[j], "score": round(float(scores[i, j]), 4),
                    "threshold": round(float(thresholds[j]), 4),
                    "uncertainty": round(float(value_by_label[i, j] / weights[j]), 4),
                    "weight": round(float(weights[j]), 3)} for j in top]
        out.append(Suggestion(i, float(value[i]), family, reasons))
    return out


def suggest(model: TaggerModel, candidates: Sequence[Candidate], labelled: Sequence[GoldSegment] = (),
            n: int = 200, per_report: int = 3, power: float = 0.5,
            family_config: FamilyConfig = FamilyConfig()) -> list[Suggestion]:
    """Score the pool with ``model`` and :func:`rank` it, leaving out what ``labelled`` already covers."""
    thresholds = model_thresholds(model)
    inputs = [c.input for c in candidates]
    tokenizer = model.word_tokenizer
    if tokenizer is not None:
        inputs = [x.with_tokens(tokenizer) for x in inputs]
    pred = model.predict(inputs)
    texts = [c.input.text for c in candidates] + [s.text for s in labelled]
    docs = [c.input.doc_id or "" for c in candidates] + [f"gold:{s.doc_id}" for s in labelled]
    families = family_ids(texts, docs, family_config)
    positives = gold_positives(labelled, model.labels) if labelled else None
    chosen = rank(pred.scores, pred.labels, thresholds, docs[:len(candidates)], families[:len(candidates)],
                  families[len(candidates):], positives, n, per_report, power, n_labelled=len(labelled))
    version = model.card.get("name") or model.kind
    for s in chosen:
        i = s.index
        scored = {"themes": pred.themes[i], "boilerplate": bool(pred.boilerplate[i]),
                  "boilerplate_score": float(pred.boilerplate_scores[i]),
                  **{f"score_{label}": float(pred.scores[i, j]) for j, label in enumerate(pred.labels)}}
        s.prediction = annotate_prediction(scored, model.labelset, version)
    return chosen


def suggestion_tasks(candidates: Sequence[Candidate], suggestions: Sequence[Suggestion], model_name: str) -> list[dict]:
    """The suggested candidates' tasks, best first: the model's labels as a pre-annotation
    (:func:`nlp.labels.annotate.prediction`, as ``nlp annotate export --model`` adds them) and why each was
    chosen in the task's ``meta`` (Label Studio shows it in the task's info and keeps it on export)."""
    return [{**candidates[s.index].task, **({"predictions": [s.prediction]} if s.prediction else {}),
             "meta": {"suggest": {"rank": rank_no, "value": round(s.value, 4), "family": s.family,
                                  "model": model_name, "reasons": s.reasons}}}
            for rank_no, s in enumerate(suggestions, 1)]
