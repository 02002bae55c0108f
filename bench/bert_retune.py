"""Re-tune the thresholds of saved bert models on dev (weights unchanged) and refresh their cards.

    python bench/bert_retune.py models/e5-small-ft models/e5-small-random ...

For models trained before thresholds were placed halfway between dev scores
(:func:`nlp.models.thresholds.midpoint_threshold`): their thresholds sat exactly on a dev score, so the last bit
of a float decided some dev labels. The card's metrics and thresholds are recomputed; the card
records the re-tuning under ``parameters.retuned``.
"""

import sys
from pathlib import Path

from nlp.evaluation.metrics import evaluate
from nlp.labels.gold import gold_records, load_gold, read_documents
from nlp.models.registry import load_model
from nlp.training.run import card_metrics
from nlp.training.transformer import retune

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    gold = ROOT / "corpora" / "gold"
    documents = read_documents(gold / "documents.jsonl")
    splits = {s: load_gold(gold, s) for s in ("dev", "test")}
    records = {s: gold_records(segs, documents) for s, segs in splits.items()}
    for path in map(Path, sys.argv[1:]):
        model = load_model(path)
        before = (model.thresholds.copy(), model.boilerplate_threshold)
        retune(model, records["dev"], splits["dev"])
        card = model.card
        card["metrics"] = {s: card_metrics(evaluate(segs, model.predict(records[s]))) for s, segs in splits.items()}
        card["parameters"]["thresholds"] = dict(zip(model.labels, model.thresholds.round(4).tolist()))
        card["parameters"]["boilerplate_threshold"] = round(model.boilerplate_threshold, 4)
        card["parameters"]["retuned"] = "thresholds re-tuned on dev halfway between dev scores by bench/bert_retune.py"
        model.save_pretrained(path)  # weights unchanged; config thresholds and the card rewritten
        moved = int((abs(before[0] - model.thresholds) > 0).sum())
        print(f"{path}: {moved} theme thresholds moved (largest by {abs(before[0] - model.thresholds).max():.4f}), "
              f"boilerplate {before[1]:.4f} -> {model.boilerplate_threshold:.4f}; test micro-F1 "
              f"{card['metrics']['test']['micro_f1']:.4f}")


if __name__ == "__main__":
    main()
