"""``nlp tag --engine ray`` (issue #13): the local engine's rows, report summary and failed list, on Ray;
resumes that neither lose nor duplicate rows; clear errors; Ray imported only when asked for."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SAMPLES, copy_samples
from nlp.cli import app

ray = pytest.importorskip("ray", reason="ray not installed (pip install -e '.[ray]')")
pq = pytest.importorskip("pyarrow.parquet")

runner = CliRunner()
MAX_MB = "0.02"  # 20 KB: the samples (7-10 KB) pass, the too-large file does not


@pytest.fixture(scope="module")
def cluster():
    """One local Ray instance for the module (starting Ray takes seconds); the engine joins it."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The sample reports and one of every kind of hostile input (as in test_reliability.py)."""
    folder = copy_samples(tmp_path_factory.mktemp("ray-corpus") / "reports")
    sample = (SAMPLES / "000_dab85e2dbbd9bf66.txt").read_text(encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "old_format.doc").write_bytes(b"\xd0\xcf\x11\xe0 legacy word")
    (folder / "sheet.xls").write_bytes(b"\xd0\xcf\x11\xe0 legacy excel")
    (folder / "gbk.txt").write_bytes(sample.replace("\xa0", " ").encode("gbk"))
    (folder / "no_headings.txt").write_text("".join(f"本机关今年围绕第{i}项重点任务推进政务公开，完善制度，办理申请{i * 3}件。\n"
                                                    for i in range(1, 13)), encoding="utf-8")
    (folder / "too_large.txt").write_text(sample * 4, encoding="utf-8")
    (folder / "no_narrative.txt").write_text("二、主动公开政府信息情况\n本年度主动公开文件120件。\n"
                                             "三、收到和处理政府信息公开申请情况\n本年度收到申请35件。\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local(corpus, tmp_path_factory) -> dict:
    """The reference: the local engine's outputs on the same corpus."""
    out = tmp_path_factory.mktemp("local")
    result = runner.invoke(app, ["tag", str(corpus), "--out", str(out / "tags.parquet"), "--doc-summary",
                                 str(out / "reports.parquet"), "--max-size", MAX_MB, "--no-progress"])
    assert result.exit_code == 3, result.output
    return {"rows": pq.read_table(out / "tags.parquet").to_pylist(),
            "reports": pq.read_table(out / "reports.parquet").to_pylist(), "failed": _failed(out / "failed.jsonl")}


def _failed(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")] if path.exists() else []


def _ray_tag(out: Path, *inputs, options=("--workers", "2")):
    return runner.invoke(app, ["tag", *map(str, inputs), "--engine", "ray", "--out", str(out), "--max-size", MAX_MB,
                               "--no-progress", *options])


def _rows(out: Path) -> list[dict]:
    return sorted(pq.read_table(out / "rows").to_pylist(), key=lambda r: (r["path"], r["start"]))


def _by_path(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["path"])


def test_ray_engine_writes_exactly_the_local_rows_summary_and_failed_list(cluster, corpus, local, tmp_path):
    out = tmp_path / "ray-out"
    result = _ray_tag(out, corpus)
    assert result.exit_code == 3, result.output  # some inputs failed, as with the local engine
    rows = _rows(out)
    assert len(rows) > 100 and rows == sorted(local["rows"], key=lambda r: (r["path"], r["start"]))
    assert list(rows[0]) == list(local["rows"][0])  # same columns, same order
    assert _by_path(pq.read_table(out / "reports").to_pylist()) == _by_path(local["reports"])
    failed = _failed(out / "failed.jsonl")
    assert _by_path(failed) == _by_path(local["failed"])
    reasons = {Path(f["path"]).name: f["reason"] for f in failed}
    assert set(reasons) == {"empty.txt", "junk.txt", "old_format.doc", "sheet.xls", "too_large.txt", "no_narrative.txt"}
    assert "--max-size" in reasons["too_large.txt"] and "unsupported file type '.xls'" in reasons["sheet.xls"]
    assert "no overall or problems section" in reasons["no_narrative.txt"]  # read, but no rows: listed too
    statuses = {r["doc_id"]: r["status"] for r in pq.read_table(out / "reports").to_pylist()}
    assert statuses["no_headings"] == "no_sections" and "no_headings" in {r["doc_id"] for r in rows}
    # every input accounted for exactly once: read (a summary row) or listed as failed
    summarised = [r["path"] for r in pq.read_table(out / "reports").to_pylist()]
    listed = [f["path"] for f in failed if "status" not in f]
    assert sorted(summarised + listed) == sorted(str(p) for p in corpus.iterdir())
    assert "gbk.txt" in {Path(p).name for p in summarised}
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["engine"] == "ray" and meta["workers"] == 2 and meta["model_kind"] == "linear"
    assert json.loads(pq.read_schema(next((out / "rows").glob("*.parquet"))).metadata[b"gov_disclosure_nlp"])["command"] == "tag"
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["model_kind"] == "linear"


def test_resume_after_a_partial_run_or_a_lost_partition_neither_loses_nor_duplicates(cluster, corpus, local,
                                                                                       tmp_path):
    out = tmp_path / "ray-out"
    first = sorted(corpus.glob("00*.txt"))[:2]
    assert _ray_tag(out, *first, options=("--workers", "1")).exit_code == 0
    assert {r["path"] for r in _rows(out)} == {str(p) for p in first}

    again = _ray_tag(out, corpus, options=("--resume",))
    assert again.exit_code == 3, again.output
    assert "skipped (already done)" in again.output and "│ 2" in again.output.split("skipped")[1][:40]
    expected = sorted(local["rows"], key=lambda r: (r["path"], r["start"]))
    assert _rows(out) == expected
    assert _by_path(_failed(out / "failed.jsonl")) == _by_path(local["failed"])
    assert len(list((out / "rows").glob("*.parquet"))) == 2

    lost = next(p for p in (out / "rows").glob("*.parquet") if {r["path"] for r in pq.read_table(p).to_pylist()}
                == {str(p) for p in first})
    lost.unlink()  # the batch of the first run is redone, the other one is kept
    (out / "rows" / ".part-cut-short.parquet.123.tmp").write_bytes(b"half")
    third = _ray_tag(out, corpus, options=("--resume",))
    assert third.exit_code == 3, third.output
    rows = _rows(out)
    assert rows == expected and max(Counter((r["path"], r["start"]) for r in rows).values()) == 1
    assert sorted(r["path"] for r in pq.read_table(out / "reports").to_pylist()) == sorted(r["path"] for r in local["reports"])
    assert not list((out / "rows").glob(".*.tmp"))

    other = _ray_tag(out, corpus, options=("--resume", "--model", "keyword"))
    assert other.exit_code == 2 and "cannot resume" in other.output and "'keyword'" in other.output
    assert _rows(out) == expected  # the refused run touched nothing


def test_clear_errors_for_a_file_output_and_a_missing_ray(corpus, tmp_path, monkeypatch):
    result = _ray_tag(tmp_path / "tags.parquet", corpus)
    assert result.exit_code == 2 and "directory of Parquet partitions" in result.output
    (tmp_path / "a_file").write_text("x")
    result = _ray_tag(tmp_path / "a_file", corpus)
    assert result.exit_code == 2 and "is a file" in result.output
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    result = _ray_tag(tmp_path / "out", corpus)
    assert result.exit_code == 2 and "pip install -e '.[ray]'" in result.output and "Traceback" not in result.output


def test_ray_is_imported_only_by_the_ray_engine():
    code = ("import sys, nlp, nlp.cli, nlp.io.ray_engine; "
            "print('ray' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
