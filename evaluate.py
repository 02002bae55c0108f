"""Score models against gold data: the same as ``nlp evaluate`` (see ``nlp evaluate --help``; code in nlp/cli/evaluate.py)."""

import typer

from nlp.cli.evaluate import evaluate_command

if __name__ == "__main__":
    typer.run(evaluate_command)
