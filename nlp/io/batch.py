"""Run a per-report function over many files: parallel, streaming, resumable, failure-tolerant.

Used by ``nlp segment`` and ``nlp tag``. Reports are processed in worker
processes (each initialised once, e.g. with a tokenizer or a model) with a
bounded number in flight, so memory does not grow with the corpus; rows are
written by the parent through a :class:`~nlp.io.sinks.RowSink`. A file that
cannot be read goes to ``failed.jsonl`` with its reason and the run goes on.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from tqdm import tqdm

from nlp.text.reader import SUFFIXES, ReadError
from nlp.io.sinks import RowSink
from nlp.io.workers import init_in_process, pool, worker_context


def walk(inputs: Iterable[str | Path]) -> tuple[list[Path], list[dict]]:
    """Report files named directly, found under directories (recursively) or matched by globs, and every
    file or directory that yields no report, with the reason (an unsupported type, a directory that
    cannot be listed). Hidden files (``.name``) are not inputs. A path or glob matching nothing raises."""
    found: list[Path] = []
    problems: list[dict] = []
    for item in inputs:
        item = str(item)
        path = Path(item)
        if path.is_dir():
            found.extend(_walk_dir(path, problems))
        elif path.exists():
            found.append(path)
        else:
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True))
            if not matches:
                raise FileNotFoundError(f"{item}: no such file, directory or matching glob")
            for match in matches:
                found.extend(_walk_dir(match, problems) if match.is_dir() else [match])
    seen: set[Path] = set()
    return [p for p in found if not (p in seen or seen.add(p))], problems


def _walk_dir(root: Path, problems: list[dict]) -> list[Path]:
    found = []

    def unreadable(err: OSError) -> None:
        problems.append({"path": err.filename or str(root), "reason": f"cannot list directory: {err.strerror}"})

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            suffix = path.suffix.lower()
            if suffix in SUFFIXES or not suffix:  # no suffix: the reader sniffs the content
                found.append(path)
            else:
                problems.append({"path": str(path), "reason": f"unsupported file type {suffix!r}: the reader "
                                 f"takes {', '.join(sorted(SUFFIXES))} or files without a suffix"})
    return found


def expand_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """The report files of :func:`walk`, for callers that only need those."""
    return walk(inputs)[0]


def input_key(path: str | Path) -> str:
    """A report's identity across runs: its resolved path and a hash of its bytes, so that resuming with
    the same corpus typed differently (relative, absolute, trailing slash) finds the finished reports."""
    try:
        with open(path, "rb") as f:
            digest = hashlib.sha1(f.read()).hexdigest()[:16]
    except OSError:
        digest = "unreadable"
    return f"{os.path.realpath(path)}#{digest}"


@dataclass
class Result:
    """What one worker returns for one report."""

    key: str
    rows: list[dict] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    error: str | None = None
    status: tuple[str, str] = ("ok", "")  # the document's (status, reason): see Document.status
    encoded: bytes | None = None  # the rows as the output file holds them, when a worker encoded them
    n_rows: int = 0
    input_key: str | None = None

    def finished(self, encode: Callable[[list[dict]], bytes] | None) -> "Result":
        """What a worker sends back: its input key computed, and its rows encoded (bytes pickle far faster
        than dicts)."""
        self.input_key = input_key(self.key)
        self.n_rows = len(self.rows)
        if encode is not None and self.error is None:
            self.encoded, self.rows = encode(self.rows), []
        return self


@dataclass
class Summary:
    read: int = 0
    skipped: int = 0
    failed: list[dict] = field(default_factory=list)
    no_rows: list[dict] = field(default_factory=list)  # read, but no narrative segment: listed with the reason
    rows: int = 0
    sections: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict:
        return {"read": self.read, "skipped_already_done": self.skipped, "failed": len(self.failed),
                "read_without_rows": len(self.no_rows), "rows": self.rows, "sections_found": dict(self.sections),
                "failures": self.failed}

    @property
    def exit_code(self) -> int:
        """0: every input done; 1: nothing done (no input, or every input failed); 3: some inputs failed.
        A report read without narrative rows is listed, not failed."""
        if self.read + self.skipped == 0:
            return 1
        return 3 if len(self.failed) > len(self.no_rows) else 0


def _failure(path: str, err: Exception) -> Result:
    reason = err.reason if isinstance(err, ReadError) else f"{type(err).__name__}: {err}"
    return Result(key=path, error=reason)


def run_chunk(work: Callable, paths: list[str]) -> list[Result]:
    """Run ``work`` on a chunk; if the chunk fails as a whole, retry file by file to isolate the culprit."""
    try:
        return work(worker_context(), paths)
    except Exception as err:  # a bug or an odd file must not stop a 10,000-file run
        if len(paths) == 1:
            return [_failure(paths[0], err)]
        return [r for p in paths for r in run_chunk(work, [p])]


def finish_chunk(work: Callable, paths: list[str], encode: Callable | None = None) -> list[Result]:
    """:func:`run_chunk`, then each result :meth:`~Result.finished` where it was made (in the worker)."""
    return [r.finished(encode) for r in run_chunk(work, paths)]


def _chunks(paths: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(paths), size):
        yield paths[i:i + size]


def _results(paths: list[str], setup, work, n_process: int, chunk: int, encode=None) -> Iterator[Result]:
    if n_process <= 1:
        init_in_process(setup)
        for part in _chunks(paths, chunk):
            yield from finish_chunk(work, part, encode)
        return
    with pool(n_process, setup) as executor:
        pending = set()
        parts = _chunks(paths, chunk)
        while True:
            while len(pending) < n_process * 2:
                part = next(parts, None)
                if part is None:
                    break
                pending.add(executor.submit(finish_chunk, work, part, encode))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield from fut.result()


def read_each(paths: list[str], read: Callable[[str], object]) -> tuple[list[tuple[str, object]], list[Result]]:
    """Read every path; unreadable files become failed Results instead of stopping the chunk."""
    good, failed = [], []
    for path in paths:
        try:
            good.append((path, read(path)))
        except ReadError as err:
            failed.append(_failure(path, err))
    return good, failed


def run(paths: list[Path], sink: RowSink, work: Callable, setup: Callable | None = None,
        n_process: int = 1, failed_path: Path | None = None, desc: str = "reports",
        on_result: Callable[[str, Result], None] | None = None, progress: bool = True, chunk: int = 32,
        problems: list[dict] | None = None) -> Summary:
    """Apply ``work(context, paths) -> [Result]`` to every path whose :func:`input_key` is not in ``sink.done``.

    Paths go to ``work`` in chunks of ``chunk`` so a model can score many reports in one call.
    ``setup()`` runs once per worker and builds the context (a tokenizer, a model).
    ``work`` and ``setup`` must be picklable module-level callables. ``problems`` (inputs that yield no
    report, from :func:`walk`) are listed with the failures, and so is every report that was read but gave
    no row (with its status and reason). ``failed_path`` is rewritten at the end with each such input once; an interrupted run's failures are retried on resume, so a
    file that failed then and reads now is no longer listed.
    """
    summary = Summary()
    # Every file is read once more for its key; up front only when finished reports must be skipped,
    # else as its result arrives (in the main process, while the workers tag).
    keys = {str(p): input_key(p) for p in paths} if sink.done else {}
    todo = [str(p) for p in paths if keys.get(str(p)) not in sink.done]
    summary.skipped = len(paths) - len(todo)
    failures = {entry["path"]: entry for entry in problems or []}
    if failed_path and not sink.resumed:
        failed_path.unlink(missing_ok=True)  # an earlier run's list; this run writes its own at the end
    bar = tqdm(total=len(todo), desc=desc, unit="doc", disable=not progress, dynamic_ncols=True)
    try:
        for result in _results(todo, setup, work, max(1, n_process), max(1, chunk), sink.encode):
            bar.update(1)
            key = keys.get(result.key) or result.input_key
            if result.error is not None:
                failures[key] = {"path": result.key, "reason": result.error}
                continue
            failures.pop(key, None)
            if not result.n_rows:  # read, but nothing to write: never silently
                entry = {"path": result.key, "status": result.status[0], "reason": result.status[1]}
                summary.no_rows.append(entry)
                failures[key] = entry
            sink.write_document(key, result.rows, encoded=result.encoded)
            summary.read += 1
            summary.rows += result.n_rows
            summary.sections.update(result.sections)
            if on_result:
                on_result(key, result)
    finally:
        bar.close()
        summary.failed = list(failures.values())
        if failed_path:
            write_failures(failed_path, summary.failed)
    return summary


def write_failures(path: Path, failures: list[dict]) -> None:
    """The failed-input list, written whole through a temporary file; no file when nothing failed."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for entry in failures:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    if not failures:
        path.unlink()
