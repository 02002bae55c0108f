"""Where bundled models and label sets live, in a source checkout and in an installed wheel.

The repository keeps them at its top level (``models/``, ``corpora/labelsets/``);
a wheel carries the same files as ``nlp/_bundled/models`` and
``nlp/_bundled/labelsets`` (mapped in pyproject.toml). A checkout wins, so an
editable install sees the working tree.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = _PACKAGE.parent
_PLACES = {"models": ("models",), "labelsets": ("corpora", "labelsets")}


def bundled_dirs(kind: str) -> list[Path]:
    """The directories that may hold bundled ``kind`` (``models`` or ``labelsets``), best first."""
    return [p for p in (_CHECKOUT.joinpath(*_PLACES[kind]), _PACKAGE / "_bundled" / kind) if p.is_dir()]


def find_bundled(kind: str, name: str) -> Path | None:
    """``name`` (a file or directory) under the first bundled ``kind`` directory that has it."""
    for folder in bundled_dirs(kind):
        if (folder / name).exists():
            return folder / name
    return None
