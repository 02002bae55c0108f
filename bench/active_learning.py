"""Simulated active learning on gold v2 train: does `nlp suggest`'s selection beat random labelling?

    python bench/active_learning.py [--rounds 5] [--batch 100] [--seeds 3] [--out docs/active_learning.png]

Each seed starts from the same 100 random train segments for both strategies, then adds 100 per round,
either chosen by :func:`nlp.models.suggest.rank` (uncertainty per label against the model's thresholds,
rare labels weighted, at most 3 per report, one per near-identical sentence family, never a family
already labelled) from the rest of gold train, or drawn at random from it. Every round trains the
project's linear recipe (:func:`nlp.training.linear.train_linear`, thresholds from gold dev +
out-of-fold scores as always; the boilerplate reference corpus fixed and its n-gram tables built once)
and scores theme micro- and macro-F1 on gold v2 test. Prints the table and plots mean ± sd bands.
"""

import argparse
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

import nlp.training.linear as linear_recipe
from nlp.evaluation.metrics import evaluate
from nlp.io.figures import f1_curves
from nlp.models.suggest import family_ids, gold_positives, rank
from nlp.training.data import TrainingData
from nlp.training.linear import LinearTrainingConfig, train_linear

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ("suggest", "random")


def build_references_once():
    """The reference corpus is the same every round: build its n-gram tables once (same result, less time)."""
    build, built = linear_recipe.build_references, {}

    def cached(texts, tokenize):
        key = (len(texts), hash(texts[0]) if texts else 0)
        if key not in built:
            built[key] = build(texts, tokenize)
        return built[key]

    linear_recipe.build_references = cached


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", type=Path, default=ROOT / "corpora" / "gold")
    parser.add_argument("--reference", default=str(ROOT / "corpora" / "corpus" / "reports.jsonl"))
    parser.add_argument("--start", type=int, default=100)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--per-report", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "active_learning.png")
    args = parser.parse_args()
    build_references_once()
    data = TrainingData.load(args.gold)
    ids = data.labelset.ids
    pool, pool_inputs = data.segments("train"), data.inputs("train")
    docs = [s.doc_id for s in pool]
    families = family_ids([s.text for s in pool], docs)
    test, test_inputs = data.segments("test"), data.inputs("test")
    cfg = LinearTrainingConfig(reference=args.reference)
    results: dict[str, list[list[tuple[int, float, float]]]] = {s: [] for s in STRATEGIES}
    t_all = time.time()
    for seed in range(args.seeds):
        start = random.Random(seed).sample(range(len(pool)), args.start)
        for strategy in STRATEGIES:
            rng = random.Random(1000 + seed)
            chosen = list(start)
            curve = []
            for round_no in range(args.rounds + 1):
                t0 = time.time()
                subset = replace(data, splits={**data.splits, "train": [pool[i] for i in chosen]})
                model = train_linear(cfg, subset)[0]
                m = evaluate(test, model.predict(test_inputs), n_boot=20)
                curve.append((len(chosen), m["micro_f1"], m["macro_f1"]))
                print(f"seed {seed} {strategy:7s} {len(chosen):4d} segments: micro-F1 {m['micro_f1']:.3f} "
                      f"macro-F1 {m['macro_f1']:.3f} ({time.time() - t0:.0f} s)", flush=True)
                if round_no == args.rounds:
                    break
                taken = set(chosen)
                rest = [i for i in range(len(pool)) if i not in taken]
                if strategy == "random":
                    chosen += rng.sample(rest, args.batch)
                else:
                    labelled = [pool[i] for i in chosen]
                    positives = gold_positives(labelled, ids)
                    scores = model.themes.predict_proba([pool_inputs[i] for i in rest])
                    picked = rank(scores, ids, model.themes.thresholds_, [docs[i] for i in rest], families[rest],
                                  families[chosen], positives, n=args.batch, per_report=args.per_report,
                                  n_labelled=len(labelled))
                    chosen += [rest[s.index] for s in picked]
            results[strategy].append(curve)
    print(f"\ntotal {time.time() - t_all:.0f} s. Theme F1 on gold v2 test ({len(test)} segments), "
          f"mean ± sd over {args.seeds} seeds")
    print("| labelled segments | suggest micro-F1 | random micro-F1 | suggest macro-F1 | random macro-F1 |")
    print("|---|---|---|---|---|")

    def stat(strategy, r, i):
        values = [curve[r][i] for curve in results[strategy]]
        return statistics.mean(values), statistics.pstdev(values)

    for r in range(args.rounds + 1):
        cells = [f"{stat(s, r, i)[0]:.3f} ± {stat(s, r, i)[1]:.3f}" for i in (1, 2) for s in STRATEGIES]
        print(f"| {results['suggest'][0][r][0]} | " + " | ".join(cells) + " |")
    curves = {("nlp suggest" if strategy == "suggest" else "random"):
              ([c[0] for c in results[strategy][0]],
               [[curve[r][1:3] for curve in results[strategy]] for r in range(args.rounds + 1)])
              for strategy in STRATEGIES}
    f1_curves(curves, xlabel="labelled segments (gold v2 train)", ylabel=f"F1 on gold v2 test ({len(test)} segments)",
              title=f"simulated active learning, linear recipe ({args.seeds} seeds, mean ± sd)", out=args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
