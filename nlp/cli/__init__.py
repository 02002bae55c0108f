"""The ``nlp`` command: one module per command, imported only when that command runs.

``nlp segment`` should not pay for importing pandas, SciPy and the trainers, nor ``nlp tag`` for the
annotation server's client: a command's module is imported when the command is looked up.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperGroup

# command name -> (module, attribute): a command function, or a Typer app of subcommands
COMMANDS = {
    "segment": ("nlp.cli.segment", "segment"),
    "tag": ("nlp.cli.tag", "tag"),
    "sections": ("nlp.cli.sections", "sections"),
    "train": ("nlp.cli.train", "train"),
    "evaluate": ("nlp.cli.evaluate", "evaluate_command"),
    "reuse": ("nlp.cli.reuse", "reuse"),
    "convert-e5": ("nlp.cli.encoder", "convert_e5"),
    "export-onnx": ("nlp.cli.encoder", "export_onnx"),
    "annotate": ("nlp.cli.annotate", "annotate"),
    "suggest": ("nlp.cli.suggest", "suggest"),
}


def load_command(name: str):
    """The click command for ``name``, built from its module on first use."""
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if not isinstance(target, typer.Typer):
        target, function = typer.Typer(add_completion=False), target
        target.command(name)(function)
    command = typer.main.get_command(target)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """Lists every command by name; imports one only when it is asked for."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, name: str):
        return load_command(name) if name in COMMANDS else None


app = typer.Typer(cls=LazyGroup, add_completion=False, no_args_is_help=True,
                  help="Read, segment and tag Chinese government information-disclosure annual reports.")


@app.callback()
def _root() -> None:
    pass


def main() -> None:
    app()
