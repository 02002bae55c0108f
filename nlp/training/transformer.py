"""Fine-tuning a transformer tagger (:class:`~nlp.models.transformer.BertModel`) on gold segments.

Class-weighted BCE over every theme plus boilerplate, AdamW with warm-up and
linear decay, length-sorted batches, early stopping on dev micro-F1, thresholds
tuned on dev (at midpoints, :func:`nlp.models.thresholds.midpoint_threshold`);
bf16 autocast on a GPU.
"""

from __future__ import annotations

import copy
import math
import random
import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from nlp.io.workers import cpu_threads
from nlp.labels.datasets import segments_from_dataset
from nlp.labels.gold import gold_records
from nlp.labels.labelset import LabelSet
from nlp.models.thresholds import midpoint_threshold, tune_thresholds
from nlp.models.transformer import (BertModel, _autocast, _load_encoder, _net_class, _torch, collate, encode,
                                    length_batches, model_inputs)
from nlp.text.inputs import SegmentInput


@dataclass
class BertTrainingConfig:
    """Fine-tuning settings; saved in the model card (``parameters``)."""

    base: str
    epochs: int = 8
    context: bool = False
    seed: int = 0
    init: str = "pretrained"          # pretrained | random (same architecture, no pretraining)
    max_length: int = 128
    context_chars: int = 64
    batch_size: int = 16
    lr: float = 1e-4                  # encoder
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.1               # share of all steps
    patience: int = 2                 # epochs without a better dev micro-F1
    pooling: str | None = None        # mean | segment | cls; default: segment with context, else mean
    dropout: float = 0.1
    pos_weight_power: float = 0.5     # pos_weight = (negatives / positives) ** power, clipped
    pos_weight_max: float = 10.0
    max_steps: int | None = None      # stop after this many optimiser steps (smoke tests)
    threads: int | None = None
    eval_batch_size: int = 64
    train_layers: int | None = None   # train only the top N encoder layers (+ head): a small shippable adapter

    def to_dict(self) -> dict:
        return asdict(self)


def _seed_everything(seed: int) -> None:
    torch = _torch()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def _micro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((y & pred).sum())
    denom = float(y.sum() + pred.sum())
    return 2 * tp / denom if denom else 0.0


def targets(segments, labels: Sequence[str]) -> np.ndarray:
    """``[n, len(labels) + 1]`` booleans: each theme, then boilerplate (the net's output order)."""
    y = np.array([[label in s.themes for label in labels] + [bool(s.boilerplate)] for s in segments], dtype=bool)
    return y.reshape(len(segments), len(labels) + 1)


def retune(model: "BertModel", dev_records: Sequence[SegmentInput], dev_segments, batch_size: int = 64) -> "BertModel":
    """Set the theme and boilerplate thresholds of ``model`` from its scores on dev (weights unchanged)."""
    y = targets(dev_segments, model.labels)
    probs = 1.0 / (1.0 + np.exp(-model.logits(dev_records, batch_size).astype(np.float64)))
    model.thresholds = tune_thresholds(y[:, :-1], probs[:, :-1], model.trained, midpoint=True)
    model.boilerplate_threshold = midpoint_threshold(y[:, -1], probs[:, -1])
    return model


def top_layers(encoder, n: int) -> list[int]:
    """Indices of the top ``n`` transformer layers of a BERT/RoBERTa-style ``encoder``."""
    total = len(encoder.encoder.layer)
    if not 0 < n <= total:
        raise ValueError(f"train_layers={n}: the encoder has {total} layers")
    return list(range(total - n, total))


def freeze_below(encoder, n: int) -> list[str]:
    """Freeze everything except the top ``n`` layers; backward then stops there (faster on CPU) and
    only those layers change, so they alone (plus the head) need shipping. Returns the trainable names."""
    keep = tuple(f"encoder.layer.{i}." for i in top_layers(encoder, n))
    names = []
    for name, p in encoder.named_parameters():
        p.requires_grad = name.startswith(keep)
        if p.requires_grad:
            names.append(name)
    return names


