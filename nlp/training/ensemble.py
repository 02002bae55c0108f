"""Build an ensemble of trained models: weights given, thresholds tuned on the averaged held-out scores.

    nlp train --model ensemble --member default --member e5-gov --gold corpora/gold --out models/ensemble-gov

The members are already trained (on train, their thresholds on dev); the ensemble's own thresholds are
tuned on its members' averaged ``dev`` scores, and ``test`` stays untouched for the card.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from nlp.models.ensemble import EnsembleModel, load_member
from nlp.models.registry import bundled_name
from nlp.models.thresholds import midpoint_threshold, tune_thresholds
from nlp.training.data import TrainingData


@dataclass
class EnsembleTrainingConfig:
    members: tuple[str, ...] = ("default", "e5-gov")  # model directories or bundled model names
    weights: tuple[float, ...] | None = None            # default: equal weights
    tune_on: str = "dev"
    backend: str | None = None                          # runtime of bert members while tuning

    def to_dict(self) -> dict:
        return asdict(self)


def train_ensemble(config: EnsembleTrainingConfig, data: TrainingData) -> tuple[EnsembleModel, dict, dict]:
    if len(config.members) < 2:
        raise ValueError("an ensemble needs at least two --member models")
    weights = config.weights or tuple(1.0 for _ in config.members)
    if len(weights) != len(config.members):
        raise ValueError(f"{len(config.members)} members but {len(weights)} weights")
    members = [load_member(m, config.backend) for m in config.members]
    labels = data.labelset.ids
    model = EnsembleModel(data.labelset, members, weights, np.full(len(labels), 0.5), 0.5,
                          [bundled_name(m) for m in config.members])
    held = data.segments(config.tune_on)
    if not held:
        raise ValueError(f"no {config.tune_on!r} segments to tune the ensemble's thresholds on")
    inputs = data.inputs(config.tune_on)
    if model.word_tokenizer is not None:
        inputs = [x.with_tokens(model.word_tokenizer) for x in inputs]
    scores, bp = model.member_scores(inputs)
    y = np.array([[label in s.themes for label in labels] for s in held], dtype=int)
    # Midpoints: no threshold sits exactly on a score, where another backend's last bit would flip a label.
    model.thresholds = tune_thresholds(y, scores, np.ones(len(labels), dtype=bool), midpoint=True)
    model.boilerplate_threshold = midpoint_threshold(np.array([s.boilerplate for s in held], dtype=int), bp)
    params = {**config.to_dict(), "fit_on": f"{config.tune_on} (the ensemble's thresholds; members as trained)",
              "weights": model.weights.round(4).tolist(),
              "thresholds": dict(zip(labels, model.thresholds.round(4).tolist())),
              "boilerplate_threshold": round(model.boilerplate_threshold, 4),
              "member_cards": [{k: m.card.get(k) for k in ("name", "kind", "data")} for m in members]}
    return model, params, {"reference": None, "reference_docs": 0}

