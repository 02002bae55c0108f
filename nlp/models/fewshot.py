"""Few-shot tagger for a new label set: frozen e5 sentence embeddings + one logistic regression per label.

Why: with 8–32 examples per label a TF-IDF model has seen too few words, while a pretrained
multilingual encoder already puts 收到申请 near 依申请公开. The encoder is not fine-tuned (too few
examples for that); only a linear head per label is fitted, which takes seconds once segments are embedded.

- Embedding: ``"query: " + text`` (e5's prefix for symmetric tasks such as classification), mean
  pooled over the attention mask, L2-normalised (as the converted e5's README says).
- Heads: scikit-learn ``LogisticRegression`` per label and one for boilerplate (balanced class
  weights); scores are ``sigmoid(x @ coef + intercept)``, computed here so a loaded model needs no
  scikit-learn objects. A label without both classes in training is never predicted.
- Thresholds: :mod:`nlp.models.thresholds` on held-out scores (training: :mod:`nlp.training.fewshot`).
- Saved directory: the encoder (``model.safetensors`` + tokenizer files, its config merged into
  ``config.json`` as for bert models), ``heads.safetensors``; no pickle anywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator

from nlp.io.workers import cpu_threads
from nlp.labels.labelset import LabelSet
from nlp.models.base import ModelError, Predictions, TaggerModel
from nlp.models.card import read_card
from nlp.models.thresholds import decide
from nlp.models.transformer import CPU_BATCH_TOKENS, _load_encoder, _torch, collate, encode, token_batches
from nlp.text.inputs import SegmentInput

HEADS_FILE = "heads.safetensors"
E5_QUERY = "query: "


class SentenceEncoder:
    """Frozen encoder → one L2-normalised, mean-pooled vector per text.

    ``cache`` (text → vector) skips texts embedded before: a benchmark that trains many heads on
    the same gold segments embeds each segment once."""

    def __init__(self, net, tokenizer, max_length: int = 256, prefix: str = E5_QUERY, batch_size: int = 32,
                 cache: dict[str, np.ndarray] | None = None):
        self.net, self.tokenizer = net, tokenizer
        self.max_length, self.prefix, self.batch_size = max_length, prefix, batch_size
        self.cache = cache if cache is not None else {}

    @classmethod
    def from_dir(cls, path: str | Path, **settings) -> SentenceEncoder:
        """An encoder directory (``nlp convert-e5`` output, any ``transformers`` checkpoint, or a saved fewshot model)."""
        _torch()
        from transformers import AutoTokenizer

        path = Path(path)
        if not (path / "config.json").exists():
            raise ModelError(f"{path}: no encoder here (config.json missing); build one with `nlp convert-e5 {path}`")
        net = _load_encoder(str(path))
        net.eval()
        # No longer than the encoder's positions (RoBERTa-style models start positions after the padding id).
        config = net.config
        limit = config.max_position_embeddings - (2 if config.model_type in ("roberta", "xlm-roberta") else 0)
        settings["max_length"] = min(settings.get("max_length", 256), limit)
        return cls(net, AutoTokenizer.from_pretrained(path), **settings)

    @property
    def dim(self) -> int:
        return int(self.net.config.hidden_size)

    def settings(self) -> dict:
        return {"max_length": self.max_length, "prefix": self.prefix, "batch_size": self.batch_size}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``[len(texts), dim]`` float32, unit length."""
        todo = sorted({t for t in texts if t not in self.cache})
        if todo:
            torch = _torch()
            torch.set_num_threads(cpu_threads())
            examples = encode(self.tokenizer, [self.prefix + t for t in todo], None, self.max_length)
            pad = self.tokenizer.pad_token_id or 0
            with torch.inference_mode():
                for idx in token_batches([len(e["input_ids"]) for e in examples], CPU_BATCH_TOKENS, self.batch_size):
                    feed = collate([{k: examples[i][k] for k in ("input_ids", "attention_mask")} for i in idx], pad)
                    ids, mask = torch.from_numpy(feed["input_ids"]), torch.from_numpy(feed["attention_mask"])
                    hidden = self.net(input_ids=ids, attention_mask=mask).last_hidden_state
                    weights = mask.unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
                    pooled = torch.nn.functional.normalize(pooled, dim=-1).float().numpy()
                    for row, i in zip(pooled, idx):
                        self.cache[todo[i]] = row
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts]).astype(np.float32)

    def save(self, path: Path) -> None:
        self.net.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class EmbeddingHeads(BaseEstimator):
    """One balanced logistic regression per column of a binary target matrix, on embedding rows.

    Follows scikit-learn (so :func:`nlp.models.linear.out_of_fold` can clone it per fold); a column
    with one class only in the fit data is untrained and scores 0."""

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, X, Y):
        from sklearn.linear_model import LogisticRegression

        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=int).reshape(len(X), -1)
        self.coef_ = np.zeros((Y.shape[1], X.shape[1]))
        self.intercept_ = np.zeros(Y.shape[1])
        self.trained_ = np.zeros(Y.shape[1], dtype=bool)
        for j in range(Y.shape[1]):
            if 0 < Y[:, j].sum() < len(Y):
                clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000).fit(X, Y[:, j])
                self.coef_[j], self.intercept_[j], self.trained_[j] = clf.coef_[0], clf.intercept_[0], True
        return self

    def predict_proba(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64).reshape(-1, self.coef_.shape[1])
        scores = _sigmoid(X @ self.coef_.T + self.intercept_)
        scores[:, ~self.trained_] = 0.0
        return scores


