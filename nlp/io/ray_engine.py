"""Run a batch command's per-report work on a Ray cluster (``nlp tag --engine ray``): same rows, many machines.

The work is the local engine's own (:mod:`nlp.io.batch`: a ``setup`` that loads the model once per worker and
a ``work(context, paths) -> [Result]``); only the scheduling and the output differ. Ray Data streams the list
of input paths through a pool of actors, each holding one loaded model (a GPU each for a transformer when the
cluster has GPUs), and each actor writes the rows of its batch of reports itself, so rows never pass through
the driver. The driver only gathers one small record per report (done, skipped, failed, how many rows) to
print the same summary and write the same ``failed.jsonl`` as the local engine.

Output directory::

    DIR/rows/part-<id>.parquet      segment rows, the local engine's columns
    DIR/reports/part-<id>.parquet   one row per report read (the --doc-summary columns); commits the batch
    DIR/failed.jsonl                inputs that gave no rows, with the reason (as the local engine)
    DIR/run.json                    what makes rows comparable (model, label set, tokenizer, columns)
    DIR/meta.json                   provenance (package version, command line, engine, Ray version)

Why this bookkeeping: a batch is committed by its ``reports`` file, written after its ``rows`` file; the
reports file's Parquet metadata lists the input keys (:func:`nlp.io.batch.input_key`) it holds and its row
count. A resumed run counts a report done only when its batch has both files with that many rows, and deletes
every half-written batch, so a killed run, a retried Ray task or a deleted partition neither loses nor
duplicates rows. A partition is named by a hash of its keys, so a retried task overwrites its own files.

Ray is imported only here and only when this engine runs: ``import nlp`` never imports it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Callable

from nlp.io import batch
from nlp.io.sinks import FORMATS, ResumeError
from nlp.io.workers import init_in_process

RAY_MISSING = "--engine ray needs Ray, which is not installed: pip install -e '.[ray]'"
ROWS, REPORTS = "rows", "reports"
_KEYS = b"gov_disclosure_nlp_batch"  # Parquet metadata of a reports partition: {"keys": [...], "rows": n}
_META = b"gov_disclosure_nlp"  # provenance, as in the local engine's Parquet output


def require_ray():
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the extra is ray[data]; plain ray lacks it)
    except ImportError as err:
        raise ImportError(RAY_MISSING) from err
    return ray


def check_out_dir(out: Path) -> None:
    """The Ray engine writes a directory of partitions: refuse a file, or a name that asks for one."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: is a file; --engine ray writes a directory of Parquet partitions "
                         "(DIR/rows, DIR/reports): give --out DIR/")
    if not out.exists() and out.suffix.lower() in FORMATS:
        raise ValueError(f"{out}: --engine ray writes a directory of Parquet partitions (DIR/rows, DIR/reports), "
                         f"not one {out.suffix} file: give --out DIR/")


