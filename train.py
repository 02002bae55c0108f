"""Train a tagger on a gold directory and write it with its model card.

    python train.py --gold corpora/gold --model linear --out models/default
    python train.py --gold corpora/gold --model bert --base hfl/chinese-roberta-wwm-ext --out models/roberta

Trains on ``train``, tunes thresholds on ``dev``, reports dev and test metrics
in ``card.json`` and ``README.md`` beside the weights.
"""

from __future__ import annotations

import hashlib
import os
import json
import platform
import shlex
import sys
import time
from pathlib import Path

import typer

from nlp.corpus import iter_corpus
from nlp.evaluation import evaluate
from nlp.gold import GoldError, gold_records, load_gold, read_documents
from nlp.labels import LabelSetError, load_labelset
from nlp.linear import BoilerplateDetector, LinearTagger
from nlp.models import LinearModel
from nlp.ngrams import build_references
from nlp.reuse_reference import ReuseReference
from nlp.tokenizer import default_tokenizer

DEFAULT_REFERENCE = Path(__file__).resolve().parent.parent / "shared" / "corpus"


def data_hash(gold: Path) -> str:
    h = hashlib.sha256()
    files = sorted(gold.glob("*.jsonl")) if gold.is_dir() else [gold]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def reference_texts(reference: Path | None, gold_documents: dict[str, str]) -> tuple[list[str], str]:
    """Texts of the reference corpus for n-gram frequencies (the shared corpus when present)."""
    if reference and reference.exists():
        return [r.source.text for r in iter_corpus(reference)], os.path.relpath(reference)
    return list(gold_documents.values()), "gold documents.jsonl"


def write_card(out: Path, card: dict) -> None:
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    m = card["metrics"]
    lines = [
        f"# Model card: {card['name']}", "",
        f"{card['description']}", "",
        "## Data",
        f"- gold: `{card['data']['gold']}` (sha256 {card['data']['hash']}), label set `{card['label_set']}`",
        f"- segments: train {card['data']['n_train']}, dev {card['data']['n_dev']}, test {card['data']['n_test']}; "
        f"fitted on {card['parameters'].get('fit_on', 'train')}",
        f"- boilerplate reference corpus: {card['data']['reference']} ({card['data']['reference_docs']} reports)", "",
        "## Metrics (bootstrap 95 % intervals by document)", "",
        "| split | theme micro-F1 | theme macro-F1 | boilerplate F1 | segments |", "|---|---|---|---|---|",
    ]
    for split in ("dev", "test"):
        r = m.get(split)
        if r:
            lines.append(f"| {split} | {r['micro_f1']:.3f} [{r['micro_f1_ci'][0]:.3f}, {r['micro_f1_ci'][1]:.3f}] | "
                         f"{r['macro_f1']:.3f} [{r['macro_f1_ci'][0]:.3f}, {r['macro_f1_ci'][1]:.3f}] | "
                         f"{r['boilerplate_f1']:.3f} [{r['boilerplate_f1_ci'][0]:.3f}, {r['boilerplate_f1_ci'][1]:.3f}] | "
                         f"{r['n_segments']} |")
    if m.get("test"):
        lines += ["", "Per-label F1 on test:", "", "| label | F1 | support |", "|---|---|---|"]
        lines += [f"| {k} | {v['f1']:.3f} | {v['support']} |" for k, v in m["test"]["per_label"].items()]
    lines += ["", "## Parameters", "", "```json", json.dumps(card["parameters"], ensure_ascii=False, indent=1), "```", "",
              "## Reproduce", "", "```", card["reproduce"], "```", "",
              f"Trained in {card['training_seconds']:.1f} s on {card['machine']}; tokenizer hash {card['tokenizer_hash']}."]
    if card["kind"] == "bert":
        lines.append("Weights: the encoder (transformers `save_pretrained`, safetensors), the tokenizer files and the "
                     "head in `head.safetensors`; thresholds and the label map are in `config.json`; nothing here runs "
                     "code when loaded. `nlp export-onnx` adds `model.onnx` / `model.int8.onnx`.")
    else:
        lines.append("Weights: scikit-learn pipelines in skops files (loaded only if every type is scikit-learn's own) "
                     "and n-gram statistics in safetensors; nothing here runs code when loaded.")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def summary(metrics: dict) -> dict:
    keep = ("n_segments", "n_documents", "micro_f1", "micro_f1_ci", "macro_f1", "macro_f1_ci", "boilerplate_f1",
            "boilerplate_f1_ci", "subset_accuracy", "boilerplate", "per_section")
    out = {k: metrics[k] for k in keep}
    out["per_label"] = {k: {"f1": v["f1"], "precision": v["precision"], "recall": v["recall"], "support": v["support"]}
                        for k, v in metrics["per_label"].items()}
    return out


