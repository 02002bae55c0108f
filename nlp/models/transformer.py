"""Transformer tagger: one fine-tuned encoder, a multi-label theme head and a boilerplate output.

Same interface as every model kind (:class:`~nlp.models.base.TaggerModel`): ``predict(inputs)``
gives :class:`~nlp.models.base.Predictions`, ``save_pretrained(path)`` writes a model directory that
:func:`nlp.models.registry.load_model` (so ``nlp tag``, ``nlp evaluate`` and ``nlp.load``) reads back.
Fine-tuning is in :mod:`nlp.training.transformer`, the ONNX export in :mod:`nlp.models.onnx`.

- Encoder: ``transformers.AutoModel`` from a hub id or a local directory (e.g.
  ``hfl/chinese-roberta-wwm-ext``, or the e5 checkpoint made by ``nlp convert-e5``), or the
  same architecture from random initialisation (``init="random"``) to measure pretraining.
- Input: the segment text; with ``context=True`` a second sequence holds the heading path
  and the previous sentence of the report (found by the segment's offset), ``<s> text </s></s>
  heading｜previous </s>`` (``[CLS] text [SEP] heading｜previous [SEP]`` for BERT).
- Head: mean pooling (with context: over the segment's own tokens, ``pooling="segment"``; or
  ``[CLS]``) → dropout → one linear layer with a logit per theme and one for boilerplate;
  class-weighted BCE; per-label thresholds tuned on dev; early stopping
  on dev micro-F1; fixed seeds; length-sorted batches with dynamic padding.
- CPU: ``torch.set_num_threads`` to the cores this process may use (``NLP_TORCH_THREADS``
  overrides); GPU: bf16 autocast.
- Saved directory: the encoder by ``save_pretrained`` (``model.safetensors`` + its
  ``config.json``, into which the tagger's own keys are merged: ``kind``, labels, label map,
  thresholds, input settings), the tokenizer files, ``head.safetensors``, ``labelset.yaml``;
  ``nlp export-onnx`` adds ``model.onnx`` and ``model.int8.onnx`` for ``--backend onnx``.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from nlp.io.workers import cpu_threads
from nlp.labels.labelset import LabelSet
from nlp.models.base import ModelError, Predictions, TaggerModel
from nlp.models.card import read_card
from nlp.models.thresholds import decide
from nlp.text.inputs import SegmentInput

HEAD_FILE = "head.safetensors"
ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model.int8.onnx"
BACKENDS = ("torch", "onnx", "onnx-fp32")
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the environment
        raise ModelError("bert models need torch and transformers: pip install 'gov-disclosure-nlp[bert]'") from None
    return torch


# ----------------------------------------------------------------------------- inputs

def previous_sentence(record: SegmentInput, max_chars: int) -> str:
    """The sentence before ``record`` in its report (empty when the report text is unknown)."""
    if max_chars <= 0:
        return ""
    before = record.text_before().rstrip()
    if not before:
        return ""
    # Skip the end mark of the previous sentence, then go back to the one before it.
    cut = max((m.end() for m in _SENTENCE_END.finditer(before, 0, len(before) - 1)), default=0)
    return before[cut:].strip()[-max_chars:]


def model_inputs(records: Sequence[SegmentInput], context: bool, context_chars: int = 64) -> tuple[list[str], list[str] | None]:
    """Texts (and, with ``context``, their second sequences) for the encoder."""
    texts = [r.text for r in records]
    if not context:
        return texts, None
    pairs = []
    for r in records:
        heading = r.heading or r.section or ""
        pairs.append(f"{heading}｜{previous_sentence(r, context_chars)}")
    return texts, pairs


def encode(tokenizer, texts: list[str], pairs: list[str] | None, max_length: int) -> list[dict[str, list[int]]]:
    """Token ids per example, no padding (batches are padded to their own longest example).

    With pairs, ``pool_mask`` marks the tokens of the first sequence (the segment itself)."""
    enc = tokenizer(texts, pairs, truncation="longest_first" if pairs else True, max_length=max_length,
                    padding=False)
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in enc]
    out = [{n: enc[n][i] for n in names} for i in range(len(texts))]
    if pairs is not None:
        for i, example in enumerate(out):
            example["pool_mask"] = [1 if sid == 0 else 0 for sid in enc.sequence_ids(i)]
    return out


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random | None = None) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first); ``rng`` shuffles the batch order."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(batches)
    return batches


# Padded tokens per inference batch. On a CPU a batch costs its padded size, and fixed 64-row batches of a
# few hundred segments pad short segments to the longest one's width: 47 segments/s against 73 with this
# budget (e5-gov, one thread, shared-corpus segments in calls of 300). A GPU wants far larger batches.
CPU_BATCH_TOKENS = 512
GPU_BATCH_TOKENS = 65536


def token_batches(lengths: Sequence[int], max_tokens: int, max_rows: int) -> list[list[int]]:
    """Indices by length (longest first), cut so that no batch pads to more than ``max_tokens`` tokens
    (width of its longest member × rows) or holds more than ``max_rows`` rows; one row at least."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < max_rows and (len(batches[-1]) + 1) * lengths[batches[-1][0]] <= max_tokens:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def collate(examples: list[dict[str, list[int]]], pad_id: int) -> dict[str, np.ndarray]:
    width = max(len(e["input_ids"]) for e in examples)
    out = {}
    for name in examples[0]:
        fill = pad_id if name == "input_ids" else 0
        out[name] = np.array([e[name] + [fill] * (width - len(e[name])) for e in examples], dtype=np.int64)
    return out


