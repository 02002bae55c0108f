"""``nlp train``: train a tagger on a gold directory and write it with its model card.

    nlp train --gold corpora/gold --model linear --out models/default
    nlp train --gold corpora/gold --model bert --base hfl/chinese-roberta-wwm-ext --out models/roberta
    nlp train --gold gold.jsonl --split-by body --model fewshot --encoder models/e5-small --out models/my-fewshot
    nlp train --gold corpora/gold --model ensemble --member default --member e5-gov --out models/ensemble-gov

Defaults come from the recipes' config dataclasses (:class:`~nlp.training.linear.LinearTrainingConfig`,
:class:`~nlp.training.transformer.BertTrainingConfig`, :class:`~nlp.training.fewshot.FewshotTrainingConfig`), so the command line and the Python API agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer

from nlp.cli.common import command_line, fail
from nlp.labels.gold import GoldError
from nlp.labels.labelset import LabelSetError
from nlp.models.base import ModelError
from nlp.training.data import TrainingData
from nlp.training.linear import LinearTrainingConfig
from nlp.training.run import KINDS, train_model

_LIN = LinearTrainingConfig()
DEFAULT_REFERENCE = Path("corpora/corpus/reports.jsonl")  # corpus v2, in the repository


def _bert_defaults():
    from dataclasses import fields

    from nlp.training.transformer import BertTrainingConfig

    return {f.name: f.default for f in fields(BertTrainingConfig) if f.name != "base"}


_BERT = _bert_defaults()


def train(
    gold: Path = typer.Option(Path("corpora/gold"), help="Gold directory with train/dev/test.jsonl."),
    model: str = typer.Option("linear", help="linear | bert | fewshot | ensemble"),
    out: Path = typer.Option(..., help="Output model directory."),
    labelset: str = typer.Option(None, help="Label set name or YAML file [default: the one the gold rows name]."),
    split_by: str = typer.Option(None, "--split-by", help="body: split a gold file's reports by issuing body "
                                 "(train/dev/test 61/19/20 %%) instead of using the rows' split fields."),
    reference: Path = typer.Option(DEFAULT_REFERENCE, help="linear: report corpus for boilerplate n-gram "
                                   "frequencies (a corpus directory or a JSONL of reports; without one, the gold "
                                   "documents' own texts, with a note)."),
    C: float = typer.Option(_LIN.C, help="linear: inverse regularisation of the theme classifier."),
    boilerplate_C: float = typer.Option(_LIN.boilerplate_C, "--boilerplate-C",
                                        help="linear: inverse regularisation of the boilerplate classifier."),
    boilerplate_features: str = typer.Option(_LIN.boilerplate_features, "--boilerplate-features",
                                             help="linear: default | families (adds sentence-family size, distinct "
                                                  "bodies and boilerplate phrases of --reference)."),
    fit_on: str = typer.Option(_LIN.fit_on, "--fit-on",
                               help="linear: train (thresholds tuned on dev + out-of-fold train scores) | train+dev "
                                    "(fit on both, thresholds from out-of-fold scores; dev is then not a held-out score)."),
    tokenizer: str = typer.Option(_LIN.tokenizer, "--tokenizer", help="linear: jieba | rjieba (same dictionary; "
                                  "rjieba is the Rust port, much faster; docs/performance.md)."),
    base: str = typer.Option(None, help="bert: hub id or local directory of the encoder."),
    encoder: Path = typer.Option(None, help="fewshot: the frozen sentence encoder, a directory made by "
                                 "`nlp convert-e5` (e.g. models/e5-small)."),
    epochs: int = typer.Option(_BERT["epochs"], help="bert: maximum epochs (early stopping on dev micro-F1)."),
    context: bool = typer.Option(_BERT["context"], help="bert: pair each segment with its heading and previous segment."),
    init: str = typer.Option(_BERT["init"], help="bert: pretrained | random (same architecture, no pretraining)."),
    max_length: int = typer.Option(_BERT["max_length"], help="bert: maximum tokens per input."),
    batch_size: int = typer.Option(_BERT["batch_size"], help="bert: training batch size."),
    lr: float = typer.Option(_BERT["lr"], help="bert: encoder learning rate (the head uses 20x)."),
    max_steps: int = typer.Option(None, help="bert: stop after this many optimiser steps (smoke tests)."),
    pooling: str = typer.Option(None, help="bert: mean | segment | cls [default: segment with --context, else mean]."),
    seed: int = typer.Option(_BERT["seed"]),
    train_layers: int = typer.Option(None, "--train-layers", help="bert: train only the top N encoder layers "
                                     "(+ head); the rest stays frozen (models/e5-gov, docs/bert.md)."),
    member: List[str] = typer.Option(None, "--member", help="ensemble: a trained model (directory or bundled name); "
                                     "repeat for each member."),
    weight: List[float] = typer.Option(None, "--weight", help="ensemble: one weight per --member [default: equal]."),
    name: str = typer.Option(None, help="Model name in the card [default: the output directory's name]."),
):
    """Train on `train` (or `train`+`dev`), tune thresholds on held-out scores, score `test`, save weights and card."""
    if model not in KINDS:
        fail(f"unknown --model {model!r}; expected one of {', '.join(KINDS)}")
    if model == "bert" and fit_on != "train":
        fail("--fit-on is for linear models; bert stops early on dev, so it never fits on it")
    if model == "bert" and not base:
        fail("--model bert needs --base (a hub id or a local directory)")
    if model == "ensemble" and len(member or ()) < 2:
        fail("--model ensemble needs at least two --member models (directories or bundled names)")
    if model == "ensemble" and weight and len(weight) != len(member):
        fail(f"--weight: give one per --member ({len(member)}), or none for equal weights")
    if model == "fewshot" and not encoder:
        fail("--model fewshot needs --encoder (a directory made by `nlp convert-e5 DIR`)")
    if model == "fewshot" and not (encoder / "config.json").exists():
        fail(f"--encoder {encoder}: no encoder there (config.json missing); build it with `nlp convert-e5 {encoder}`")
    if model == "fewshot" and fit_on != "train":
        fail("--fit-on is for linear models; fewshot fits on train and tunes thresholds on dev + out-of-fold scores")
    try:
        if model == "linear":
            config = LinearTrainingConfig(C=C, boilerplate_C=boilerplate_C, boilerplate_features=boilerplate_features,
                                          fit_on=fit_on, reference=str(reference) if reference else None,
                                          tokenizer=tokenizer)
        elif model == "ensemble":
            from nlp.training.ensemble import EnsembleTrainingConfig

            config = EnsembleTrainingConfig(members=tuple(member or ()), weights=tuple(weight) if weight else None)
        elif model == "fewshot":
            from nlp.training.fewshot import FewshotTrainingConfig

            config = FewshotTrainingConfig(encoder=str(encoder))
        else:
            from nlp.training.transformer import BertTrainingConfig

            config = BertTrainingConfig(base=base, epochs=epochs, context=context, seed=seed, init=init,
                                        max_length=max_length, batch_size=batch_size, lr=lr, head_lr=20 * lr,
                                        max_steps=max_steps, pooling=pooling, train_layers=train_layers)
        data = TrainingData.load(gold, labelset, split_by=split_by)
    except (GoldError, LabelSetError, ValueError) as err:
        fail(str(err))
    try:
        train_model(model, config, data, out, name=name, reproduce=command_line(), log=typer.echo)
    except ModelError as err:  # a member or base model that cannot be loaded
        fail(str(err))
