"""ONNX vs torch parity of a bert model on the gold test split.

    python bench/onnx_parity.py models/e5-small-ft [--split test]

For ONNX fp32 (model.onnx) and ONNX int8 (model.int8.onnx): the share of segments whose theme set
and boilerplate flag are identical to torch's, the largest score difference, and micro-F1 / boilerplate
F1 against gold for each runtime; and how many segments have a score within a small logit distance of
its threshold (those are the labels any numeric noise can flip).
"""

import argparse
from pathlib import Path

import numpy as np

from nlp.evaluation.metrics import evaluate
from nlp.labels.gold import gold_records, load_gold, read_documents
from nlp.models.registry import load_model

ROOT = Path(__file__).resolve().parents[1]


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def near_threshold(model, pred, margins=(0.05, 0.1, 0.3)) -> str:
    distance = np.abs(np.column_stack([_logit(pred.scores), _logit(pred.boilerplate_scores)])
                      - _logit(np.r_[model.thresholds, model.boilerplate_threshold])).min(axis=1)
    return ", ".join(f"m={m}: {np.mean(distance < m):.1%}" for m in margins)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("--gold", type=Path, default=ROOT / "corpora" / "gold")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    documents = read_documents(args.gold / "documents.jsonl")
    gold = load_gold(args.gold, args.split)
    records = gold_records(gold, documents)
    reference = load_model(args.model).predict(records)
    ref_eval = evaluate(gold, reference, n_boot=200)
    print(f"segments with a logit within m of its threshold: {near_threshold(load_model(args.model), reference)}")
    print(f"torch fp32: micro-F1 {ref_eval['micro_f1']:.4f}  boilerplate F1 {ref_eval['boilerplate_f1']:.4f}  "
          f"({len(gold)} {args.split} segments)")
    for backend, name in (("onnx-fp32", "ONNX fp32"), ("onnx", "ONNX int8")):
        pred = load_model(args.model, backend=backend).predict(records)
        same = np.mean([a == b and x == y for a, b, x, y in zip(reference.themes, pred.themes, reference.boilerplate,
                                                                 pred.boilerplate)])
        result = evaluate(gold, pred, n_boot=200)
        diff = max(np.abs(reference.scores - pred.scores).max(),
                   np.abs(reference.boilerplate_scores - pred.boilerplate_scores).max())
        print(f"{name}: segments with identical labels {same:.1%}, max |score difference| {diff:.4f}, "
              f"micro-F1 {result['micro_f1']:.4f} (drop {100 * (ref_eval['micro_f1'] - result['micro_f1']):+.2f} "
              f"points), boilerplate F1 {result['boilerplate_f1']:.4f}")


if __name__ == "__main__":
    main()