# ----------------------------------------------------------------------------- network

def _net_class():
    torch = _torch()
    nn = torch.nn

    class TaggerNet(nn.Module):
        """Encoder → pooled vector → logits for every theme plus one for boilerplate (last column)."""

        def __init__(self, encoder, n_outputs: int, pooling: str = "mean", dropout: float = 0.1):
            super().__init__()
            self.encoder = encoder
            self.pooling = pooling
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(encoder.config.hidden_size, n_outputs)

        def forward(self, input_ids, attention_mask, token_type_ids=None, pool_mask=None):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            hidden = self.encoder(**kwargs).last_hidden_state
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:  # mean: every token; segment: the first sequence's tokens only (context is attended, not pooled)
                keep = pool_mask if (self.pooling == "segment" and pool_mask is not None) else attention_mask
                mask = keep.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    class Positional(nn.Module):
        """The net with its inputs in a fixed order, for the ONNX export."""

        def __init__(self, net, names):
            super().__init__()
            self.net, self.names = net, list(names)

        def forward(self, *tensors):
            return self.net(**dict(zip(self.names, tensors)))

    TaggerNet.Positional = Positional
    return TaggerNet


def _load_encoder(source: str, init: str = "pretrained"):
    from transformers import AutoConfig, AutoModel

    if init == "random":
        return AutoModel.from_config(AutoConfig.from_pretrained(source), add_pooling_layer=False)
    try:
        return AutoModel.from_pretrained(source, add_pooling_layer=False)
    except TypeError:  # an architecture without a pooler argument
        return AutoModel.from_pretrained(source)


# ----------------------------------------------------------------------------- model

