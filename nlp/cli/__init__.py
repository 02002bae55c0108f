"""The ``nlp`` command: one module per command, registered here."""

from __future__ import annotations

import typer

from nlp.cli.annotate import annotate
from nlp.cli.encoder import convert_e5, export_onnx
from nlp.cli.evaluate import evaluate_command
from nlp.cli.reuse import reuse
from nlp.cli.sections import sections
from nlp.cli.segment import segment
from nlp.cli.suggest import suggest
from nlp.cli.tag import tag
from nlp.cli.train import train

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Read, segment and tag Chinese government information-disclosure annual reports.")
app.command()(segment)
app.command()(tag)
app.command()(sections)
app.command()(train)
app.command("evaluate")(evaluate_command)
app.command()(reuse)
app.command("convert-e5")(convert_e5)
app.command("export-onnx")(export_onnx)
app.add_typer(annotate, name="annotate")
app.command()(suggest)


def main() -> None:
    app()
