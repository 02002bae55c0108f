"""What every command shares: the console, clean errors, input expansion, the run summary, provenance."""

from __future__ import annotations

import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nlp.io import batch
from nlp.io.sinks import output_format

console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` (markup-escaped, so paths with [...] print whole) and exit with ``code``."""
    console.print("[red]error:[/red] " + escape(str(message)), soft_wrap=True)
    raise typer.Exit(code)


def prepare(paths: List[str], out: Path) -> tuple[list[Path], list[dict]]:
    """Report files of the inputs, and inputs that yield none (with why); bad --out or inputs exit 2."""
    try:
        output_format(out)
        return batch.walk(paths)
    except (ValueError, FileNotFoundError) as err:
        fail(str(err))


def open_sink(out: Path, columns: list[str], resume: bool, meta: dict, identity: dict):
    """A RowSink, or a clean exit naming the problem (an unwritable path, a resume that would mix runs)."""
    from nlp.io.sinks import ResumeError, RowSink

    try:
        return RowSink(out, columns, resume=resume, meta=meta, identity=identity)
    except ResumeError as err:
        fail(str(err))
    except OSError as err:
        fail(f"{out}: cannot write the output here: {err.strerror or err}")


def finish(summary: batch.Summary, out: Path, failed_path: Path) -> None:
    """Print the summary and exit with the documented code (0 all done, 1 nothing done, 3 some failed)."""
    print_summary(summary, out, failed_path)
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


def print_summary(summary: batch.Summary, out: Path, failed_path: Path) -> None:
    table = Table(title=f"wrote {out}", show_header=False)
    table.add_row("reports read", str(summary.read))
    table.add_row("skipped (already done)", str(summary.skipped))
    n_failed = len(summary.failed) - len(summary.no_rows)
    table.add_row("failed or unsupported", f"{n_failed}" + (f"  (see {failed_path})" if n_failed else ""))
    table.add_row("read, no narrative rows", f"{len(summary.no_rows)}" + (f"  (listed in {failed_path})" if summary.no_rows else ""))
    table.add_row("rows written", str(summary.rows))
    table.add_row("sections found", ", ".join(f"{k} {v}" for k, v in sorted(summary.sections.items())))
    console.print(table)
    for entry in summary.failed[:20]:
        label = f"[yellow]{entry['status']}[/yellow] " if "status" in entry else "[red]failed[/red] "
        console.print(label + escape(f"{entry['path']}: {entry['reason']}"))
    if len(summary.failed) > 20:
        console.print(f"… and {len(summary.failed) - 20} more in {failed_path}")


def provenance(command: str, tokenizer_hash: str | None, **extra) -> dict:
    """What produced an output file, written beside it (``<out>.meta.json``; Parquet schema metadata too).
    ``tokenizer_hash``: the tokenizer whose tokens went into the rows or the model (None: no tokens)."""
    from nlp._version import __version__

    return {"command": command, "argv": sys.argv[1:], "package_version": __version__,
            "tokenizer_hash": tokenizer_hash,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), **extra}


def command_line() -> str:
    """This process's command line as a user would type it again (for model cards)."""
    if sys.argv and sys.argv[0].endswith(".py"):
        return shlex.join(["python", *sys.argv])
    return shlex.join(["nlp", *sys.argv[1:]])
