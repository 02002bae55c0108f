"""Batch runs that a researcher can trust: every input accounted for, resumes that cannot mix or
duplicate, clear exit codes and errors, workers that die with their parent (issue #11)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SAMPLES, copy_samples
from nlp.cli import app
from nlp.io import batch
from nlp.io.sinks import read_rows

runner = CliRunner()


@pytest.fixture()
def reports(tmp_path):
    return copy_samples(tmp_path / "reports")


def _keys(rows):
    return Counter((r["doc_id"], r["start"], r["end"]) for r in rows)


def test_resume_with_the_corpus_typed_differently_skips_everything(reports, tmp_path, monkeypatch):
    out = tmp_path / "tags.jsonl"
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(app, ["tag", "reports", "--out", str(out), "--no-progress"])
    assert first.exit_code == 0, first.output
    before = read_rows(out)
    again = runner.invoke(app, ["tag", str(reports.resolve()) + "/", "--out", str(out), "--resume", "--no-progress"])
    assert again.exit_code == 0, again.output
    assert "skipped (already done)" in again.output and "│ 5" in again.output.split("skipped")[1][:40]
    after = read_rows(out)
    assert after == before and max(_keys(after).values()) == 1


def test_resume_extends_a_finished_parquet_run_with_new_reports(reports, tmp_path):
    out = tmp_path / "seg.parquet"
    extra = sorted(reports.glob("*.txt"))[-1]
    held = tmp_path / extra.name
    shutil.move(extra, held)
    assert runner.invoke(app, ["segment", str(reports), "--out", str(out), "--no-progress"]).exit_code == 0
    n_before = len(read_rows(out))
    shutil.move(held, extra)
    result = runner.invoke(app, ["segment", str(reports), "--out", str(out), "--resume", "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert len({r["doc_id"] for r in rows}) == 5 and len(rows) > n_before and max(_keys(rows).values()) == 1


def test_resume_with_another_model_is_refused_naming_both(reports, tmp_path):
    out = tmp_path / "tags.jsonl"
    assert runner.invoke(app, ["tag", str(reports), "--out", str(out), "--no-progress"]).exit_code == 0
    result = runner.invoke(app, ["tag", str(reports), "--model", "keyword", "--out", str(out), "--resume",
                                 "--no-progress"])
    assert result.exit_code == 2
    assert "cannot resume" in result.output and "'linear'" in result.output and "'keyword'" in result.output


def test_every_input_is_accounted_for_and_listed_once(reports, tmp_path):
    (reports / "old_format.doc").write_bytes(b"\xd0\xcf\x11\xe0 legacy word")
    (reports / "no_suffix").write_text((SAMPLES / "000_dab85e2dbbd9bf66.txt").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    (reports / "empty.txt").write_bytes(b"")
    (reports / ".DS_Store").write_bytes(b"\x00\x01")
    out = tmp_path / "seg.jsonl"
    for _ in range(2):  # the second run resumes: failures are retried and listed once, not twice
        result = runner.invoke(app, ["segment", str(reports), "--out", str(out), "--resume", "--no-progress"])
        assert result.exit_code == 3, result.output
    failed = [json.loads(line) for line in open(tmp_path / "failed.jsonl", encoding="utf-8")]
    reasons = {os.path.basename(f["path"]): f["reason"] for f in failed}
    assert set(reasons) == {"old_format.doc", "empty.txt"} and len(failed) == 2
    assert "unsupported file type '.doc'" in reasons["old_format.doc"]
    assert {r["doc_id"] for r in read_rows(out)} >= {"no_suffix"}  # sniffed as text


def test_an_unreadable_directory_is_listed(reports, monkeypatch):
    locked = reports / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = batch.walk([reports])
    assert len(files) == 5
    assert problems == [{"path": str(locked), "reason": "cannot list directory: Permission denied"}]


def test_exit_codes_and_clear_errors(reports, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "a.txt").write_bytes(b"")
    result = runner.invoke(app, ["segment", str(broken), "--out", str(tmp_path / "x.jsonl"), "--no-progress"])
    assert result.exit_code == 1, result.output  # nothing succeeded
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    result = runner.invoke(app, ["segment", str(reports), "--out", str(blocker / "out.jsonl"), "--no-progress"])
    assert result.exit_code == 2 and "cannot write the output here" in result.output
    assert "Traceback" not in result.output


def test_size_limit_is_settable_from_the_command_line(reports, tmp_path):
    big = reports / "big.txt"
    big.write_text((SAMPLES / "000_dab85e2dbbd9bf66.txt").read_text(encoding="utf-8") * 200, encoding="utf-8")
    assert big.stat().st_size > 1024 * 1024
    out = tmp_path / "seg.jsonl"
    result = runner.invoke(app, ["segment", str(reports), "--out", str(out), "--max-size", "1", "--no-progress"])
    assert result.exit_code == 3
    failed = [json.loads(line) for line in open(tmp_path / "failed.jsonl", encoding="utf-8")]
    assert len(failed) == 1 and "--max-size" in failed[0]["reason"]
    result = runner.invoke(app, ["segment", str(reports), "--out", str(out), "--max-size", "20", "--no-progress"])
    assert result.exit_code == 0 and not (tmp_path / "failed.jsonl").exists()


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and PR_SET_PDEATHSIG")
def test_workers_die_with_a_killed_parent(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(200):
        for p in SAMPLES.glob("*.txt"):
            shutil.copy(p, folder / f"{i:03d}_{p.name}")
    cmd = [sys.executable, "-m", "nlp", "segment", str(folder), "--out", str(tmp_path / "s.jsonl"), "--workers", "2",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, workers = time.time() + 60, []
    while time.time() < deadline and len(workers) < 2:
        workers = _children(proc.pid)
        time.sleep(0.1)
    assert len(workers) >= 2, "the worker processes did not start"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists(f"/proc/{w}") and
                                         "zombie" not in open(f"/proc/{w}/status").read() for w in workers):
        time.sleep(0.1)
    alive = [w for w in workers if os.path.exists(f"/proc/{w}") and "zombie" not in open(f"/proc/{w}/status").read()]
    assert alive == []


def test_a_traditional_character_copy_gets_the_same_tags():
    import opencc

    import nlp

    tagger = nlp.load("default")
    # A sample report with one extra line, so that neither copy is a report of the reference corpus itself.
    simplified = (SAMPLES / "001_9042ac2a28d37d4e.txt").read_text(encoding="utf-8") + "\n附件：无。\n"
    traditional = opencc.OpenCC("s2t").convert(simplified)
    assert traditional != simplified
    a, b = tagger(simplified), tagger(traditional)
    assert [s.text for s in b.segments] != [s.text for s in a.segments]  # rows keep the original characters
    assert [(s.themes, s.boilerplate) for s in b.segments] == [(s.themes, s.boilerplate) for s in a.segments]
