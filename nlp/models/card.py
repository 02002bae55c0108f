"""Model cards: ``card.json`` (machine-readable) and ``README.md`` (for people), written together."""

from __future__ import annotations

import json
from pathlib import Path


def read_card(path: Path) -> dict:
    card = Path(path) / "card.json"
    return json.loads(card.read_text(encoding="utf-8")) if card.exists() else {}


def _ci(r: dict, key: str) -> str:
    lo, hi = r.get(f"{key}_ci") or (float("nan"), float("nan"))
    return f"{r[key]:.3f} [{lo:.3f}, {hi:.3f}]"


def render(card: dict) -> str:
    """The card as Markdown."""
    m = card.get("metrics", {})
    data = card.get("data", {})
    params = card.get("parameters", {})
    lines = [f"# Model card: {card.get('name', '')}", "", card.get("description", ""), "", "## Data",
             f"- gold: `{data.get('gold')}` (sha256 {data.get('hash')}), label set `{card.get('label_set')}`",
             f"- segments: train {data.get('n_train')}, dev {data.get('n_dev')}, test {data.get('n_test')}; "
             f"fitted on {params.get('fit_on', 'train')}",
             *([f"- boilerplate reference corpus: {data.get('reference')} ({data.get('reference_docs')} reports)"]
               if data.get("reference") else []), "",
             "## Metrics (bootstrap 95 % intervals by document)", "",
             "| split | theme micro-F1 | theme macro-F1 | boilerplate F1 | segments |", "|---|---|---|---|---|"]
    for split in ("dev", "test"):
        r = m.get(split)
        if r:
            lines.append(f"| {split} | {_ci(r, 'micro_f1')} | {_ci(r, 'macro_f1')} | {_ci(r, 'boilerplate_f1')} | "
                         f"{r['n_segments']} |")
    if m.get("test"):
        lines += ["", "Per-label F1 on test:", "", "| label | F1 | support |", "|---|---|---|"]
        lines += [f"| {k} | {v['f1']:.3f} | {v['support']} |" for k, v in m["test"]["per_label"].items()]
    lines += ["", "## Parameters", "", "```json", json.dumps(params, ensure_ascii=False, indent=1), "```", "",
              "## Reproduce", "", "```", card.get("reproduce", ""), "```", ""]
    if "training_seconds" in card:
        lines.append(f"Trained in {card['training_seconds']:.1f} s on {card.get('machine')}; "
                     f"tokenizer hash {card.get('tokenizer_hash')}.")
    if card.get("kind") == "bert":
        lines.append("Weights: the encoder (transformers `save_pretrained`, safetensors), the tokenizer files and the "
                     "head in `head.safetensors`; thresholds and the label map are in `config.json`; nothing here runs "
                     "code when loaded. `nlp export-onnx` adds `model.onnx` / `model.int8.onnx`.")
    else:
        lines.append("Weights: the fitted pipelines (TF-IDF vocabularies and idf, scaler, logistic-regression coefficients) "
                     "and n-gram statistics in safetensors; nothing here runs code when loaded.")
    return "\n".join(lines) + "\n"


def write_card(path: Path, card: dict) -> None:
    path = Path(path)
    (path / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    (path / "README.md").write_text(render(card), encoding="utf-8")