def run(paths: list[Path], work: Callable, setup: Callable, out: Path, columns: list[str],
        summary_columns: list[str], identity: dict, meta: dict, workers: int = 1, address: str | None = None,
        resume: bool = False, gpu: bool = False, failed_path: Path | None = None, progress: bool = True,
        chunk: int = 16, problems: list[dict] | None = None) -> batch.Summary:
    """:func:`nlp.io.batch.run` on Ray: ``work`` over every path not already in ``out``, ``workers`` actors.

    ``work`` must put the report's summary row in ``Result.extra["summary"]``. ``gpu`` (a transformer): give
    each actor a GPU if the cluster has any, else an equal share of its CPUs. ``address``: the cluster
    (``auto``, ``ray://host:10001``); None starts Ray here unless this process is already connected.
    Raises ResumeError when ``out`` was made by another model.
    """
    ray = require_ray()
    failed_path = failed_path or out / "failed.jsonl"
    identity = {"columns": list(columns), **identity}
    resumed = _claim(out, identity, resume)
    done = _committed(out) if resumed else set()
    if failed_path.exists() and not resumed:
        failed_path.unlink()  # an earlier run's list; this run writes its own at the end
    started = not ray.is_initialized()
    if started:
        # No address: a new Ray instance on this machine ("local"), never a cluster that happens to run here.
        ray.init(address=address or "local", include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    try:
        records, engine = _tag_on_ray(ray, paths, work, setup, out, columns, summary_columns, meta, done,
                                      workers, gpu, progress, chunk)
    finally:
        if started:
            ray.shutdown()
    summary = _account(paths, records, problems or [])
    batch.write_failures(failed_path, summary.failed)
    for folder in (ROWS, REPORTS):
        _unify_schemas(out / folder)
    (out / "meta.json").write_text(json.dumps({**meta, **engine}, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def _tag_on_ray(ray, paths, work, setup, out, columns, summary_columns, meta, done, workers, gpu, progress,
                chunk) -> tuple[list[dict], dict]:
    """Stream the paths through an actor pool; the per-report records, and how the pool was made."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = progress
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0)) if gpu else 0
    cpus = 1  # a linear model's actor runs one jieba thread
    if gpus:
        workers = min(workers, gpus)  # one model per GPU; more actors would wait for a GPU forever
    elif gpu:  # a transformer on CPUs: each actor's torch threads get an equal share of the cluster's cores
        cpus = max(1, int(resources.get("CPU", 1)) // max(1, workers))
    engine = {"engine": "ray", "ray_version": ray.__version__, "workers": workers, "gpus_per_worker": 1 if gpus else 0,
              "cpus_per_worker": cpus}
    if not paths:
        return [], engine
    # Blocks are what Ray hands to actors: at least one per actor, at most 1,000 (scheduling costs per block).
    blocks = max(min(len(paths), workers), min(math.ceil(len(paths) / chunk), 1000))
    items = ray.data.from_items([{"path": str(p)} for p in paths], override_num_blocks=blocks)
    actor_args = {"setup": setup, "work": work, "out": str(out.resolve()), "done": done, "columns": columns,
                  "summary_columns": summary_columns, "meta": meta, "cwd": os.getcwd()}
    results = items.map_batches(_Actor, fn_constructor_kwargs=actor_args, batch_size=chunk, batch_format="pyarrow",
                                compute=ray.data.ActorPoolStrategy(size=max(1, workers)), num_cpus=cpus,
                                num_gpus=1 if gpus else None)
    records = [row for part in results.iter_batches(batch_size=None, batch_format="pyarrow")
               for row in part.to_pylist()]
    return records, engine


class _Actor:
    """One Ray actor: loads the model once, then tags batches of paths and commits each batch's partitions."""

    def __init__(self, setup, work, out, done, columns, summary_columns, meta, cwd):
        if os.path.isdir(cwd):  # relative input paths mean what they meant to the driver (same rows)
            os.chdir(cwd)
        if "NLP_TORCH_THREADS" not in os.environ:  # torch threads: the CPUs Ray gave this actor, not the node's
            import ray

            cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
            os.environ["NLP_TORCH_THREADS"] = str(max(1, int(cpus)))
        init_in_process(setup)
        self.work, self.out, self.done = work, Path(out), done
        self.columns, self.summary_columns = columns, summary_columns
        self.meta = json.dumps(meta, ensure_ascii=False).encode()

    def __call__(self, table):
        import pyarrow as pa

        paths = table.column("path").to_pylist()
        keys = {p: batch.input_key(p) for p in paths}
        todo = [p for p in paths if keys[p] not in self.done]
        results = batch.run_chunk(self.work, todo) if todo else []
        read = [r for r in results if r.error is None]
        if read:
            self._commit(read, keys)
        records = [{"path": p, "key": keys[p], "skipped": True} for p in paths if keys[p] in self.done]
        records += [{"path": r.key, "key": keys[r.key], "skipped": False, "error": r.error, "status": r.status[0],
                     "reason": r.status[1], "rows": len(r.rows), "sections": r.sections} for r in results]
        return pa.Table.from_pylist(records, schema=_record_schema())

    def _commit(self, read: list[batch.Result], keys: dict[str, str]) -> None:
        """Rows first, then the reports file that names the batch's keys: the batch exists once both do."""
        done = sorted(keys[r.key] for r in read)
        name = "part-" + hashlib.sha1("\n".join(done).encode()).hexdigest()[:24] + ".parquet"
        rows = [row for r in read for row in r.rows]
        if rows:
            _write_partition(self.out / ROWS / name, rows, self.columns, {_META: self.meta})
        info = json.dumps({"keys": done, "rows": len(rows)}, ensure_ascii=False).encode()
        _write_partition(self.out / REPORTS / name, [r.extra["summary"] for r in read], self.summary_columns,
                         {_META: self.meta, _KEYS: info})


def _record_schema():
    import pyarrow as pa

    return pa.schema([("path", pa.string()), ("key", pa.string()), ("skipped", pa.bool_()), ("error", pa.string()),
                      ("status", pa.string()), ("reason", pa.string()), ("rows", pa.int64()),
                      ("sections", pa.list_(pa.string()))])


def _write_partition(path: Path, rows: list[dict], columns: list[str], metadata: dict[bytes, bytes]) -> None:
    """Write atomically (a hidden temporary file, which Parquet readers skip, then a rename)."""
    import pyarrow as pa

    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
    _replace(path, table.replace_schema_metadata(metadata))


def _replace(path: Path, table) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _claim(out: Path, identity: dict, resume: bool) -> bool:
    """Whether this run resumes ``out``; a fresh run clears an earlier one's partitions and records its identity."""
    out.mkdir(parents=True, exist_ok=True)
    run_path = out / "run.json"
    if resume and run_path.exists():
        earlier = json.loads(run_path.read_text(encoding="utf-8"))
        differ = sorted(k for k in set(earlier) | set(identity) if earlier.get(k) != identity.get(k))
        if differ:
            changes = [f"{k}: was {earlier.get(k)!r}, now {identity.get(k)!r}" for k in differ if k != "columns"]
            raise ResumeError(f"{out}: cannot resume: the earlier run was made differently "
                              f"({'; '.join(changes) or 'the output columns differ'}). Resume with the same "
                              "settings, or write to a new directory without --resume.")
        return True
    for folder in (ROWS, REPORTS):
        for part in (out / folder).glob("*.parquet*"):
            part.unlink()
    run_path.write_text(json.dumps(identity, ensure_ascii=False, indent=1), encoding="utf-8")
    return False


def _committed(out: Path) -> set[str]:
    """Keys of the reports in complete batches; every incomplete batch's files are deleted (it is redone)."""
    import pyarrow.parquet as pq

    for tmp in [*(out / ROWS).glob(".part-*.tmp"), *(out / REPORTS).glob(".part-*.tmp")]:
        tmp.unlink()  # a write cut short
    rows = {p.name: p for p in (out / ROWS).glob("part-*.parquet")}
    done: set[str] = set()
    for report in sorted((out / REPORTS).glob("part-*.parquet")):
        info = json.loads((pq.read_schema(report).metadata or {}).get(_KEYS, b'{"keys": [], "rows": -1}'))
        rows_file = rows.pop(report.name, None)
        n_rows = pq.read_metadata(rows_file).num_rows if rows_file else 0
        if n_rows == info["rows"]:
            done.update(info["keys"])
            continue
        report.unlink()
        if rows_file:
            rows_file.unlink()
    for orphan in rows.values():  # rows whose reports file was never written
        orphan.unlink()
    return done


def _account(paths: list[Path], records: list[dict], problems: list[dict]) -> batch.Summary:
    """The local engine's summary from the actors' records: failures and reports without rows listed once,
    in input order after the inputs that are no reports."""
    summary = batch.Summary()
    order = {str(p): i for i, p in enumerate(paths)}
    listed: list[tuple[int, dict]] = []
    for rec in sorted(records, key=lambda r: order.get(r["path"], -1)):
        if rec["skipped"]:
            summary.skipped += 1
        elif rec["error"] is not None:
            listed.append((order[rec["path"]], {"path": rec["path"], "reason": rec["error"]}))
        else:
            summary.read += 1
            summary.rows += rec["rows"]
            summary.sections.update(rec["sections"])
            if not rec["rows"]:
                entry = {"path": rec["path"], "status": rec["status"], "reason": rec["reason"]}
                summary.no_rows.append(entry)
                listed.append((order[rec["path"]], entry))
    summary.failed = list(problems) + [entry for _, entry in listed]
    return summary


def _unify_schemas(folder: Path) -> None:
    """Give every partition one schema (a column that is all null in one batch gets the type it has in the
    others), so ``pyarrow.parquet.read_table(folder)`` and pandas read the folder as one table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = {p: pq.read_schema(p) for p in sorted(folder.glob("part-*.parquet"))}
    if len(schemas) < 2:
        return
    unified = pa.unify_schemas([s.remove_metadata() for s in schemas.values()], promote_options="permissive")
    for path, schema in schemas.items():
        if not schema.remove_metadata().equals(unified):
            _replace(path, pq.read_table(path).cast(unified.with_metadata(schema.metadata)))
