"""One training run: fit the chosen kind, score the held-out splits, write the model with its card."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Callable

from nlp.evaluation.metrics import evaluate
from nlp.models.base import TaggerModel
from nlp.training.data import TrainingData
from nlp.training.linear import LinearTrainingConfig, train_linear

KINDS = ("linear", "bert", "fewshot", "ensemble")
_CARD_METRICS = ("n_segments", "n_documents", "micro_f1", "micro_f1_ci", "macro_f1", "macro_f1_ci", "boilerplate_f1",
                 "boilerplate_f1_ci", "boilerplate_macro_f1", "boilerplate_macro_f1_ci", "subset_accuracy",
                 "boilerplate", "per_section")


def card_metrics(metrics: dict) -> dict:
    """The part of an evaluation that goes into a model card."""
    out = {k: metrics[k] for k in _CARD_METRICS}
    out["per_label"] = {k: {"f1": v["f1"], "precision": v["precision"], "recall": v["recall"], "support": v["support"]}
                        for k, v in metrics["per_label"].items()}
    return out


def train_model(kind: str, config, data: TrainingData, out: str | Path, name: str | None = None,
                reproduce: str = "", log: Callable[[str], None] = print) -> TaggerModel:
    """Train ``kind`` (``linear`` with a LinearTrainingConfig, ``bert`` with a BertTrainingConfig, ``fewshot``
    with a FewshotTrainingConfig, ``ensemble`` of trained models with an EnsembleTrainingConfig) and save it."""
    t0 = time.time()
    out = Path(out)
    if kind == "linear":
        if config.reference and not Path(config.reference).exists():
            log(f"note: reference corpus {config.reference} not found: the boilerplate detector's n-gram "
                f"frequencies come from the gold set's own {len(data.documents)} reports (pass --reference)")
        model, params, extra = train_linear(config, data)
        held_out = ("dev", "test") if config.fit_on == "train" else ("test",)
    elif kind == "bert":
        from nlp.training.transformer import train_bert

        model = train_bert(config, data.labelset, data.segments("train"), data.segments("dev"), data.documents, log=log)
        params = {**config.to_dict(), "thresholds": dict(zip(data.labelset.ids, model.thresholds.round(4).tolist())),
                  "boilerplate_threshold": round(model.boilerplate_threshold, 4),
                  "training": {k: v for k, v in model.training_log.items() if k != "loss"}}
        extra = {"reference": None, "reference_docs": 0}
        held_out = ("dev", "test")
    elif kind == "fewshot":
        from nlp.training.fewshot import train_fewshot

        model, params, extra = train_fewshot(config, data)
        held_out = ("dev", "test")
    elif kind == "ensemble":
        from nlp.training.ensemble import train_ensemble

        model, params, extra = train_ensemble(config, data)
        held_out = ("test",) if config.tune_on == "dev" else ()
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}")
    seconds = time.time() - t0
    metrics = {split: card_metrics(evaluate(data.segments(split), model.predict(data.inputs(split))))
               for split in held_out if data.segments(split)}
    model.card = {
        "name": name or out.name, "kind": kind, "label_set": data.labelset.name, "labels": data.labelset.ids,
        "description": f"{kind} tagger for {data.labelset.name}: themes (multi-label) and a boilerplate flag per segment.",
        "data": {"gold": os.path.relpath(data.gold), "hash": data.hash, "n_train": len(data.segments("train")),
                 "n_dev": len(data.segments("dev")), "n_test": len(data.segments("test")), **extra},
        "parameters": params, "metrics": metrics, "training_seconds": round(seconds, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "tokenizer_hash": model.word_tokenizer.hash if model.word_tokenizer is not None else None,
        "reproduce": reproduce,
    }
    model.save_pretrained(out)
    for split, m in metrics.items():
        log(f"{split}: micro-F1 {m['micro_f1']:.3f} macro-F1 {m['macro_f1']:.3f} "
            f"boilerplate F1 {m['boilerplate_f1']:.3f} ({m['n_segments']} segments)")
    log(f"saved {out} in {seconds:.1f} s")
    return model


__all__ = ["KINDS", "LinearTrainingConfig", "card_metrics", "train_model"]
