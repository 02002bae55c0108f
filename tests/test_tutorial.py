"""docs/new-labelset.md: every shell block marked ``<!-- runnable -->`` runs as written, in order, and
writes what the text says it writes (blocks that need a Label Studio server or the e5 encoder are unmarked)."""

import json
import re
import subprocess

import pytest
from conftest import ROOT

TUTORIAL = ROOT / "docs" / "new-labelset.md"
RUNNABLE = re.compile(r"<!-- runnable -->\n```bash\n(.*?)```", re.DOTALL)


def runnable_blocks() -> list[str]:
    return RUNNABLE.findall(TUTORIAL.read_text(encoding="utf-8"))


def test_the_tutorial_has_runnable_blocks_for_every_step_without_a_server():
    commands = " ".join(runnable_blocks())
    for step in ("nlp segment", "nlp annotate export", "nlp annotate import", "nlp train", "nlp suggest",
                 "nlp evaluate"):
        assert step in commands, step


@pytest.mark.slow
def test_runnable_blocks_run_as_written(tmp_path):
    for name in ("corpora", "models"):
        (tmp_path / name).symlink_to(ROOT / name)
    for block in runnable_blocks():
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600, check=False)
        assert done.returncode == 0, f"{block}\n{done.stderr[-3000:]}"
    out = tmp_path / "openness"
    for name in ("segments.jsonl", "tasks.json", "config.xml", "round1.jsonl", "linear/config.json", "batch2.json",
                 "eval.json"):
        assert (out / name).exists(), name
    batch = json.loads((out / "batch2.json").read_text(encoding="utf-8"))
    assert len(batch) == 15 and all(t["data"]["label_set"] == "example-openness" for t in batch)
    assert len((out / "round1.jsonl").read_text(encoding="utf-8").splitlines()) == 10
