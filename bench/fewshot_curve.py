"""Few-shot curve: the `fewshot` kind (frozen e5 + logistic heads) against the linear recipe with 8 / 16 / 32
positives per label taken from gold v2 train (3 seeds), both scored on the body-disjoint gold v2 test split.

    nlp convert-e5 models/e5-small
    python bench/fewshot_curve.py [--encoder models/e5-small] [--out docs/fewshot.png]

Both models get exactly the same training segments (:func:`nlp.training.fewshot.sample_per_label`: k
positives of every label, rarest first, plus k segments without a theme) and no dev split: a new label
set has no spare labelled segments, so both tune thresholds on out-of-fold scores of their training
segments (grouped by report). The linear recipe keeps its boilerplate reference corpus fixed. Embeddings
are cached (``--cache``), so a rerun skips the encoder. Prints theme micro- and macro-F1 (mean ± sd over
the seeds) per k and writes the plot.
"""

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from nlp.evaluation.metrics import evaluate
from nlp.io.figures import f1_curves
from nlp.models.fewshot import SentenceEncoder
from nlp.training.data import TrainingData
from nlp.training.fewshot import FewshotTrainingConfig, fit_fewshot, sample_per_label
from nlp.training.linear import LinearTrainingConfig, train_linear

ROOT = Path(__file__).resolve().parents[1]


def load_cache(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    data = np.load(path, allow_pickle=False)
    return dict(zip(data["texts"].tolist(), data["vectors"]))


def save_cache(path: Path, cache: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = sorted(cache)
    np.savez(path, texts=np.array(texts), vectors=np.stack([cache[t] for t in texts]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gold", type=Path, default=ROOT / "corpora" / "gold")
    parser.add_argument("--encoder", default=str(ROOT / "models" / "e5-small"))
    parser.add_argument("--reference", default=str(ROOT / "corpora" / "corpus" / "reports.jsonl"))
    parser.add_argument("--shots", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--C", type=float, default=FewshotTrainingConfig("").C)
    parser.add_argument("--split", default="test", help="test (the reported figures) or dev (to choose --C)")
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "fewshot_e5_cache.npz",
                        help="embedding cache (NumPy .npz, no pickle), reused by reruns")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "fewshot.png")
    args = parser.parse_args()
    data = TrainingData.load(args.gold)
    ids = data.labelset.ids
    held, held_inputs = data.segments(args.split), data.inputs(args.split)
    cfg = FewshotTrainingConfig(encoder=args.encoder, C=args.C)
    encoder = SentenceEncoder.from_dir(args.encoder, max_length=cfg.max_length, prefix=cfg.prefix,
                                       batch_size=cfg.batch_size, cache=load_cache(args.cache))
    t0 = time.time()
    x_held = encoder.embed([s.text for s in held])
    save_cache(args.cache, encoder.cache)
    print(f"embedded {len(held)} {args.split} segments in {time.time() - t0:.0f} s (cache {args.cache})")
    lin_cfg = LinearTrainingConfig(reference=args.reference)
    rows: dict[tuple[str, int], list[tuple[float, float, int]]] = {}
    for k in args.shots:
        for seed in range(args.seeds):
            train = sample_per_label(data.segments("train"), ids, k, seed=seed)
            subset = replace(data, splits={"train": train, "dev": [], "test": held})
            t0 = time.time()
            fewshot = fit_fewshot(cfg, data.labelset, encoder, train, [])
            t_fs = time.time() - t0
            t0 = time.time()
            linear = train_linear(lin_cfg, subset)[0]
            t_lin = time.time() - t0
            for name, pred in (("fewshot", fewshot.predict_embeddings(x_held)), ("linear", linear.predict(held_inputs))):
                m = evaluate(held, pred, n_boot=20)
                rows.setdefault((name, k), []).append((m["micro_f1"], m["macro_f1"], len(train)))
            print(f"k={k} seed={seed}: {len(train)} segments; fewshot {rows['fewshot', k][-1][:2]} ({t_fs:.0f} s), "
                  f"linear {rows['linear', k][-1][:2]} ({t_lin:.0f} s)", flush=True)
            save_cache(args.cache, encoder.cache)
    print(f"\ntheme F1 on gold v2 {args.split} ({len(held)} segments), mean ± sd over {args.seeds} seeds")
    print("| positives per label | training segments | model | micro-F1 | macro-F1 |")
    print("|---|---|---|---|---|")
    for k in args.shots:
        for name in ("fewshot", "linear"):
            r = rows[name, k]
            mi, ma = [x[0] for x in r], [x[1] for x in r]
            print(f"| {k} | {statistics.mean(x[2] for x in r):.0f} | {name} | {statistics.mean(mi):.3f} ± "
                  f"{statistics.pstdev(mi):.3f} | {statistics.mean(ma):.3f} ± {statistics.pstdev(ma):.3f} |")
    if args.split != "test":
        return
    curves = {name: (args.shots, [rows[name, k] for k in args.shots]) for name in ("fewshot", "linear")}
    f1_curves(curves, xlabel="positives per label (gold v2 train)", ylabel=f"F1 on gold v2 test ({len(held)} segments)",
              title=f"few-shot: frozen e5-small + logistic heads vs linear ({args.seeds} seeds, mean ± sd)",
              out=args.out, log2_x=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
