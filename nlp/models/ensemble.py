"""An ensemble model kind: the weighted mean of several models' scores, with thresholds of its own.

The linear tagger and the fine-tuned transformer err on different segments (one reads cue words and
corpus n-gram frequencies, the other the sentence), so their averaged scores beat either one on
reports of unseen bodies (``docs/bert.md``). Thresholds are tuned on the averaged held-out scores
(:func:`nlp.training.ensemble.build_ensemble`), never taken from a member.

A member is stored by reference when it is a bundled model (``{"model": "default"}``: nothing is
copied, so ``models/ensemble-gov`` is a few kB) and otherwise as a model directory inside the
ensemble's (``{"dir": "members/1"}``). A member stored by reference keeps the fingerprint of the files
it was tuned with: the ensemble's thresholds and card belong to those scores, so loading it after that
member was retrained is refused instead of silently mixing new scores with old thresholds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.labels.labelset import LabelSet
from nlp.models.base import ModelError, Predictions, TaggerModel
from nlp.models.card import read_card
from nlp.models.registry import load_model, model_kind, resolve_model_path
from nlp.models.thresholds import decide
from nlp.text.inputs import SegmentInput

MEMBERS_DIR = "members"


class EnsembleModel(TaggerModel):
    """``members`` (same label set) averaged with ``weights``; ``names[i]`` is the bundled model a member
    was loaded as (saved by reference), or None (saved as a copy)."""

    kind = "ensemble"

    def __init__(self, labelset: LabelSet, members: Sequence[TaggerModel], weights: Sequence[float],
                 thresholds: np.ndarray, boilerplate_threshold: float, names: Sequence[str | None] | None = None,
                 card: dict | None = None):
        super().__init__(labelset, card)
        if not members or len(weights) != len(members):
            raise ModelError(f"an ensemble needs members and one weight each (got {len(members)} and {len(weights)})")
        for member in members:
            if member.labels != labelset.ids:
                raise ModelError(f"ensemble member {member.card.get('name') or member.kind!r} has labels "
                                 f"{member.labels}, not the ensemble's {labelset.ids}")
        self.members = list(members)
        self.weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.boilerplate_threshold = float(boilerplate_threshold)
        self.names = list(names) if names is not None else [None] * len(members)

    @property
    def word_tokenizer(self):
        """The first member's tokenizer that reads tokens (members that read none ignore them)."""
        return next((m.word_tokenizer for m in self.members if m.word_tokenizer is not None), None)

    def member_scores(self, inputs: Sequence[SegmentInput]) -> tuple[np.ndarray, np.ndarray]:
        """Weighted mean theme scores [n, labels] and boilerplate scores [n] of the members."""
        scores = np.zeros((len(inputs), len(self.labels)))
        boilerplate = np.zeros(len(inputs))
        for member, weight in zip(self.members, self.weights):
            pred = member.predict(inputs)
            scores += weight * np.asarray(pred.scores, dtype=float).reshape(len(inputs), len(self.labels))
            boilerplate += weight * np.asarray(pred.boilerplate_scores, dtype=float)
        return scores, boilerplate

    def predict(self, inputs: Sequence[SegmentInput]) -> Predictions:
        scores, bp = self.member_scores(inputs)
        return Predictions(self.labels, decide(scores, self.thresholds, self.labels), scores,
                           bp >= self.boilerplate_threshold, bp)

    def _config(self) -> dict:
        members = [{"model": name, **_pin(name)} if name else {"dir": f"{MEMBERS_DIR}/{i}"}
                   for i, name in enumerate(self.names)]
        return {"tagger": {"members": [{**m, "weight": float(w)} for m, w in zip(members, self.weights)],
                           "thresholds": self.thresholds.tolist(), "boilerplate_threshold": self.boilerplate_threshold}}

    def _save_weights(self, path: Path) -> None:
        for i, (member, name) in enumerate(zip(self.members, self.names)):
            if name is None:
                member.save_pretrained(path / MEMBERS_DIR / str(i))

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet, backend: str | None = None) -> "EnsembleModel":
        tagger = config.get("tagger") or {}
        if not tagger.get("members"):
            raise ModelError(f"{path / 'config.json'}: an ensemble with no tagger.members")
        members, names = [], []
        for entry in tagger["members"]:
            if entry.get("model") and entry.get("fingerprint"):
                _check_pin(path, entry["model"], entry["fingerprint"])
            members.append(load_member(entry.get("model") or path / entry["dir"], backend))
            names.append(entry.get("model"))
        return cls(labelset, members, [m["weight"] for m in tagger["members"]],
                   np.array(tagger["thresholds"], dtype=float), tagger["boilerplate_threshold"], names, read_card(path))


def load_member(name_or_path: str | Path, backend: str | None = None) -> TaggerModel:
    """A member model; ``backend`` goes to transformer members only (the others refuse one)."""
    return load_model(name_or_path, backend=backend if model_kind(name_or_path) == "bert" else None)


def member_fingerprint(name: str) -> str | None:
    """A digest of a bundled member's model files (not its card or README, which record figures), or None for
    the keyword rules, which have no files."""
    if model_kind(name) == "keyword":
        return None
    digest = hashlib.sha256()
    root = resolve_model_path(name)
    for file in sorted(f for f in root.rglob("*") if f.is_file() and f.name not in ("card.json", "README.md")):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def _pin(name: str) -> dict:
    fingerprint = member_fingerprint(name)
    return {"fingerprint": fingerprint} if fingerprint else {}


def _check_pin(path: Path, name: str, fingerprint: str) -> None:
    now = member_fingerprint(name)
    if now != fingerprint:
        raise ModelError(f"{path}: member {name!r} has changed since this ensemble was tuned (files {now}, tuned "
                         f"with {fingerprint}); its thresholds and card no longer hold. Rebuild it: nlp train "
                         f"--model ensemble --member … --gold … --out {path}")
