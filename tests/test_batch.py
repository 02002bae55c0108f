"""Batch runs over real reports with broken files among them; interrupted runs resume exactly."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SAMPLES, copy_samples
from nlp.cli import app
from nlp.io.batch import input_key
from nlp.io.rows import SEGMENT_COLUMNS
from nlp.io.sinks import RowSink, read_rows
from nlp.models.registry import load_model
from nlp.text.tokenizer import Tokenizer

runner = CliRunner()


@pytest.fixture()
def corpus(tmp_path):
    """The five seeds, a GBK copy, and four broken files."""
    folder = copy_samples(tmp_path / "reports")
    text = (SAMPLES / "001_9042ac2a28d37d4e.txt").read_text(encoding="utf-8")
    (folder / "gbk_copy.txt").write_bytes(text.encode("gb18030"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "tables_only.txt").write_text("二、主动公开政府信息情况\n信息内容 |\n0 |\n0 |\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_segment_command_finishes_and_lists_broken_files(corpus, tmp_path, suffix):
    out = tmp_path / f"segments.{suffix}"
    result = runner.invoke(app, ["segment", str(corpus), "--out", str(out), "--no-progress"])
    assert result.exit_code == 3, result.output  # some inputs failed (documented exit code)
    rows = read_rows(out)
    assert {r["doc_id"] for r in rows} == {p.stem for p in SAMPLES.glob("*.txt")} | {"gbk_copy"}
    assert {"doc_id", "path", "section", "heading", "start", "end", "text", "is_heading", "tokens"} <= set(rows[0])
    failed = [json.loads(l) for l in open(tmp_path / "failed.jsonl", encoding="utf-8")]
    reasons = {os.path.basename(f["path"]): f["reason"] for f in failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "broken.docx", "tables_only.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    # Read, but no narrative section: listed with its status, not counted as a failure.
    listed = next(f for f in failed if f["path"].endswith("tables_only.txt"))
    assert listed["status"] == "no_narrative" and "proactive" in listed["reason"]
    # Every file of the directory is accounted for: it gave rows, or it is listed with a reason.
    accounted = {os.path.basename(r["path"]) for r in rows} | set(reasons)
    assert accounted == {p.name for p in corpus.iterdir()}
    assert "failed" in result.output and "3" in result.output
    assert (tmp_path / f"segments.{suffix}.progress").exists()  # kept: a later --resume skips finished reports
    meta = json.loads((tmp_path / f"segments.{suffix}.meta.json").read_text(encoding="utf-8"))
    assert meta["command"] == "segment" and meta["tokenizer_hash"] == Tokenizer(backend="rjieba").hash


def test_segment_tokenizer_option_names_its_backend_and_refuses_unknown_ones(tmp_path):
    out = tmp_path / "seg.jsonl"
    result = runner.invoke(app, ["segment", str(SAMPLES), "--out", str(out), "--tokenizer", "jieba", "--no-progress"])
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "seg.jsonl.meta.json").read_text(encoding="utf-8"))
    assert meta["tokenizer_hash"] == Tokenizer(backend="jieba").hash != Tokenizer(backend="rjieba").hash
    row = read_rows(out)[0]
    assert row["tokens"] == Tokenizer(backend="jieba")(row["text"])
    result = runner.invoke(app, ["segment", str(SAMPLES), "--out", str(out), "--tokenizer", "thulac"])
    assert result.exit_code == 2 and "--tokenizer 'thulac'" in result.output


def test_tag_command_rows_and_doc_summary(corpus, tmp_path):
    out, summary = tmp_path / "tags.jsonl", tmp_path / "reports.csv"
    result = runner.invoke(app, ["tag", str(corpus), "--model", "models/default", "--out", str(out),
                                 "--doc-summary", str(summary), "--no-progress", "--workers", "2"])
    assert result.exit_code == 3, result.output
    rows = read_rows(out)
    assert rows and {"themes", "boilerplate", "boilerplate_score", "score_staffing"} <= set(rows[0])
    reports = read_rows(summary)
    assert len(reports) == 7 and {"problems_share_staffing", "boilerplate_share", "audit_ok"} <= set(reports[0])
    seed = next(r for r in reports if r["doc_id"] == "000_dab85e2dbbd9bf66")
    assert float(seed["problems_share_platform"]) > 0
    meta = json.loads((tmp_path / "tags.jsonl.meta.json").read_text(encoding="utf-8"))
    assert meta["model_kind"] == "linear" and meta["label_set"] == "gov-disclosure-v1" and meta["backend"] is None
    # The hash of the tokenizer the model reads (the shipped model uses rjieba), not the package default.
    assert meta["model_test_metrics"]["micro_f1"] > 0.5
    assert meta["tokenizer_hash"] == load_model("models/default").word_tokenizer.hash != Tokenizer().hash


def test_resume_after_a_torn_write_gives_the_rows_of_a_clean_run(corpus, tmp_path):
    clean = tmp_path / "clean.jsonl"
    assert runner.invoke(app, ["segment", str(corpus), "--out", str(clean), "--no-progress"]).exit_code == 3
    # Simulate a run killed while writing its third report: two reports recorded, half of a third written.
    torn = tmp_path / "torn.jsonl"
    rows = read_rows(clean)
    paths = sorted({r["path"] for r in rows})
    sink = RowSink(torn, SEGMENT_COLUMNS, resume=False, identity={"command": "segment", "tokenizer": Tokenizer(backend="rjieba").hash})
    for p in paths[:2]:
        sink.write_document(input_key(p), [r for r in rows if r["path"] == p])
    sink._data.write(json.dumps(rows[-1], ensure_ascii=False)[:40].encode())
    sink._data.flush()
    result = runner.invoke(app, ["segment", str(corpus), "--out", str(torn), "--resume", "--no-progress"])
    assert result.exit_code == 3, result.output
    assert "skipped (already done)" in result.output
    key = lambda r: (r["path"], r["start"])
    assert sorted(read_rows(torn), key=key) == sorted(rows, key=key)


def test_resume_after_sigkill(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(120):
        for p in SAMPLES.glob("*.txt"):
            shutil.copy(p, folder / f"{i:03d}_{p.name}")
    out = tmp_path / "seg.jsonl"
    cmd = [sys.executable, "-m", "nlp", "segment", str(folder), "--out", str(out), "--no-progress"]
    # finished reports are synced in batches (once a second by default); a short interval here, so that
    # the run is killed between batches, with rows written past the last recorded report
    env = {**os.environ, "NLP_SYNC_SECONDS": "0.02"}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env=env)
    progress = tmp_path / "seg.jsonl.progress"
    deadline = time.time() + 60
    while time.time() < deadline and (not progress.exists() or progress.read_bytes().count(b"\n") < 30):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = progress.read_bytes().count(b"\n")
    assert 30 <= done_before < 600, "the run finished before it could be killed"
    subprocess.run(cmd + ["--resume"], cwd=ROOT, check=True, capture_output=True)
    clean = tmp_path / "clean.jsonl"
    subprocess.run(cmd[:5] + [str(folder), "--out", str(clean), "--no-progress"], cwd=ROOT, check=True, capture_output=True)
    key = lambda r: (r["path"], r["start"])
    assert sorted(read_rows(out), key=key) == sorted(read_rows(clean), key=key)


def test_bad_output_suffix_and_missing_input_are_clear(tmp_path):
    result = runner.invoke(app, ["segment", str(SAMPLES), "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "unsupported output format" in result.output
    result = runner.invoke(app, ["segment", str(tmp_path / "nope*.txt"), "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output
