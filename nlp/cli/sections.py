"""``nlp sections``: the outline found in one report, and its audit."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from nlp.cli.common import fail
from nlp.text.document import Document
from nlp.text.reader import ReadError
from nlp.text.sections import NARRATIVE_KINDS


def sections(path: Path = typer.Argument(..., help="One report file."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")):
    """Show the sections found in one report and the audit of its outline."""
    try:
        doc = Document.from_path(path)
    except ReadError as err:
        fail(str(err), code=1)
    if as_json:
        json.dump({"sections": [asdict(s) for s in doc.sections], "audit": doc.audit.to_dict(),
                   "encoding": doc.encoding, "warnings": doc.warnings}, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    table = Table("kind", "heading", "start", "end", "segments")
    for s in doc.sections:
        n = sum(1 for seg in doc.segments if s.start <= seg.start < s.end)
        table.add_row(s.kind, s.heading[:40], str(s.start), str(s.end), str(n) if s.kind in NARRATIVE_KINDS else "")
    Console().print(table)
    Console().print(f"encoding: {doc.encoding}  audit: {json.dumps(doc.audit.to_dict(), ensure_ascii=False)}")