class BertModel(TaggerModel):
    """Fine-tuned transformer tagger (see the module docstring)."""

    kind = "bert"

    def __init__(self, labelset: LabelSet, net, tokenizer, thresholds: np.ndarray, boilerplate_threshold: float,
                 settings: dict, trained: np.ndarray | None = None, card: dict | None = None,
                 path: Path | None = None, backend: str = "torch"):
        super().__init__(labelset, card)
        self.net = net
        self.tokenizer = tokenizer
        self.thresholds = np.asarray(thresholds, dtype=float)
        self.boilerplate_threshold = float(boilerplate_threshold)
        self.settings = dict(settings)
        self.trained = np.ones(len(labelset.ids), dtype=bool) if trained is None else np.asarray(trained, bool)
        self.path = path
        self.backend = "torch"
        self._session = None
        if backend != "torch":
            self.use_backend(backend)

    def __getstate__(self):  # an onnxruntime session does not pickle (Tagger.pipe with n_process > 1)
        state = dict(self.__dict__)
        state["_session"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.backend != "torch":
            self.use_backend(self.backend)

    # -- inference -----------------------------------------------------------
    @property
    def input_names(self) -> list[str]:
        names = ["input_ids", "attention_mask"]
        if self.settings.get("token_type_ids"):
            names.append("token_type_ids")
        if self.settings.get("pooling") == "segment" and self.settings.get("context"):
            names.append("pool_mask")
        return names

    def use_backend(self, backend: str) -> "BertModel":
        """``torch``; ``onnx`` (``model.int8.onnx``, else ``model.onnx``) or ``onnx-fp32`` (``model.onnx``)."""
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
        if backend == "torch":
            self.backend, self._session = "torch", None
            return self
        if self.path is None:
            raise ModelError("the ONNX backend needs a saved model directory (save, export-onnx, load)")
        files = [ONNX_INT8_FILE, ONNX_FILE] if backend == "onnx" else [ONNX_FILE]
        found = [self.onnx_dir() / f for f in files if (self.onnx_dir() / f).exists()]
        if not found:
            raise ModelError(f"{self.onnx_dir()}: no {' or '.join(files)}; run `nlp export-onnx {self.path}` first")
        try:
            import onnxruntime as ort
        except ImportError:
            raise ModelError("--backend onnx needs onnxruntime: pip install 'gov-disclosure-nlp[bert]'") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = cpu_threads()
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(found[0]), options, providers=["CPUExecutionProvider"])
        self.backend = backend
        self.onnx_file = found[0].name
        return self

    def onnx_dir(self) -> Path:
        """Where the ONNX exports of this model are (the model directory; a cache for shipped adapters)."""
        return Path(self.path)

    def logits(self, records: Sequence[SegmentInput], batch_size: int = 256, max_tokens: int | None = None
               ) -> np.ndarray:
        """Raw logits ``[n, n_labels + 1]`` (boilerplate last), in the order of ``records``; batches of at most
        ``batch_size`` rows and ``max_tokens`` padded tokens (default: :data:`CPU_BATCH_TOKENS`, on a GPU
        :data:`GPU_BATCH_TOKENS`)."""
        out = np.zeros((len(records), len(self.labels) + 1), dtype=np.float32)
        if not len(records):
            return out
        texts, pairs = model_inputs(records, self.settings.get("context", False),
                                    self.settings.get("context_chars", 64))
        examples = encode(self.tokenizer, texts, pairs, self.settings.get("max_length", 128))
        pad = self.tokenizer.pad_token_id or 0
        device = None if self._session is not None else next(self.net.parameters()).device
        budget = max_tokens or (GPU_BATCH_TOKENS if device is not None and device.type == "cuda" else CPU_BATCH_TOKENS)
        batches = token_batches([len(e["input_ids"]) for e in examples], budget, batch_size)
        if self._session is not None:
            for idx in batches:
                feed = collate([examples[i] for i in idx], pad)
                out[idx] = self._session.run(None, {n: feed[n] for n in self.input_names})[0]
            return out
        torch = _torch()
        torch.set_num_threads(cpu_threads())
        self.net.eval()
        with torch.inference_mode():
            for idx in batches:
                feed = collate([examples[i] for i in idx], pad)
                inputs = {n: torch.from_numpy(feed[n]).to(device) for n in self.input_names}
                with _autocast(torch, device):
                    out[idx] = self.net(**inputs).float().cpu().numpy()
        return out

    def decide(self, scores: np.ndarray) -> list[list[str]]:
        return decide(scores, self.thresholds, self.labels)

    def predict(self, records: Sequence[SegmentInput]) -> Predictions:
        probs = 1.0 / (1.0 + np.exp(-self.logits(records).astype(np.float64)))
        scores, bp = probs[:, :-1], probs[:, -1]
        scores[:, ~self.trained] = 0.0
        return Predictions(self.labels, self.decide(scores), scores, bp >= self.boilerplate_threshold, bp)

    # -- persistence ---------------------------------------------------------
    def _config(self) -> dict:
        outputs = self.labels + ["boilerplate"]
        return {**self.net.encoder.config.to_dict(),
                "id2label": {str(i): name for i, name in enumerate(outputs)},
                "label2id": {name: i for i, name in enumerate(outputs)},
                "tagger": {"thresholds": self.thresholds.tolist(), "boilerplate_threshold": self.boilerplate_threshold,
                           "trained": self.trained.tolist(), "head_file": HEAD_FILE, **self.settings}}

    def _save_weights(self, path: Path) -> None:
        if self.net is None:
            raise ModelError("a bert model loaded for an ONNX backend has no torch weights to save; "
                             "load it with the torch backend")
        same_dir = self.path is not None and path.resolve() == Path(self.path).resolve()
        for stale in (ONNX_FILE, ONNX_INT8_FILE):  # exports of other weights must not survive
            if (path / stale).exists() and not same_dir:
                (path / stale).unlink()
        self.net.encoder.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        self._save_head(path)
        self.path = path

    def _save_head(self, path: Path) -> None:
        from safetensors.torch import save_file

        head = {k: v.detach().cpu().contiguous() for k, v in self.net.head.state_dict().items()}
        save_file(head, str(path / HEAD_FILE), metadata={"format": "pt"})

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet, backend: str = "torch") -> "BertModel":
        torch = _torch()
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        path = Path(path)
        tagger, settings = cls._tagger_settings(path, config, labelset)
        if "adapter" in tagger:  # shipped top layers over a cached base encoder: nlp.models.adapter
            raise ModelError(f"{path}: an adapter model (tagger.adapter in config.json); load it with "
                             f"nlp.models.registry.load_model or nlp.load")
        tokenizer = AutoTokenizer.from_pretrained(path)
        net = None
        if backend == "torch":
            encoder_config = AutoConfig.from_pretrained(path)
            kwargs = {"config": encoder_config}
            try:
                encoder = AutoModel.from_pretrained(path, add_pooling_layer=False, **kwargs)
            except TypeError:
                encoder = AutoModel.from_pretrained(path, **kwargs)
            net = cls._with_head(encoder, path, tagger, labelset, settings)
            torch.set_num_threads(cpu_threads())
        return cls(labelset, net, tokenizer, np.array(tagger["thresholds"], dtype=float),
                   tagger["boilerplate_threshold"], settings, np.array(tagger["trained"], dtype=bool),
                   read_card(path), path, backend)

    @staticmethod
    def _tagger_settings(path: Path, config: dict, labelset: LabelSet) -> tuple[dict, dict]:
        """``config.json``'s ``tagger`` section, checked, and its input settings (all but thresholds and files)."""
        tagger = config.get("tagger")
        if not tagger:
            raise ModelError(f"{path}: config.json of a bert model has no 'tagger' section")
        if list(config.get("labels", [])) != labelset.ids:
            raise ModelError(f"{path}: config.json labels differ from labelset.yaml")
        settings = {k: v for k, v in tagger.items()
                    if k not in ("thresholds", "boilerplate_threshold", "trained", "head_file")}
        return tagger, settings

    @staticmethod
    def _with_head(encoder, path: Path, tagger: dict, labelset: LabelSet, settings: dict):
        """The tagger network around ``encoder``, its head read from the model directory, in eval mode."""
        from safetensors.torch import load_file

        net = _net_class()(encoder, len(labelset.ids) + 1, settings.get("pooling", "mean"), settings.get("dropout", 0.1))
        net.head.load_state_dict(load_file(str(path / tagger.get("head_file", HEAD_FILE))))
        return net.eval()


def _autocast(torch, device):
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    import contextlib

    return contextlib.nullcontext()


