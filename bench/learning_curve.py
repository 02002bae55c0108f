"""Learning curve: train on 25 / 50 / 100 % of gold train (whole documents, random subsets, 3 draws
each), score on the body-disjoint gold test split, plot.

    python bench/learning_curve.py [--gold corpora/gold] [--out docs/learning_curve.png]
    python bench/learning_curve.py --recipe bert --base models/e5-small --epochs 4 --draws 1 \
        --out docs/learning_curve_e5.png          # the transformer recipe (slow on a CPU)

Prints micro-F1, macro-F1 and boilerplate F1 (mean ± sd over the draws) per share and writes the plot.
"""

import argparse
import random
import statistics
from dataclasses import replace
from pathlib import Path

from nlp.evaluation.metrics import evaluate
from nlp.io.figures import pyplot
from nlp.training.data import TrainingData
from nlp.training.linear import LinearTrainingConfig, train_linear

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", type=Path, default=ROOT / "corpora" / "gold")
    parser.add_argument("--reference", default=str(ROOT / "corpora" / "corpus" / "reports.jsonl"))
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "learning_curve.png")
    parser.add_argument("--recipe", choices=("linear", "bert"), default="linear")
    parser.add_argument("--base", help="bert: the encoder (a hub id or a local directory)")
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    data = TrainingData.load(args.gold)
    docs = sorted({s.doc_id for s in data.segments("train")})
    test, test_inputs = data.segments("test"), data.inputs("test")
    cfg = LinearTrainingConfig(reference=args.reference)
    rows = {}
    for share in args.shares:
        scores = []
        for draw in range(args.draws if share < 1 else 1):
            chosen = set(random.Random(draw).sample(docs, max(1, round(share * len(docs)))))
            subset = replace(data, splits={**data.splits,
                                           "train": [s for s in data.segments("train") if s.doc_id in chosen]})
            if args.recipe == "linear":
                model = train_linear(cfg, subset)[0]
            else:
                from nlp.training.transformer import BertTrainingConfig, train_bert

                model = train_bert(BertTrainingConfig(base=args.base, epochs=args.epochs), subset.labelset,
                                   subset.segments("train"), subset.segments("dev"), subset.documents,
                                   log=lambda m: None)
            m = evaluate(test, model.predict(test_inputs), n_boot=200)
            scores.append((m["micro_f1"], m["macro_f1"], m["boilerplate_f1"], len(subset.segments("train"))))
        rows[share] = scores
        mean = [statistics.mean(s[i] for s in scores) for i in range(4)]
        sd = [statistics.pstdev(s[i] for s in scores) for i in range(3)]
        print(f"{share:4.0%} of train ({mean[3]:.0f} segments): micro-F1 {mean[0]:.3f} ± {sd[0]:.3f}  "
              f"macro-F1 {mean[1]:.3f} ± {sd[1]:.3f}  boilerplate F1 {mean[2]:.3f} ± {sd[2]:.3f}")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, name in enumerate(("theme micro-F1", "theme macro-F1", "boilerplate F1")):
        xs = [statistics.mean(s[3] for s in rows[k]) for k in args.shares]
        ys = [statistics.mean(s[i] for s in rows[k]) for k in args.shares]
        err = [statistics.pstdev(s[i] for s in rows[k]) for k in args.shares]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("training segments (whole reports; log scale)")
    ax.set_ylabel(f"F1 on gold test ({len(test)} segments, unseen bodies)")
    ax.set_title(f"{args.recipe} recipe: learning curve on gold v2")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
