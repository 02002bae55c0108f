"""The few-shot kind on a tiny encoder made here (``tiny_base``, nothing downloaded) and real gold text:
embedding, fitting, thresholds, save → load, and ``nlp train --model fewshot``."""

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from conftest import GOLD, ROOT
from sklearn.metrics import roc_auc_score

torch = pytest.importorskip("torch", reason="torch not installed (pip install -e '.[bert]')")
pytest.importorskip("transformers", reason="transformers not installed (pip install -e '.[bert]')")

from typer.testing import CliRunner  # noqa: E402

from nlp.cli import app  # noqa: E402
from nlp.models.fewshot import FewshotModel, SentenceEncoder  # noqa: E402
from nlp.models.registry import load_model  # noqa: E402
from nlp.models.thresholds import NEVER  # noqa: E402
from nlp.training.data import TrainingData  # noqa: E402
from nlp.training.fewshot import FewshotTrainingConfig, sample_per_label, train_fewshot  # noqa: E402


@pytest.fixture(scope="module")
def gold():
    return TrainingData.load(GOLD)


@pytest.fixture(scope="module")
def fewshot_data(gold):
    """Gold v2's rows cut to a few-shot set: 8 positives per label from train, 4 from dev; 120 test segments. Only the
    v2 round's rows, so the sample stays the same as later rounds add rows and move bodies between sides."""
    ids = gold.labelset.ids

    def v2(split):
        return [s for s in gold.segments(split) if (s.meta or {}).get("gold_version") == "v2"]

    return replace(gold, splits={"train": sample_per_label(v2("train"), ids, 8, seed=0),
                                 "dev": sample_per_label(v2("dev"), ids, 4, seed=0),
                                 "test": v2("test")[:120]})


@pytest.fixture(scope="module")
def trained(tiny_base, fewshot_data):
    return train_fewshot(FewshotTrainingConfig(encoder=str(tiny_base), max_length=64), fewshot_data)


def test_sample_keeps_k_positives_of_every_label_and_some_empty_segments(gold):
    ids = gold.labelset.ids
    chosen = sample_per_label(gold.segments("train"), ids, 8, seed=1)
    counts = Counter(t for s in chosen for t in s.themes)
    assert all(counts[label] >= 8 for label in ids)
    assert sum(not s.themes for s in chosen) == 8
    assert len({s.id for s in chosen}) == len(chosen)
    assert [s.id for s in chosen] == [s.id for s in sample_per_label(gold.segments("train"), ids, 8, seed=1)]
    assert [s.id for s in chosen] != [s.id for s in sample_per_label(gold.segments("train"), ids, 8, seed=2)]


def test_embeddings_are_unit_length_and_independent_of_batch_padding(tiny_base, gold):
    texts = [s.text for s in gold.segments("dev")[:40]]
    encoder = SentenceEncoder.from_dir(tiny_base, max_length=64, batch_size=8)
    batched = encoder.embed(texts)
    assert batched.shape == (40, encoder.dim) and batched.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    alone = SentenceEncoder.from_dir(tiny_base, max_length=64, batch_size=1).embed(texts[:5])
    np.testing.assert_allclose(alone, batched[:5], atol=1e-5)  # mean pooling ignores the padding
    no_prefix = SentenceEncoder.from_dir(tiny_base, max_length=64, prefix="").embed(texts[:5])
    assert not np.allclose(no_prefix, batched[:5], atol=1e-3)  # the e5 "query: " prefix is really fed
    assert set(encoder.cache) == set(texts)


def test_heads_learn_the_training_labels(trained, fewshot_data):
    model, params, _ = trained
    train = fewshot_data.segments("train")
    scores = model.predict(fewshot_data.inputs("train")).scores
    for j, label in enumerate(model.labels):
        y = np.array([label in s.themes for s in train])
        assert model.themes.trained_[j]
        assert roc_auc_score(y, scores[:, j]) > 0.9, label  # few examples are separable in 64 dimensions
    assert set(params["thresholds"]) == set(model.labels) and all(0 < t <= 1 for t in params["thresholds"].values())


def test_a_label_without_positives_is_never_predicted(tiny_base, fewshot_data):
    drop = "funding"
    train = [replace(s, themes=[t for t in s.themes if t != drop]) for s in fewshot_data.segments("train")]
    dev = [replace(s, themes=[t for t in s.themes if t != drop]) for s in fewshot_data.segments("dev")]
    data = replace(fewshot_data, splits={**fewshot_data.splits, "train": train, "dev": dev})
    model = train_fewshot(FewshotTrainingConfig(encoder=str(tiny_base), max_length=64), data)[0]
    j = model.labels.index(drop)
    assert not model.themes.trained_[j] and model.thresholds[j] == NEVER
    pred = model.predict(data.inputs("test"))
    assert np.all(pred.scores[:, j] == 0) and not any(drop in t for t in pred.themes)


def test_save_load_round_trip_writes_no_pickle(trained, fewshot_data, tmp_path):
    model = trained[0]
    inputs = fewshot_data.inputs("test")
    out = model.save_pretrained(tmp_path / "fs")
    suffixes = {p.suffix for p in out.iterdir()}
    assert suffixes <= {".json", ".safetensors", ".yaml", ".md", ".txt", ".model"}, suffixes
    assert {"heads.safetensors", "model.safetensors", "config.json", "labelset.yaml"} <= {p.name for p in out.iterdir()}
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["kind"] == "fewshot" and config["fewshot"]["prefix"] == "query: "
    loaded = load_model(out)
    assert isinstance(loaded, FewshotModel)
    before, after = model.predict(inputs), loaded.predict(inputs)
    np.testing.assert_allclose(after.scores, before.scores, atol=1e-5)
    assert after.themes == before.themes
    np.testing.assert_array_equal(after.boilerplate, before.boilerplate)


def _write_gold(folder, data):
    folder.mkdir()
    for split in ("train", "dev", "test"):
        with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for s in data.segments(split):
                f.write(json.dumps({"id": s.id, "doc_id": s.doc_id, "text": s.text, "section": s.section,
                                    "themes": s.themes, "boilerplate": s.boilerplate}, ensure_ascii=False) + "\n")
    return folder


def test_nlp_train_fewshot_writes_a_model_with_card(tiny_base, fewshot_data, tmp_path):
    gold = _write_gold(tmp_path / "gold", fewshot_data)
    args = ["train", "--gold", str(gold), "--model", "fewshot"]
    missing = CliRunner().invoke(app, args + ["--out", str(tmp_path / "m")])  # refusals: in process, no start-up
    assert missing.exit_code == 2 and "--encoder" in missing.output
    nowhere = CliRunner().invoke(app, args + ["--encoder", str(tmp_path / "none"), "--out", str(tmp_path / "m")])
    assert nowhere.exit_code == 2 and "convert-e5" in nowhere.output
    cmd = [sys.executable, "-m", "nlp"] + args
    done = subprocess.run(cmd + ["--encoder", str(tiny_base), "--out", str(tmp_path / "m")],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    card = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))
    assert card["kind"] == "fewshot" and card["parameters"]["encoder"] == str(tiny_base)
    assert card["metrics"]["test"]["n_segments"] == 120
