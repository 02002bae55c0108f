"""train.py, evaluate.py, `nlp tag` and the API work unchanged for a label set of the user's own."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, SAMPLES
from nlp.text.document import Document
from nlp.text.inputs import SegmentInput
from nlp.labels.gold import gold_records, load_gold, read_documents
from nlp.models.thresholds import best_threshold
from nlp.models.registry import load_model

LABELSET = """name: toy-v1
description: A made-up label set for the end-to-end test.
labels:
  - id: website
    name: 网站
    description: the body's website
    cues: [网站, 门户]
  - id: people
    name: 人员
    description: staff
    cues: [人员, 队伍]
"""


def _rows(doc: Document, split: str) -> list[dict]:
    """Toy labels for the toy label set (fixture data, not gold): by the words the segment contains."""
    rows = []
    for seg in doc.segments:
        themes = [label for label, words in (("people", ("人员", "队伍")), ("website", ("网站",)))
                  if any(w in seg.text for w in words)]
        rows.append({"id": f"{doc.doc_id}#{seg.index}", "doc_id": doc.doc_id, "section": seg.section,
                     "heading": seg.heading, "text": seg.text, "start": seg.start, "end": seg.end, "themes": themes,
                     "boilerplate": not any(c.isdigit() for c in seg.text), "label_set": "toy-v1", "split": split})
    return rows


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy")
    (root / "toy-v1.yaml").write_text(LABELSET, encoding="utf-8")
    gold = root / "gold"
    gold.mkdir()
    seeds = sorted(SAMPLES.glob("*.txt"))
    docs = [Document.from_path(p) for p in seeds]
    for split, chosen in (("train", docs[:3]), ("dev", docs[3:4]), ("test", docs[4:])):
        with open(gold / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for d in chosen:
                for row in _rows(d, split):
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(gold / "documents.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"doc_id": d.doc_id, "text": d.text}, ensure_ascii=False) + "\n")
    model = root / "model"
    subprocess.run([sys.executable, "train.py", "--gold", str(gold), "--labelset", str(root / "toy-v1.yaml"),
                    "--reference", str(root / "no-reference"), "--out", str(model)],
                   cwd=ROOT, check=True, capture_output=True)
    return root, gold, model


def test_trained_model_has_card_and_safe_weights(toy):
    _, _, model = toy
    card = json.loads((model / "card.json").read_text(encoding="utf-8"))
    assert card["label_set"] == "toy-v1" and card["labels"] == ["website", "people"]
    assert {"dev", "test"} <= set(card["metrics"]) and "python train.py" in card["reproduce"]
    assert sorted(p.name for p in model.iterdir()) == sorted(
        ["README.md", "card.json", "config.json", "labelset.yaml", "themes.safetensors", "boilerplate.safetensors",
         "references.safetensors"])


def test_save_load_round_trip_gives_identical_predictions(toy, tmp_path):
    _, _, model_dir = toy
    model = load_model(model_dir)
    doc = Document.from_path(SAMPLES / "000_dab85e2dbbd9bf66.txt")
    records = SegmentInput.from_document(doc)
    before = model.predict(records)
    model.save_pretrained(tmp_path / "copy")
    after = load_model(tmp_path / "copy").predict(records)
    assert before.themes == after.themes
    np.testing.assert_array_equal(before.scores, after.scores)
    np.testing.assert_array_equal(before.boilerplate_scores, after.boilerplate_scores)


def test_evaluate_and_tag_work_for_the_toy_label_set(toy, tmp_path):
    root, gold, model = toy
    out = tmp_path / "eval.json"
    subprocess.run([sys.executable, "evaluate.py", "--model", str(model), "--gold", str(gold / "test.jsonl"),
                    "--json", str(out), "--n-boot", "50"], cwd=ROOT, check=True, capture_output=True)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["per_label"]) == {"website", "people"}
    assert report["per_label"]["website"]["f1"] > 0.5
    tags = tmp_path / "tags.csv"
    subprocess.run([sys.executable, "-m", "nlp", "tag", str(SAMPLES), "--model", str(model), "--out", str(tags),
                    "--no-progress"], cwd=ROOT, check=True, capture_output=True)
    header = tags.read_text(encoding="utf-8").splitlines()[0]
    assert "score_website" in header and "score_staffing" not in header


def test_gold_with_ids_outside_the_label_set_is_refused(toy, tmp_path):
    _, gold, model = toy
    bad = tmp_path / "bad.jsonl"
    row = json.loads((gold / "test.jsonl").read_text(encoding="utf-8").splitlines()[0])
    bad.write_text(json.dumps(row | {"themes": ["staffing"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "evaluate.py", "--model", str(model), "--gold", str(bad)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "['staffing'] are not defined by label set 'toy-v1'" in result.stderr


def test_fit_on_train_and_dev_takes_thresholds_from_out_of_fold_scores(toy, tmp_path):
    root, gold, _ = toy
    out = tmp_path / "fit-all"
    subprocess.run([sys.executable, "train.py", "--gold", str(gold), "--labelset", str(root / "toy-v1.yaml"),
                    "--reference", str(root / "no-reference"), "--out", str(out), "--fit-on", "train+dev"],
                   cwd=ROOT, check=True, capture_output=True)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["parameters"]["fit_on"] == "train+dev"
    assert set(card["metrics"]) == {"test"}  # dev was fitted on: no longer a held-out score
    model = load_model(out)
    # The thresholds are the F1-best cuts of out-of-fold scores over train + dev, recomputed here.
    labelset = str(root / "toy-v1.yaml")
    fit = load_gold(gold, "train", labelset) + load_gold(gold, "dev", labelset)
    records = gold_records(fit, read_documents(gold / "documents.jsonl"))
    themes = [s.themes for s in fit]
    oof = model.themes.cross_val_proba(records, themes, [s.doc_id for s in fit])  # clones, unfitted
    y = np.array([[label in t for label in model.labels] for t in themes], dtype=int)
    expected = [best_threshold(y[:, j], oof[:, j]) for j in range(len(model.labels))]
    np.testing.assert_allclose(model.themes.thresholds_, expected)
    assert "fitted on train+dev" in (out / "README.md").read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "train.py", "--gold", str(gold), "--out", str(tmp_path / "x"),
                          "--model", "bert", "--base", "nowhere", "--fit-on", "train+dev"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and "--fit-on is for linear models" in bad.stderr + bad.stdout


def test_keyword_model_and_html_report_use_the_gold_label_set(toy, tmp_path):
    root, gold, _ = toy
    out, page = tmp_path / "eval.json", tmp_path / "eval.html"
    result = subprocess.run([sys.executable, "evaluate.py", "--model", "keyword", "--labelset", str(root / "toy-v1.yaml"),
                             "--gold", str(gold), "--split", "test", "--json", str(out), "--html", str(page),
                             "--n-boot", "50"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["per_label"]) == {"website", "people"} and report["micro_f1"] > 0.5
    assert "<img" in page.read_text(encoding="utf-8")
    # One test report: the bootstrap over documents cannot give an interval, and the output says so.
    assert "only 1 documents" in result.stderr and report["models"]["keyword"]["warnings"]


def test_a_gold_file_without_splits_is_not_trained_and_tested_on_the_same_rows(toy, tmp_path):
    root, gold, _ = toy
    one = tmp_path / "one.jsonl"
    rows = [json.loads(line) for s in ("train", "dev", "test") for line in open(gold / f"{s}.jsonl", encoding="utf-8")]
    with open(one, "w", encoding="utf-8") as f:
        for i, row in enumerate(rows):
            row.pop("split")
            f.write(json.dumps(row | {"agency": f"body {row['doc_id']}"}, ensure_ascii=False) + "\n")
    shutil.copy(gold / "documents.jsonl", tmp_path / "documents.jsonl")
    base = [sys.executable, "train.py", "--gold", str(one), "--labelset", str(root / "toy-v1.yaml"),
            "--reference", str(root / "no-reference")]
    refused = subprocess.run(base + ["--out", str(tmp_path / "m1")], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "--split-by body" in refused.stderr
    subprocess.run(base + ["--out", str(tmp_path / "m2"), "--split-by", "body"], cwd=ROOT, check=True,
                   capture_output=True)
    card = json.loads((tmp_path / "m2" / "card.json").read_text(encoding="utf-8"))
    data = card["data"]
    assert data["n_train"] and data["n_test"] and data["n_train"] + data["n_dev"] + data["n_test"] == len(rows)
    assert not any(str(v).startswith("/") for v in data.values())  # no absolute paths in the card


def test_the_card_hashes_the_gold_as_it_was_read(small_gold, tmp_path):
    """A transformer trains for an hour; a gold round may land meanwhile. The card's data hash is that of the files
    the model was trained on, not of the files present when the card is written."""
    from nlp.training.data import TrainingData, data_hash

    gold = tmp_path / "gold"
    shutil.copytree(small_gold, gold)
    data = TrainingData.load(gold)
    before = data.hash
    assert before == data_hash(gold)
    with open(gold / "train.jsonl", "a", encoding="utf-8") as f:
        f.write((gold / "dev.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n")
    assert data_hash(gold) != before and data.hash == before
