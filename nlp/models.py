"""Saved tagger models: one directory, one ``config.json``, weights that cannot run code when loaded.

Every model answers :meth:`predict` with the same :class:`Predictions`, so
``nlp tag``, ``evaluate.py`` and the Python API take any of them:
``linear`` (scikit-learn, skops + safetensors), ``keyword`` (cue-word rules)
and ``bert`` (transformers, safetensors; see :mod:`nlp.bert`).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import skops.io as sio
import yaml

from .features import frame
from .keywords import KeywordTagger
from .labels import LabelSet, load_labelset
from .linear import BoilerplateDetector, LinearTagger
from .ngrams import load_references, save_references
from .tokenizer import default_tokenizer

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
REFERENCE_NAMES = ("word4", "char8")
REUSE_FILE = "reuse.safetensors"  # the optional `families` boilerplate features (nlp/reuse_reference.py)


@dataclass
class Predictions:
    """Per-segment outputs; ``scores`` has one column per label of ``labels``."""

    labels: list[str]
    themes: list[list[str]]
    scores: np.ndarray
    boilerplate: np.ndarray
    boilerplate_scores: np.ndarray


class ModelError(ValueError):
    """A model directory that cannot be loaded; the message names it."""


class TaggerModel:
    kind = "base"

    def __init__(self, labelset: LabelSet, card: dict | None = None):
        self.labelset = labelset
        self.card = card or {}

    @property
    def labels(self) -> list[str]:
        return self.labelset.ids

    def predict(self, records: Sequence[dict]) -> Predictions:
        raise NotImplementedError

    def _write_config(self, path: Path, extra: dict) -> None:
        path.mkdir(parents=True, exist_ok=True)
        (path / "labelset.yaml").write_text(
            yaml.safe_dump(self.labelset.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        config = {"kind": self.kind, "label_set": self.labelset.name, "labels": self.labels, **extra}
        (path / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")


class LinearModel(TaggerModel):
    """Theme tagger + boilerplate detector, both scikit-learn."""

    kind = "linear"

    def __init__(self, labelset: LabelSet, themes: LinearTagger, boilerplate: BoilerplateDetector,
                 card: dict | None = None):
        super().__init__(labelset, card)
        self.themes = themes
        self.boilerplate = boilerplate

    def predict(self, records: Sequence[dict]) -> Predictions:
        # One feature frame serves both classifiers; each selects its columns by name.
        features = frame(records, default_tokenizer(), self.boilerplate.references, with_signals=True,
                         cue_words=self.themes.cue_words, reuse=self.boilerplate.reuse)
        scores = self.themes.predict_proba(features)
        bp_scores = self.boilerplate.predict_proba(features)
        return Predictions(self.labels, self.themes.decide(scores), scores,
                           bp_scores >= self.boilerplate.threshold_, bp_scores)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        self._write_config(path, {
            "themes": {"params": self.themes.get_params(), "thresholds": self.themes.thresholds_.tolist(),
                       "trained": self.themes.trained_.tolist()},
            "boilerplate": {"params": {k: v for k, v in self.boilerplate.get_params().items()
                                       if k not in ("references", "reuse")},
                            "threshold": self.boilerplate.threshold_,
                            "features": "families" if self.boilerplate.reuse is not None else "default"},
            "tokenizer_hash": default_tokenizer().hash,
        })
        sio.dump(self.themes.pipeline_, path / "themes.skops", compression=zipfile.ZIP_DEFLATED)
        sio.dump(self.boilerplate.pipeline_, path / "boilerplate.skops", compression=zipfile.ZIP_DEFLATED)
        save_references(path / "references.safetensors", self.boilerplate.references or {})
        if self.boilerplate.reuse is not None:
            self.boilerplate.reuse.save(path / REUSE_FILE)

    @classmethod
    def load(cls, path: Path, config: dict, labelset: LabelSet) -> "LinearModel":
        themes = LinearTagger(**_tuple_params(config["themes"]["params"]))
        themes.labels_ = list(config["labels"])
        themes.thresholds_ = np.array(config["themes"]["thresholds"])
        themes.trained_ = np.array(config["themes"]["trained"], dtype=bool)
        themes.pipeline_ = _load_skops(path / "themes.skops")
        references = load_references(path / "references.safetensors", REFERENCE_NAMES)
        reuse = None
        if config["boilerplate"].get("features") == "families":
            from .reuse_reference import ReuseReference

            reuse = ReuseReference.load(path / REUSE_FILE)
        boilerplate = BoilerplateDetector(references=references, reuse=reuse, **config["boilerplate"]["params"])
        boilerplate.pipeline_ = _load_skops(path / "boilerplate.skops")
        boilerplate.threshold_ = config["boilerplate"]["threshold"]
        if config.get("tokenizer_hash") not in (None, default_tokenizer().hash):
            import warnings

            warnings.warn(f"{path}: trained with tokenizer {config['tokenizer_hash']}, "
                          f"this package's is {default_tokenizer().hash}; scores may shift")
        return cls(labelset, themes, boilerplate, _read_card(path))


class KeywordModel(TaggerModel):
    """Cue words of the label set as rules (the baseline)."""

    kind = "keyword"

    def __init__(self, labelset: LabelSet, card: dict | None = None):
        super().__init__(labelset, card)
        self.rules = KeywordTagger(labelset)

    def predict(self, records: Sequence[dict]) -> Predictions:
        bp = self.rules.boilerplate_proba(records)
        return Predictions(self.labels, self.rules.predict(records), self.rules.predict_proba(records), bp >= 0.5, bp)

    def save(self, path: str | Path) -> None:
        self._write_config(Path(path), {})

    @classmethod
    def load(cls, path: Path, config: dict, labelset: LabelSet) -> "KeywordModel":
        return cls(labelset, _read_card(path))


def _tuple_params(params: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def _load_skops(path: Path):
    """skops refuses by itself any type it does not trust by default (only scikit-learn's own and builtins)."""
    try:
        return sio.load(path)
    except sio.exceptions.UntrustedTypesFoundException as err:
        raise ModelError(f"{path}: refuses to load types that are not scikit-learn's own: {err}") from None


def _read_card(path: Path) -> dict:
    card = path / "card.json"
    return json.loads(card.read_text(encoding="utf-8")) if card.exists() else {}


def resolve_model_path(name_or_path: str | Path) -> Path:
    """A model directory given as a path, or by name from ``models/``."""
    path = Path(name_or_path)
    for candidate in (path, MODELS_DIR / str(name_or_path)):
        if (candidate / "config.json").exists():
            return candidate
    raise ModelError(f"{name_or_path}: no model directory with a config.json here or in {MODELS_DIR}")


def load_model(name_or_path: str | Path, backend: str | None = None) -> TaggerModel:
    """Load any saved model; ``keyword`` or ``keyword:<label set>`` gives the rule baseline.

    ``backend`` (bert models only): ``torch`` (default), ``onnx`` or ``onnx-fp32``; see :mod:`nlp.bert`.
    """
    name = str(name_or_path)
    other_backend = backend not in (None, "torch")
    if name == "keyword" or name.startswith("keyword:"):
        if other_backend:
            raise ModelError(f"backend {backend!r} is for bert models; {name!r} is a keyword model")
        return KeywordModel(load_labelset(name.partition(":")[2] or "gov-disclosure-v1"))
    path = resolve_model_path(name_or_path)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    labelset = LabelSet.from_yaml(path / "labelset.yaml")
    kinds = {"linear": LinearModel, "keyword": KeywordModel}
    if config.get("kind") == "bert":
        from .bert import BertModel

        kinds["bert"] = BertModel
    if config.get("kind") not in kinds:
        raise ModelError(f"{path}: unknown model kind {config.get('kind')!r}")
    if not other_backend:
        return kinds[config["kind"]].load(path, config, labelset)
    if config["kind"] != "bert":
        raise ModelError(f"backend {backend!r} is for bert models; {path} is a {config['kind']} model")
    return kinds["bert"].load(path, config, labelset, backend=backend)

