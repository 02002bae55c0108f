"""What every model kind shares: the prediction type, the error type and the save/load contract.

A model is one directory: ``config.json`` (its ``kind`` picks the class in
:mod:`nlp.models.registry`), ``labelset.yaml``, weights in formats that cannot
run code when loaded, and ``card.json`` + ``README.md`` (the model card).
``save_pretrained`` writes all of it; ``registry.load_model`` reads it back.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml

from nlp.labels.labelset import LabelSet
from nlp.models.card import write_card
from nlp.text.inputs import SegmentInput


@dataclass
class Predictions:
    """Per-segment outputs; ``scores`` has one column per label of ``labels``."""

    labels: list[str]
    themes: list[list[str]]
    scores: np.ndarray
    boilerplate: np.ndarray
    boilerplate_scores: np.ndarray


class Estimator:
    """scikit-learn's estimator protocol for this package's estimators: ``get_params``/``set_params`` from the
    parameters of ``__init__`` (so ``sklearn.base.clone`` and saved configs work), without importing
    scikit-learn, which a loaded model never needs for tagging and which takes 0.7 s to import."""

    @classmethod
    def _param_names(cls) -> list[str]:
        return sorted(name for name in inspect.signature(cls.__init__).parameters if name != "self")

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        unknown = set(params) - set(self._param_names())
        if unknown:
            raise ValueError(f"{type(self).__name__} has no parameters {sorted(unknown)}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"


class ModelError(ValueError):
    """A model directory that cannot be loaded; the message names it."""


class TaggerModel:
    """Base class: subclasses set ``kind`` and implement ``predict``, ``_config``, ``_save_weights``, ``_load``."""

    kind = "base"

    def __init__(self, labelset: LabelSet, card: dict | None = None):
        self.labelset = labelset
        self.card = card or {}

    @property
    def labels(self) -> list[str]:
        return self.labelset.ids

    @property
    def word_tokenizer(self):
        """The word tokenizer whose tokens ``predict`` reads (:class:`~nlp.text.tokenizer.Tokenizer`), or None
        for a model that reads no tokens (the tagger then never calls one)."""
        return None

    def predict(self, inputs: Sequence[SegmentInput]) -> Predictions:
        raise NotImplementedError

    # -- persistence: one directory, written whole by save_pretrained ------------------------------
    def _config(self) -> dict:
        """Kind-specific keys of ``config.json``."""
        return {}

    def _save_weights(self, path: Path) -> None:
        """Write the weights (and anything else beside config.json) into ``path``."""

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet, **options) -> "TaggerModel":
        raise NotImplementedError

    def save_pretrained(self, path: str | Path) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "labelset.yaml").write_text(
            yaml.safe_dump(self.labelset.to_dict(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        self._save_weights(path)  # may write a config.json of its own (transformers); replaced below
        config = {**self._config(), "kind": self.kind, "label_set": self.labelset.name, "labels": self.labels}
        (path / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
        if self.card:
            write_card(path, self.card)
        for file in path.iterdir():  # readable by every user of a shared model directory
            file.chmod(0o755 if file.is_dir() else 0o644)
        return path

    @classmethod
    def from_pretrained(cls, path: str | Path, **options) -> "TaggerModel":
        """Load a model directory saved by :meth:`save_pretrained` of this class (any kind:
        :func:`nlp.models.registry.load_model`)."""
        path = Path(path)
        config, labelset = read_model_dir(path)
        if config.get("kind") != cls.kind:
            raise ModelError(f"{path}: a {config.get('kind')!r} model, not {cls.kind!r}")
        return cls._load(path, config, labelset, **options)


def read_model_dir(path: Path) -> tuple[dict, LabelSet]:
    """``config.json`` and ``labelset.yaml`` of a model directory, with errors that name the file."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(f"{path / 'config.json'}: cannot be read: {err}") from None
    return config, LabelSet.from_yaml(path / "labelset.yaml")