class FewshotModel(TaggerModel):
    """Frozen sentence encoder + logistic-regression heads (see the module docstring)."""

    kind = "fewshot"

    def __init__(self, labelset: LabelSet, encoder: SentenceEncoder, themes: EmbeddingHeads, thresholds: np.ndarray,
                 boilerplate: EmbeddingHeads, boilerplate_threshold: float, card: dict | None = None):
        super().__init__(labelset, card)
        self.encoder = encoder
        self.themes, self.boilerplate = themes, boilerplate
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.boilerplate_threshold = float(boilerplate_threshold)

    def predict_embeddings(self, X: np.ndarray) -> Predictions:
        """Predictions from embeddings already computed (``encoder.embed``)."""
        scores = self.themes.predict_proba(X)
        bp = self.boilerplate.predict_proba(X)[:, 0]
        return Predictions(self.labels, decide(scores, self.thresholds, self.labels), scores,
                           bp >= self.boilerplate_threshold, bp)

    def predict(self, records: Sequence[SegmentInput]) -> Predictions:
        return self.predict_embeddings(self.encoder.embed([r.text for r in records]))

    # -- persistence ---------------------------------------------------------
    def _config(self) -> dict:
        return {**self.encoder.net.config.to_dict(),
                "fewshot": {"thresholds": self.thresholds.tolist(), "boilerplate_threshold": self.boilerplate_threshold,
                            "C": self.themes.C, "boilerplate_C": self.boilerplate.C, "heads_file": HEADS_FILE,
                            **self.encoder.settings()}}

    def _save_weights(self, path: Path) -> None:
        from safetensors.numpy import save_file

        self.encoder.save(path)
        save_file({"themes.coef": self.themes.coef_, "themes.intercept": self.themes.intercept_,
                   "themes.trained": self.themes.trained_.astype(np.uint8),
                   "boilerplate.coef": self.boilerplate.coef_, "boilerplate.intercept": self.boilerplate.intercept_,
                   "boilerplate.trained": self.boilerplate.trained_.astype(np.uint8)}, str(path / HEADS_FILE))

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet) -> FewshotModel:
        from safetensors.numpy import load_file

        settings = config.get("fewshot")
        if not settings:
            raise ModelError(f"{path}: config.json of a fewshot model has no 'fewshot' section")
        if list(config.get("labels", [])) != labelset.ids:
            raise ModelError(f"{path}: config.json labels differ from labelset.yaml")
        try:
            tensors = load_file(str(path / settings.get("heads_file", HEADS_FILE)))
        except (OSError, ValueError) as err:
            raise ModelError(f"{path / HEADS_FILE}: cannot be read: {err}") from None
        heads = {}
        for name, C in (("themes", settings["C"]), ("boilerplate", settings["boilerplate_C"])):
            head = EmbeddingHeads(C)
            head.coef_, head.intercept_ = tensors[f"{name}.coef"], tensors[f"{name}.intercept"]
            head.trained_ = tensors[f"{name}.trained"].astype(bool)
            heads[name] = head
        encoder = SentenceEncoder.from_dir(path, **{k: settings[k] for k in ("max_length", "prefix", "batch_size")})
        return cls(labelset, encoder, heads["themes"], np.array(settings["thresholds"]), heads["boilerplate"],
                   settings["boilerplate_threshold"], read_card(path))
