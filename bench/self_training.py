"""What the unlabelled corpus adds to the linear recipe: self-training on confident predictions.

The pool is every narrative segment of corpus v2 that no gold row covers, from reports whose issuing
body is in gold train or in no gold split at all: reports of dev and test bodies are left out, so the
test figures stay those of unseen bodies. A model trained on gold train labels the pool; segments on
which it is confident for every label (each theme score and the boilerplate score at least ``margin``
away from its threshold) join the training rows with the predicted labels, for training only (never
into gold), and the recipe is trained again, for ``rounds`` rounds. Each variant is scored on gold
test with a paired bootstrap against the model trained on gold alone.

    python bench/self_training.py [--margins 0.2 0.3 0.4] [--rounds 2]
    python bench/self_training.py --teacher ensemble-gov --margins 0 0.2     # distillation into the linear recipe

With ``--teacher`` another model (e.g. the ensemble with the transformer) labels the pool once, and the
linear recipe is trained on gold train plus those rows.
"""

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from nlp.evaluation.metrics import compare, evaluate
from nlp.io.corpus import iter_reports
from nlp.labels.assemble import segment_report
from nlp.labels.gold import GoldSegment
from nlp.labels.splits import body_key
from nlp.models.registry import load_model
from nlp.training.data import TrainingData
from nlp.training.linear import LinearTrainingConfig, train_linear

ROOT = Path(__file__).resolve().parents[1]


def unlabelled_pool(data: TrainingData, corpus: Path) -> tuple[list[GoldSegment], dict[str, str]]:
    """Corpus segments without gold rows, from train bodies and bodies in no split; their report texts."""
    held_out = {body_key({**s.meta, "doc_id": s.doc_id}) for split in ("dev", "test") for s in data.segments(split)}
    labelled = {(s.doc_id, s.start, s.end) for split in ("train", "dev", "test") for s in data.segments(split)}
    pool, texts = [], {}
    for report in iter_reports([corpus]):
        if body_key({**report.meta, "doc_id": report.doc_id}) in held_out:
            continue
        doc = segment_report(report)
        texts[report.doc_id] = doc.text
        pool += [GoldSegment(section=s.section, heading=s.heading, start=s.start, end=s.end, text=s.text,
                             id=f"{report.doc_id}#{s.index}", doc_id=report.doc_id, split="train", source="self-training")
                 for s in doc.segments if (report.doc_id, s.start, s.end) not in labelled]
    return pool, texts


def thresholds(model) -> tuple[np.ndarray, float]:
    """Per-label theme thresholds and the boilerplate threshold, for a linear or an ensemble model."""
    if hasattr(model, "themes"):
        return model.themes.thresholds_, model.boilerplate.threshold_
    return model.thresholds, model.boilerplate_threshold


def confident(model, pool: list[GoldSegment], inputs, margin: float) -> list[GoldSegment]:
    """Pool segments labelled by the model where every decision is at least ``margin`` from its threshold."""
    pred = model.predict(inputs)
    theme_t, bp_t = thresholds(model)
    theme_gap = abs(pred.scores - theme_t[None, :]).min(axis=1)
    bp_gap = abs(pred.boilerplate_scores - bp_t)
    return [replace(seg, themes=sorted(themes), boilerplate=bool(bp))
            for seg, themes, bp, gap, bgap in zip(pool, pred.themes, pred.boilerplate, theme_gap, bp_gap)
            if gap >= margin and bgap >= margin]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", type=Path, default=ROOT / "corpora" / "gold")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpora" / "corpus" / "reports.jsonl")
    parser.add_argument("--margins", type=float, nargs="+", default=[0.2, 0.3, 0.4])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--teacher", help="label the pool with this model instead (distillation; e.g. ensemble-gov), "
                        "one round")
    args = parser.parse_args()
    data = TrainingData.load(args.gold)
    cfg = LinearTrainingConfig(reference=str(args.corpus))
    test, test_inputs = data.segments("test"), data.inputs("test")
    pool, texts = unlabelled_pool(data, args.corpus)
    pool_data = replace(data, documents={**data.documents, **texts}, splits={**data.splits, "train": pool})
    pool_inputs = pool_data.inputs("train")
    print(f"gold train {len(data.segments('train'))} segments; unlabelled pool {len(pool)} segments "
          f"from {len({s.doc_id for s in pool})} reports (dev and test bodies left out)")

    base = train_linear(cfg, data)[0]
    base_pred = base.predict(test_inputs)
    m = evaluate(test, base_pred, n_boot=200)
    print(f"{'gold train only':<28} micro-F1 {m['micro_f1']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
          f"boilerplate macro-F1 {m['boilerplate_macro_f1']:.3f}")
    if args.teacher:
        teacher = load_model(args.teacher)
        teacher_inputs = [x.with_tokens(teacher.word_tokenizer) for x in pool_inputs] \
            if teacher.word_tokenizer is not None else pool_inputs
        for margin in args.margins:
            extra = confident(teacher, pool, teacher_inputs, margin)
            grown = replace(pool_data, splits={**data.splits, "train": data.segments("train") + extra})
            report(f"teacher {args.teacher} margin {margin:.2f}", len(extra), train_linear(cfg, grown)[0],
                   test, test_inputs, base_pred)
        return
    for margin in args.margins:
        model = base
        for round_ in range(1, args.rounds + 1):
            extra = confident(model, pool, pool_inputs, margin)
            grown = replace(pool_data, splits={**data.splits, "train": data.segments("train") + extra})
            model = train_linear(cfg, grown)[0]
            report(f"margin {margin:.1f} round {round_}", len(extra), model, test, test_inputs, base_pred)


def report(name: str, added: int, model, test, test_inputs, base_pred) -> None:
    """One line: the retrained model on gold test, with paired differences from the gold-only model."""
    pred = model.predict(test_inputs)
    m, d = evaluate(test, pred, n_boot=200), compare(test, base_pred, pred, n_boot=1000)
    diff = d["micro_f1"]
    print(f"{name}: +{added:>5} rows  micro-F1 {m['micro_f1']:.3f} "
          f"({diff['difference']:+.3f} [{diff['ci'][0]:+.3f}, {diff['ci'][1]:+.3f}])  "
          f"macro-F1 {m['macro_f1']:.3f} ({d['macro_f1']['difference']:+.3f})  "
          f"boilerplate macro-F1 {m['boilerplate_macro_f1']:.3f} "
          f"({d['boilerplate_macro_f1']['difference']:+.3f})", flush=True)


if __name__ == "__main__":
    main()
