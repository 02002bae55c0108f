"""Model kinds by the ``kind`` in ``config.json``, and loading any saved model.

A new kind is one class with ``kind`` set and one line in :data:`KINDS` (module
path, so that heavy libraries such as torch are imported only when that kind is
loaded).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from nlp.io.resources import bundled_dirs, find_bundled
from nlp.labels.labelset import load_labelset
from nlp.models.base import ModelError, TaggerModel, read_model_dir

KINDS = {
    "linear": "nlp.models.linear:LinearModel",
    "keyword": "nlp.models.keyword:KeywordModel",
    "bert": "nlp.models.transformer:BertModel",
    "fewshot": "nlp.models.fewshot:FewshotModel",
    "ensemble": "nlp.models.ensemble:EnsembleModel",
}
DEFAULT_LABELSET = "gov-disclosure-v1"
# A bert model shipped as its trained top layers over a base encoder rebuilt into the cache (models/e5-gov).
BERT_ADAPTER = "nlp.models.adapter:AdapterBertModel"


def model_class(kind: str) -> type[TaggerModel]:
    if kind not in KINDS:
        raise ModelError(f"unknown model kind {kind!r}; known: {', '.join(KINDS)}")
    module, name = KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def resolve_model_path(name_or_path: str | Path) -> Path:
    """A model directory given as a path, or by name from the bundled ``models/``."""
    path = Path(name_or_path)
    if (path / "config.json").exists():
        return path
    found = find_bundled("models", str(name_or_path))
    if found is not None and (found / "config.json").exists():
        return found
    places = ", ".join(map(str, bundled_dirs("models"))) or "no bundled models installed"
    raise ModelError(f"{name_or_path}: no model directory with a config.json here or in {places}")


def bundled_name(name_or_path: str | Path) -> str | None:
    """``name_or_path`` when :func:`resolve_model_path` finds it among the bundled models, else None."""
    if (Path(name_or_path) / "config.json").exists():
        return None
    return str(name_or_path) if find_bundled("models", str(name_or_path)) is not None else None


def _is_keyword(name: str) -> bool:
    return name == "keyword" or name.startswith("keyword:")


def model_kind(name_or_path: str | Path) -> str | None:
    """The ``kind`` a saved model's ``config.json`` names (``keyword`` for the rule baseline), without loading it."""
    if _is_keyword(str(name_or_path)):
        return "keyword"
    return read_model_dir(resolve_model_path(name_or_path))[0].get("kind")


def load_model(name_or_path: str | Path, backend: str | None = None) -> TaggerModel:
    """Load any saved model; ``keyword`` or ``keyword:<label set>`` gives the rule baseline.

    ``backend`` (bert models, and the bert members of an ensemble): ``torch`` (default), ``onnx`` or ``onnx-fp32``.
    """
    name = str(name_or_path)
    options = {} if backend in (None, "torch") else {"backend": backend}
    if _is_keyword(name):
        if options:
            raise ModelError(f"backend {backend!r} is for bert models; {name!r} is a keyword model")
        return model_class("keyword")(load_labelset(name.partition(":")[2] or DEFAULT_LABELSET))
    path = resolve_model_path(name_or_path)
    config, labelset = read_model_dir(path)
    cls = model_class(config.get("kind"))
    if cls.kind == "bert" and (config.get("tagger") or {}).get("adapter"):
        module, attr = BERT_ADAPTER.split(":")
        cls = getattr(importlib.import_module(module), attr)
    if options and cls.kind not in ("bert", "ensemble"):  # an ensemble hands the backend to its bert members
        raise ModelError(f"backend {backend!r} is for bert models; {path} is a {cls.kind} model")
    return cls._load(path, config, labelset, **options)
