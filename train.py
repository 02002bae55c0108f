"""Train a tagger: the same as ``nlp train`` (see ``nlp train --help``; code in nlp/cli/train.py)."""

import typer

from nlp.cli.train import train

if __name__ == "__main__":
    typer.run(train)