def train_bert(cfg: BertTrainingConfig, labelset: LabelSet, train_segments, dev_segments,
               documents: dict[str, str] | None = None, log: Callable[[str], None] = print) -> BertModel:
    """Fine-tune on ``train_segments`` (gold segments, or a ``datasets`` split of
    :func:`nlp.labels.datasets.load_dataset`), early-stop and tune thresholds on ``dev_segments``.

    The returned model carries ``training_log`` (loss per step, dev micro-F1 per epoch, seconds).
    """
    torch = _torch()
    from transformers import AutoTokenizer

    if hasattr(train_segments, "features"):  # Hugging Face datasets splits (nlp.labels.datasets.load_dataset)
        train_segments, dev_segments = segments_from_dataset(train_segments), segments_from_dataset(dev_segments)
    documents = documents or {}
    _seed_everything(cfg.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(cfg.threads or cpu_threads())
    tokenizer = AutoTokenizer.from_pretrained(cfg.base)
    encoder = _load_encoder(cfg.base, cfg.init)
    labels = labelset.ids
    pooling = cfg.pooling or ("segment" if cfg.context else "mean")
    net = _net_class()(encoder, len(labels) + 1, pooling, cfg.dropout).to(device)

    train_records, dev_records = gold_records(train_segments, documents), gold_records(dev_segments, documents)
    y_train, y_dev = targets(train_segments, labels), targets(dev_segments, labels)
    settings = {"context": cfg.context, "context_chars": cfg.context_chars, "max_length": cfg.max_length,
                "pooling": pooling, "dropout": cfg.dropout, "base": cfg.base, "init": cfg.init}
    train_examples = encode(tokenizer, *model_inputs(train_records, cfg.context, cfg.context_chars), cfg.max_length)
    settings["token_type_ids"] = "token_type_ids" in train_examples[0] and \
        getattr(encoder.config, "type_vocab_size", 1) > 1
    input_names = BertModel(labelset, None, tokenizer, np.zeros(len(labels)), 0.5, settings).input_names
    trained = y_train[:, :-1].any(axis=0)

    positives = y_train.sum(axis=0).astype(float)
    negatives = len(y_train) - positives
    pos_weight = np.where(positives > 0, (negatives / np.maximum(positives, 1)) ** cfg.pos_weight_power, 1.0)
    pos_weight = np.clip(pos_weight, 1.0 / cfg.pos_weight_max, cfg.pos_weight_max)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight, dtype=torch.float32, device=device))

    if cfg.train_layers:
        freeze_below(net.encoder, cfg.train_layers)
        settings["train_layers"] = cfg.train_layers
    head_params = list(net.head.parameters())
    decay, no_decay = [], []
    for name, p in net.encoder.named_parameters():
        if p.requires_grad:
            (no_decay if p.ndim < 2 else decay).append(p)
    optimizer = torch.optim.AdamW([
        {"params": decay, "lr": cfg.lr, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "lr": cfg.lr, "weight_decay": 0.0},
        {"params": head_params, "lr": cfg.head_lr, "weight_decay": 0.0},
    ])
    steps_per_epoch = math.ceil(len(train_examples) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    warmup = max(1, int(cfg.warmup * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))

    model = BertModel(labelset, net, tokenizer, np.full(len(labels), 0.5), 0.5, settings, trained)
    rng = random.Random(cfg.seed)
    pad = tokenizer.pad_token_id or 0
    history = {"loss": [], "epochs": []}
    best_f1, best_state, best_epoch, bad_epochs, step = -1.0, None, 0, 0, 0
    t0 = time.time()
    for epoch in range(1, cfg.epochs + 1):
        net.train()
        epoch_loss, epoch_t = [], time.time()
        for idx in length_batches([len(e["input_ids"]) for e in train_examples], cfg.batch_size, rng):
            feed = collate([train_examples[i] for i in idx], pad)
            inputs = {n: torch.from_numpy(feed[n]).to(device) for n in input_names}
            target = torch.from_numpy(y_train[idx].astype(np.float32)).to(device)
            with _autocast(torch, device):
                logits = net(**inputs)
            loss = loss_fn(logits.float(), target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            history["loss"].append(float(loss.item()))
            epoch_loss.append(float(loss.item()))
            if cfg.max_steps and step >= cfg.max_steps:
                break
        dev_logits = model.logits(dev_records, cfg.eval_batch_size)
        dev_scores = 1.0 / (1.0 + np.exp(-dev_logits[:, :-1]))
        thresholds = tune_thresholds(y_dev[:, :-1], dev_scores, trained, midpoint=True)
        f1 = _micro_f1(y_dev[:, :-1], dev_scores >= thresholds)
        history["epochs"].append({"epoch": epoch, "train_loss": float(np.mean(epoch_loss)), "dev_micro_f1": f1,
                                  "seconds": round(time.time() - epoch_t, 1)})
        log(f"epoch {epoch}: train loss {np.mean(epoch_loss):.4f}, dev micro-F1 {f1:.4f} "
            f"(tuned thresholds), {time.time() - epoch_t:.0f} s")
        if f1 > best_f1 + 1e-9:
            best_f1, best_epoch, bad_epochs = f1, epoch, 0
            best_state = copy.deepcopy({k: v.detach().cpu() for k, v in net.state_dict().items()})
        else:
            bad_epochs += 1
        if (cfg.max_steps and step >= cfg.max_steps) or bad_epochs >= cfg.patience:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.to("cpu").eval()
    retune(model, dev_records, dev_segments, cfg.eval_batch_size)
    history.update({"best_epoch": best_epoch, "best_dev_micro_f1": best_f1, "steps": step,
                    "seconds": round(time.time() - t0, 1), "device": device.type,
                    "threads": torch.get_num_threads()})
    model.training_log = history
    return model


