"""``nlp tag``: themes and boilerplate for every narrative segment of a corpus, resumable."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import List, Optional

import typer

from nlp.cli.common import fail, finish, open_sink, prepare, provenance
from nlp.cli.segment import DEFAULT_MAX_MB, MAX_SIZE_HELP
from nlp.io import batch, ray_engine
from nlp.io.rows import doc_summary, summary_columns, tag_columns, tag_rows
from nlp.io.sinks import ResumeError
from nlp.io.workers import available_cores
from nlp.models.base import ModelError
from nlp.models.registry import load_model
from nlp.models.tagger import Tagger
from nlp.text.document import Document
from nlp.text.reader import DEFAULT_MAX_BYTES


class _TagSetup:
    """Picklable per-worker initialiser: each worker loads the model once (the parent's copy is not pickled)."""

    def __init__(self, model_path: str, backend: str | None = None):
        self.model_path = model_path
        self.backend = backend

    def __call__(self) -> Tagger:
        return Tagger(load_model(self.model_path, backend=self.backend))


@dataclass(frozen=True)
class TagWork:
    """What a worker does with a chunk of paths: read, segment, tag them in one model call."""

    max_bytes: int = DEFAULT_MAX_BYTES
    summary: bool = True  # one --doc-summary row per report (its noise score is the costly part)

    def __call__(self, tagger: Tagger, paths: list[str]) -> list[batch.Result]:
        docs, failed = batch.read_each(paths, partial(Document.from_path, max_bytes=self.max_bytes))
        tagged = tagger.tag_many([doc for _, doc in docs])
        return failed + [self._result(path, doc, tagger.labels) for (path, _), doc in zip(docs, tagged)]

    def _result(self, path: str, doc: Document, labels: list[str]) -> batch.Result:
        rows = tag_rows(doc)
        return batch.Result(key=path, rows=rows, sections=[s.kind for s in doc.sections],
                            # a report without rows is listed with its status; one with rows needs it only here
                            status=doc.status if self.summary or not rows else ("ok", ""),
                            extra={"summary": doc_summary(doc, labels)} if self.summary else {})


def model_identity(name: str, model) -> dict:
    """What makes two tag runs' rows comparable: the model (by its saved config), label set, tokenizer."""
    config = json.dumps({"kind": model.kind, "labels": model.labels, "card": model.card.get("data", {}),
                         "parameters": model.card.get("parameters", {})}, sort_keys=True, ensure_ascii=False)
    return {"command": "tag", "model_kind": model.kind, "label_set": model.labelset.name,
            "model": hashlib.sha1(config.encode()).hexdigest()[:16], "model_name": model.card.get("name") or name,
            "tokenizer": model.word_tokenizer.hash if model.word_tokenizer is not None else None}


def tag(
    paths: List[str] = typer.Argument(..., help="Report files, directories or globs (.txt .html .docx .pdf)."),
    model: str = typer.Option("default", "--model", "-m", help="Model directory, a bundled model's name, or 'keyword'."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .jsonl, .csv or .parquet (by extension); "
                             "with --engine ray a directory of Parquet partitions."),
    doc_summary_out: Optional[Path] = typer.Option(None, "--doc-summary", help="Also write one row per report here."),
    workers: int = typer.Option(1, "--workers", "-j", help="Worker processes, or Ray actors (each loads the model once)."),
    engine: str = typer.Option("local", "--engine", help="local: worker processes here; ray: a Ray cluster "
                               "(pip install -e '.[ray]'; docs/scale.md)."),
    address: Optional[str] = typer.Option(None, "--address", help="ray: the cluster to join (auto, ray://host:10001) "
                                          "[default: start Ray on this machine]."),
    resume: bool = typer.Option(False, "--resume", help="Skip reports already in --out from an earlier run "
                                "(refused if that run used another model, label set or tokenizer)."),
    failed: Optional[Path] = typer.Option(None, "--failed", help="Where to list inputs that gave no rows "
                                            "[default: failed.jsonl beside --out; in it with --engine ray]."),
    max_size: float = typer.Option(DEFAULT_MAX_MB, "--max-size", help=MAX_SIZE_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    backend: str = typer.Option("torch", "--backend",
                                help="bert models: torch, onnx (model.int8.onnx) or onnx-fp32 (model.onnx); "
                                     "see `nlp export-onnx`."),
):
    """Tag every narrative segment with themes, per-theme scores and a boilerplate flag.

    One row per segment: doc_id, path, section, heading, start, end, text, is_heading, themes,
    boilerplate, boilerplate_score, score_<label> for every label.
    Exit code 0: every input done; 1: nothing done; 3: some inputs failed (listed in --failed).
    """
    on_ray = _check_engine(engine, out, doc_summary_out)
    files, problems = _ray_inputs(paths) if on_ray else prepare(paths, out)
    if workers > 1 and "NLP_TORCH_THREADS" not in os.environ:
        # Each worker loads its own model: share the cores instead of oversubscribing them.
        os.environ["NLP_TORCH_THREADS"] = str(max(1, available_cores() // workers))
    try:
        loaded = load_model(model, backend=backend)
    except (ModelError, ValueError) as err:
        fail(str(err))
    labels = loaded.labels
    test_metrics = loaded.card.get("metrics", {}).get("test") or {}
    identity = model_identity(model, loaded)
    meta = provenance("tag", identity["tokenizer"], model=str(model), model_kind=loaded.kind,
                      label_set=loaded.labelset.name, backend=backend if _has_transformer(loaded) else None,
                      model_test_metrics={k: v for k, v in test_metrics.items() if isinstance(v, (int, float))})
    if on_ray:
        failed_path = failed or out / "failed.jsonl"
        try:
            summary = ray_engine.run(files, TagWork(int(max_size * 2**20)), _TagSetup(model, backend), out,
                                     tag_columns(labels), summary_columns(labels), identity, meta, workers=workers,
                                     address=address, resume=resume, gpu=_has_transformer(loaded),
                                     failed_path=failed_path, progress=progress, problems=problems)
        except ResumeError as err:
            fail(str(err))
        except OSError as err:
            fail(f"{err.filename or out}: cannot write the output here: {err.strerror or err}")
        finish(summary, out, failed_path)
        return
    sink = open_sink(out, tag_columns(labels), resume, meta, identity)
    summary_sink = None
    if doc_summary_out:
        summary_sink = open_sink(doc_summary_out, summary_columns(labels), resume, meta, identity)
        if resume:  # a report is done only when both outputs have it
            sink.done &= summary_sink.done
    failed_path = failed or out.with_name("failed.jsonl")
    on_result = (lambda key, r: summary_sink.write_document(key, [r.extra["summary"]])) if summary_sink else None
    setup = _worker_setup(model, backend, loaded, workers)
    work = TagWork(int(max_size * 2**20), summary=summary_sink is not None)
    summary = batch.run(files, sink, work, setup=setup, n_process=workers, failed_path=failed_path, desc="tag",
                        progress=progress, on_result=on_result, problems=problems)
    sink.close()
    if summary_sink:
        summary_sink.close()
    finish(summary, out, failed_path)


def _worker_setup(name: str, backend: str, loaded, workers: int):
    """How each worker gets its model: the one loaded above, in this process or in forked workers (their
    pages are shared, and no worker spends its start loading); a transformer, or workers started
    without fork, load their own (torch's threads do not survive a fork)."""
    if workers <= 1 or (multiprocessing.get_start_method() == "fork" and not _has_transformer(loaded)):
        return lambda: Tagger(loaded)
    return _TagSetup(name, backend)


def _has_transformer(model) -> bool:
    """A bert model, or an ensemble with one: it takes --backend, and a GPU per Ray actor."""
    return model.kind == "bert" or any(m.kind == "bert" for m in getattr(model, "members", ()))


def _check_engine(engine: str, out: Path, doc_summary_out: Optional[Path]) -> bool:
    """Whether this run goes to Ray; a clean exit naming the problem when it cannot."""
    if engine not in ("local", "ray"):
        fail(f"--engine {engine!r}: use local or ray")
    if engine == "local":
        return False
    if doc_summary_out:
        fail("--doc-summary: with --engine ray the one-row-per-report summary is always written, to --out DIR/reports/")
    try:
        ray_engine.check_out_dir(out)
        ray_engine.require_ray()
    except (ValueError, ImportError) as err:
        fail(str(err))
    return True


def _ray_inputs(paths: List[str]) -> tuple[list[Path], list[dict]]:
    """The inputs as the local engine lists them (report files, and inputs that are no report, with why)."""
    try:
        return batch.walk(paths)
    except FileNotFoundError as err:
        fail(str(err))
