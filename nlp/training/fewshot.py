"""The few-shot recipe (:class:`~nlp.models.fewshot.FewshotModel`): embed once, fit a head per label, tune thresholds.

Thresholds come from held-out scores as in the linear recipe: the dev split (when there is one)
plus out-of-fold scores of the training segments (folds grouped by report), because a new label
set's few dozen dev segments alone would leave each threshold to one or two examples.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from nlp.labels.labelset import LabelSet
from nlp.models.fewshot import E5_QUERY, EmbeddingHeads, FewshotModel, SentenceEncoder
from nlp.models.linear import out_of_fold
from nlp.models.thresholds import best_threshold, tune_thresholds
from nlp.training.data import TrainingData
from nlp.training.transformer import targets


@dataclass
class FewshotTrainingConfig:
    """Settings of the few-shot recipe; ``encoder`` is a directory made by ``nlp convert-e5``."""

    encoder: str
    C: float = 100.0               # inverse regularisation of each label's logistic regression (dev, k=16: 1 → 0.540,
    #                                10 → 0.546, 100 → 0.590, 1000 → 0.568 micro-F1; bench/fewshot_curve.py --split dev)
    boilerplate_C: float = 1.0
    max_length: int = 256          # tokens per segment (e5 takes up to 512)
    prefix: str = E5_QUERY
    batch_size: int = 32
    folds: int = 5                 # out-of-fold scores for the thresholds

    def to_dict(self) -> dict:
        return asdict(self)


def fit_fewshot(cfg: FewshotTrainingConfig, labelset: LabelSet, encoder: SentenceEncoder, train, dev) -> FewshotModel:
    """Heads on ``train`` gold segments, thresholds from ``dev`` + out-of-fold train scores."""
    x_train = encoder.embed([s.text for s in train])
    groups = [s.doc_id for s in train]
    y_train = targets(train, labelset.ids).astype(int)  # themes, then boilerplate (last column)
    themes = EmbeddingHeads(cfg.C).fit(x_train, y_train[:, :-1])
    boilerplate = EmbeddingHeads(cfg.boilerplate_C).fit(x_train, y_train[:, -1:])
    folds = min(cfg.folds, len(set(groups)))
    if folds >= 2:
        scores = out_of_fold(themes, list(x_train), list(y_train[:, :-1]), groups, folds)
        bp_scores = out_of_fold(boilerplate, list(x_train), list(y_train[:, -1:]), groups, folds)[:, 0]
        y = y_train
    else:  # one report only: no held-out scores from train
        scores, bp_scores = np.zeros((0, len(labelset.ids))), np.zeros(0)
        y = np.zeros((0, len(labelset.ids) + 1), dtype=int)
    if dev:
        x_dev = encoder.embed([s.text for s in dev])
        scores = np.vstack([themes.predict_proba(x_dev), scores])
        bp_scores = np.r_[boilerplate.predict_proba(x_dev)[:, 0], bp_scores]
        y = np.vstack([targets(dev, labelset.ids).astype(int), y])
    thresholds = tune_thresholds(y[:, :-1], scores, themes.trained_)
    return FewshotModel(labelset, encoder, themes, thresholds, boilerplate, best_threshold(y[:, -1], bp_scores))


def train_fewshot(cfg: FewshotTrainingConfig, data: TrainingData,
                  encoder: SentenceEncoder | None = None) -> tuple[FewshotModel, dict, dict]:
    """Fit on ``train``; returns the model, its parameters and data notes for the card (as ``train_linear``).
    ``encoder``: one already loaded (a benchmark's, with its embedding cache)."""
    encoder = encoder or SentenceEncoder.from_dir(cfg.encoder, max_length=cfg.max_length, prefix=cfg.prefix,
                                                  batch_size=cfg.batch_size)
    model = fit_fewshot(cfg, data.labelset, encoder, data.segments("train"), data.segments("dev"))
    params = {**cfg.to_dict(), "fit_on": "train",
              "thresholds": dict(zip(data.labelset.ids, model.thresholds.round(4).tolist())),
              "boilerplate_threshold": round(model.boilerplate_threshold, 4)}
    return model, params, {"reference": None, "reference_docs": 0}


def sample_per_label(segments: Sequence, labels: Sequence[str], k: int, seed: int = 0,
                     negatives: int | None = None) -> list:
    """A few-shot training set: at least ``k`` positives of every label (rarest label first, so segments
    picked for one label count for the others they carry), plus ``negatives`` segments without any
    theme (default ``k``), as an annotator's first batch of a new label set would look."""
    rng = random.Random(seed)
    order = list(segments)
    rng.shuffle(order)
    chosen: list = []
    taken: set[int] = set()
    count = Counter()
    for label in sorted(labels, key=lambda l: (sum(l in s.themes for s in order), l)):
        for i, s in enumerate(order):
            if count[label] >= k:
                break
            if i not in taken and label in s.themes:
                taken.add(i)
                chosen.append(s)
                count.update(s.themes)
    empty = [s for i, s in enumerate(order) if i not in taken and not s.themes]
    return chosen + empty[:k if negatives is None else negatives]
