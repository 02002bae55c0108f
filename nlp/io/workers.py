"""Worker processes and CPU threads: one way to start a pool, sized to the cores this process may use.

Every pool initialises each worker once (a tokenizer, a model) and its workers
die with the parent: a killed ``nlp tag`` leaves no orphan processes behind.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

_STATE: dict = {}


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cpu_threads() -> int:
    """Threads for torch / onnxruntime on CPU: ``NLP_TORCH_THREADS`` or every core this process may use."""
    env = os.environ.get("NLP_TORCH_THREADS")
    return max(1, int(env)) if env else available_cores()


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except OSError:  # pragma: no cover - no glibc
            pass


def _init(setup: Callable[[], object] | None, context: object = None) -> None:
    _die_with_parent()
    _STATE["context"] = setup() if setup else context


def worker_context():
    """What ``setup()`` built in this worker (or in this process, for the in-process path)."""
    return _STATE.get("context")


def init_in_process(setup: Callable[[], object] | None, context: object = None) -> None:
    """Build the context here, for callers that work without a pool."""
    _STATE["context"] = setup() if setup else context


def pool(n_process: int, setup: Callable[[], object] | None = None, context: object = None) -> ProcessPoolExecutor:
    """A process pool whose workers each build their context once: ``setup()``, or ``context`` as given
    (pickled to each worker); read it back with :func:`worker_context`."""
    return ProcessPoolExecutor(max_workers=n_process, initializer=_init, initargs=(setup, context))


def _apply(fn: Callable, item):
    return fn(_STATE.get("context"), item)


def map_in_workers(fn: Callable[[object, object], object], items: Iterable, n_process: int = 1,
                   setup: Callable[[], object] | None = None, context: object = None,
                   chunksize: int = 1) -> Iterator:
    """``fn(context, item)`` for every item, results in order; ``n_process <= 1`` runs in this process.

    ``fn`` and ``setup`` must be picklable (module-level) when ``n_process > 1``.
    """
    if n_process <= 1:
        init_in_process(setup, context)
        for item in items:
            yield fn(_STATE["context"], item)
        return
    with pool(n_process, setup, context) as executor:
        yield from executor.map(functools.partial(_apply, fn), items, chunksize=chunksize)