def main(
    gold: Path = typer.Option(Path("corpora/gold"), help="Gold directory with train/dev/test.jsonl."),
    model: str = typer.Option("linear", help="linear | bert"),
    out: Path = typer.Option(..., help="Output model directory."),
    labelset: str = typer.Option(None, help="Label set name or YAML file [default: the one the gold rows name]."),
    reference: Path = typer.Option(DEFAULT_REFERENCE, help="Report corpus for boilerplate n-gram frequencies."),
    C: float = typer.Option(4.0, help="Inverse regularisation of the theme classifier."),
    boilerplate_C: float = typer.Option(0.5, "--boilerplate-C", help="Inverse regularisation of the boilerplate classifier."),
    boilerplate_features: str = typer.Option("default", "--boilerplate-features",
                                             help="linear: default | families (adds sentence-family size, distinct "
                                                  "bodies and boilerplate phrases of --reference; nlp/reuse_reference.py)."),
    base: str = typer.Option(None, help="bert: hub id or local directory of the encoder."),
    epochs: int = typer.Option(8, help="bert: maximum epochs (early stopping on dev micro-F1)."),
    context: bool = typer.Option(False, help="bert: pair each segment with its heading and previous segment."),
    init: str = typer.Option("pretrained", help="bert: pretrained | random (same architecture, no pretraining)."),
    max_length: int = typer.Option(128, help="bert: maximum tokens per input."),
    batch_size: int = typer.Option(16, help="bert: training batch size."),
    lr: float = typer.Option(1e-4, help="bert: encoder learning rate (the head uses 20x)."),
    max_steps: int = typer.Option(None, help="bert: stop after this many optimiser steps (smoke tests)."),
    pooling: str = typer.Option(None, help="bert: mean | segment | cls [default: segment with --context, else mean]."),
    fit_on: str = typer.Option("train", "--fit-on",
                               help="linear: train (thresholds tuned on dev + out-of-fold train scores) | train+dev "
                                    "(fit on both, thresholds from out-of-fold scores; dev is then not a held-out score)."),
    seed: int = typer.Option(0),
    name: str = typer.Option(None, help="Model name in the card [default: the output directory's name]."),
):
    """Train on `train` (or `train`+`dev`), tune thresholds on held-out scores, score `test`, save weights and card."""
    t0 = time.time()
    if model not in ("linear", "bert"):
        raise typer.BadParameter(f"unknown --model {model!r}; expected linear or bert")
    if boilerplate_features not in ("default", "families"):
        raise typer.BadParameter(f"unknown --boilerplate-features {boilerplate_features!r}; expected default or families")
    if fit_on not in ("train", "train+dev"):
        raise typer.BadParameter(f"unknown --fit-on {fit_on!r}; expected train or train+dev")
    if model == "bert" and fit_on != "train":
        raise typer.BadParameter("--fit-on is for linear models; bert stops early on dev, so it never fits on it")
    try:
        train = load_gold(gold, "train", labelset)
        dev = load_gold(gold, "dev", labelset)
        test = load_gold(gold, "test", labelset) if (not gold.is_dir() or (gold / "test.jsonl").exists()) else []
        labels = load_labelset(labelset or train[0].label_set)
    except (GoldError, LabelSetError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2)
    documents = read_documents(gold / "documents.jsonl") if (gold / "documents.jsonl").exists() else {}
    records = {split: gold_records(segs, documents) for split, segs in (("train", train), ("dev", dev), ("test", test))}
    if model == "linear":
        texts, ref_name = reference_texts(reference, documents)
        refs = build_references(texts, default_tokenizer())
        # Thresholds come from held-out scores: dev (unless it is fitted on) plus out-of-fold scores of the fit data.
        fit, fit_records = (train, records["train"]) if fit_on == "train" else (train + dev, records["train"] + records["dev"])
        tune, tune_records = (dev, records["dev"]) if fit_on == "train" else ([], [])
        groups = [s.doc_id for s in fit]
        themes = LinearTagger(C=C, cue_words=labels.cue_words()).fit(fit_records, [s.themes for s in fit], labels.ids)
        oof = themes.cross_val_proba(fit_records, [s.themes for s in fit], groups)
        themes.tune_thresholds(tune_records, [s.themes for s in tune], prior=(oof, [s.themes for s in fit]))
        reuse = ReuseReference.for_training(reference, documents) if boilerplate_features == "families" else None
        detector = BoilerplateDetector(references=refs, C=boilerplate_C, reuse=reuse).fit(
            fit_records, [s.boilerplate for s in fit])
        prior = None
        if fit_on == "train+dev":
            prior = (detector.cross_val_proba(fit_records, [s.boilerplate for s in fit], groups), [s.boilerplate for s in fit])
        detector.tune_threshold(tune_records, [s.boilerplate for s in tune], prior=prior)
        tagger = LinearModel(labels, themes, detector)
        params = {"fit_on": fit_on, "themes": themes.get_params(),
                  "boilerplate": {"C": boilerplate_C, "use_text": True, "features": boilerplate_features},
                  "thresholds": dict(zip(labels.ids, themes.thresholds_.round(4).tolist())),
                  "boilerplate_threshold": round(detector.threshold_, 4)}
        extra = {"reference": ref_name, "reference_docs": len(texts)}
    elif model == "bert":
        from nlp.bert import BertTrainingConfig, train_bert

        if not base:
            raise typer.BadParameter("--model bert needs --base (a hub id or a local directory)")
        cfg = BertTrainingConfig(base=base, epochs=epochs, context=context, seed=seed, init=init,
                                 max_length=max_length, batch_size=batch_size, lr=lr, head_lr=20 * lr,
                                 max_steps=max_steps, pooling=pooling)
        tagger = train_bert(cfg, labels, train, dev, documents, log=typer.echo)
        params = {**cfg.to_dict(), "thresholds": dict(zip(labels.ids, tagger.thresholds.round(4).tolist())),
                  "boilerplate_threshold": round(tagger.boilerplate_threshold, 4),
                  "training": {k: v for k, v in tagger.training_log.items() if k != "loss"}}
        extra = {"reference": None, "reference_docs": 0}
    seconds = time.time() - t0
    held_out = (("dev", dev), ("test", test)) if fit_on == "train" else (("test", test),)
    metrics = {split: summary(evaluate(segs, tagger.predict(records[split]))) for split, segs in held_out if segs}
    name = name or out.name
    tagger.card = {
        "name": name, "kind": model, "label_set": labels.name, "labels": labels.ids,
        "description": f"{model} tagger for {labels.name}: themes (multi-label) and a boilerplate flag per segment.",
        "data": {"gold": str(gold), "hash": data_hash(gold), "n_train": len(train), "n_dev": len(dev),
                 "n_test": len(test), **extra},
        "parameters": params, "metrics": metrics, "training_seconds": round(seconds, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "tokenizer_hash": default_tokenizer().hash,
        "reproduce": "python " + " ".join(shlex.quote(a) for a in sys.argv),
    }
    tagger.save(out)
    write_card(out, tagger.card)
    for split, m in metrics.items():
        typer.echo(f"{split}: micro-F1 {m['micro_f1']:.3f} macro-F1 {m['macro_f1']:.3f} "
                   f"boilerplate F1 {m['boilerplate_f1']:.3f} ({m['n_segments']} segments)")
    typer.echo(f"saved {out} in {seconds:.1f} s")


if __name__ == "__main__":
    typer.run(main)
