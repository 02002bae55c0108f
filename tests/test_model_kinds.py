"""Checks every model kind must pass, in the spirit of scikit-learn's ``check_estimator``.

A new kind is added to ``KIND_BUILDERS``; the checks stay the same: predictions have the right
shapes and types, save_pretrained → load gives identical predictions and writes the card, and
bad input (an empty batch, a broken directory, the wrong class) gives a clear answer.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import SAMPLES
from nlp.labels.labelset import load_labelset
from nlp.models.base import ModelError, TaggerModel
from nlp.models.registry import KINDS, load_model, model_class
from nlp.models.thresholds import decide
from nlp.text.document import Document
from nlp.text.inputs import SegmentInput
from nlp.training.data import TrainingData

LABELSET = load_labelset("gov-disclosure-v1")


@pytest.fixture(scope="module")
def toy_data(tmp_path_factory):
    """Gold-format files from the five sample reports. The labels are fixture data made by cue words
    (never gold): enough for every kind to learn something."""
    root = tmp_path_factory.mktemp("kinds")
    docs = [Document.from_path(p) for p in sorted(SAMPLES.glob("*.txt"))]
    cues = LABELSET.cue_words()
    for split, chosen in (("train", docs[:3]), ("dev", docs[3:4]), ("test", docs[4:])):
        with open(root / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for d in chosen:
                for s in d.segments:
                    themes = sorted(l for l, words in cues.items() if any(w.strip("…") and w.strip("…") in s.text
                                                                        for w in words))
                    f.write(json.dumps({"id": f"{d.doc_id}#{s.index}", "doc_id": d.doc_id, "section": s.section,
                                        "heading": s.heading, "text": s.text, "start": s.start, "end": s.end,
                                        "themes": themes, "boilerplate": not any(c.isdigit() for c in s.text),
                                        "split": split}, ensure_ascii=False) + "\n")
    with open(root / "documents.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"doc_id": d.doc_id, "text": d.text}, ensure_ascii=False) + "\n")
    return TrainingData.load(root, LABELSET)


def _linear(data, request):
    from nlp.training.linear import LinearTrainingConfig, train_linear

    return train_linear(LinearTrainingConfig(reference=None), data)[0]


def _keyword(data, request):
    return model_class("keyword")(data.labelset)


def _bert(data, request):
    tiny_base = request.getfixturevalue("tiny_base")
    from nlp.training.transformer import BertTrainingConfig, train_bert

    cfg = BertTrainingConfig(base=str(tiny_base), epochs=1, max_steps=4, batch_size=16, max_length=64)
    return train_bert(cfg, data.labelset, data.segments("train"), data.segments("dev"), data.documents,
                      log=lambda m: None)


def _fewshot(data, request):
    tiny_base = request.getfixturevalue("tiny_base")
    from nlp.training.fewshot import FewshotTrainingConfig, train_fewshot

    return train_fewshot(FewshotTrainingConfig(encoder=str(tiny_base), max_length=64), data)[0]


def _ensemble(data, request):
    from nlp.training.ensemble import EnsembleTrainingConfig, train_ensemble

    linear = _linear(data, request).save_pretrained(request.getfixturevalue("tmp_path") / "member-linear")
    return train_ensemble(EnsembleTrainingConfig(members=(str(linear), "keyword"), weights=(2.0, 1.0)), data)[0]


KIND_BUILDERS = {"linear": _linear, "keyword": _keyword, "bert": _bert, "fewshot": _fewshot, "ensemble": _ensemble}


def test_every_registered_kind_is_checked():
    assert set(KIND_BUILDERS) == set(KINDS)


@pytest.fixture(params=sorted(KIND_BUILDERS))
def model(request, toy_data) -> TaggerModel:
    return KIND_BUILDERS[request.param](toy_data, request)


def test_predictions_have_the_right_shapes(model, toy_data):
    inputs = toy_data.inputs("test")
    pred = model.predict(inputs)
    n, k = len(inputs), len(model.labels)
    assert model.kind in KINDS and isinstance(model, model_class(model.kind))
    assert pred.labels == model.labels == LABELSET.ids
    assert pred.scores.shape == (n, k) and np.all((pred.scores >= 0) & (pred.scores <= 1))
    assert len(pred.themes) == n and all(set(t) <= set(model.labels) and t == sorted(t) for t in pred.themes)
    assert pred.boilerplate.shape == (n,) and pred.boilerplate.dtype == bool
    assert pred.boilerplate_scores.shape == (n,)


def test_save_then_load_gives_identical_predictions_and_the_card(model, toy_data, tmp_path):
    inputs = toy_data.inputs("test")
    model.card = {"name": "check", "kind": model.kind, "label_set": LABELSET.name, "metrics": {}}
    out = model.save_pretrained(tmp_path / "m")
    assert {"config.json", "labelset.yaml", "card.json", "README.md"} <= {p.name for p in out.iterdir()}
    assert all(p.stat().st_mode & 0o044 == 0o044 for p in out.iterdir())  # readable by other users
    for loaded in (load_model(out), type(model).from_pretrained(out)):
        assert type(loaded) is type(model) and loaded.card["name"] == "check"
        before, after = model.predict(inputs), loaded.predict(inputs)
        assert before.themes == after.themes
        np.testing.assert_allclose(before.scores, after.scores, atol=1e-6)
        np.testing.assert_array_equal(before.boilerplate, after.boilerplate)


def test_an_empty_batch_gives_empty_predictions(model):
    pred = model.predict([])
    assert pred.themes == [] and pred.scores.shape[0] == 0 and len(pred.boilerplate) == 0


def test_inputs_without_tokens_or_report_text_still_work(model):
    pred = model.predict([SegmentInput(text="本年度共主动公开政府信息34条。", section="overall")])
    assert len(pred.themes) == 1


def test_broken_model_directories_are_refused_with_the_path(model, tmp_path):
    out = model.save_pretrained(tmp_path / "m")
    (out / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="config.json"):
        load_model(out)
    shutil.rmtree(out)
    with pytest.raises(ModelError, match=str(out)):
        load_model(out)


def test_from_pretrained_refuses_another_kind(model, tmp_path):
    out = model.save_pretrained(tmp_path / "m")
    other = next(k for k in KINDS if k != model.kind)
    with pytest.raises(ModelError, match=f"not '{other}'"):
        model_class(other).from_pretrained(out)


def test_linear_pipelines_load_without_skops_and_older_skops_models_still_load(toy_data, tmp_path):
    import zipfile

    import skops.io as sio

    from nlp.models.pipelines import LinearPipeline
    from nlp.training.linear import LinearTrainingConfig, train_linear

    model = train_linear(LinearTrainingConfig(reference=None), toy_data)[0]
    inputs = toy_data.inputs("test")
    before = model.predict(inputs)
    out = model.save_pretrained(tmp_path / "m")
    assert not list(out.glob("*.skops"))
    loaded = load_model(out)
    assert isinstance(loaded.themes.pipeline_, LinearPipeline)
    after = loaded.predict(inputs)
    np.testing.assert_allclose(after.scores, before.scores, atol=1e-12)
    np.testing.assert_allclose(after.boilerplate_scores, before.boilerplate_scores, atol=1e-12)
    # A model directory written before the safetensors pipelines (skops files) loads and predicts the same.
    for name, estimator in (("themes", model.themes), ("boilerplate", model.boilerplate)):
        (out / f"{name}.safetensors").unlink()
        sio.dump(estimator.pipeline_, out / f"{name}.skops", compression=zipfile.ZIP_DEFLATED)
    legacy = load_model(out)
    assert not isinstance(legacy.themes.pipeline_, LinearPipeline)
    np.testing.assert_allclose(legacy.predict(inputs).scores, before.scores, atol=1e-12)


def test_decide_keeps_every_label_over_its_threshold_sorted_by_name_and_the_best_k():
    rng = np.random.default_rng(0)
    labels = ["training", "content", "platform", "awareness"]
    scores, thresholds = rng.random((200, 4)), np.array([0.3, 0.5, 0.7, 0.9])
    themes = decide(scores, thresholds, labels)
    assert themes == [sorted(l for l, s, t in zip(labels, row, thresholds) if s >= t) for row in scores]
    best = decide(scores, thresholds, labels, top_k=1)
    for row, one in zip(scores, best):
        passed = [j for j in range(4) if row[j] >= thresholds[j]]
        assert one == ([labels[max(passed, key=lambda j: row[j])]] if passed else [])
    assert decide(np.zeros((0, 4)), thresholds, labels) == [] == decide([], thresholds, labels)
