"""evaluate() on a tiny gold set whose metrics are worked out by hand."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from nlp.evaluation.metrics import compare, evaluate
from nlp.labels.gold import GoldSegment, load_gold
from nlp.models.base import Predictions

LABELS = ["a", "b"]


def gold():
    return [GoldSegment(section="overall", heading="overall", start=0, end=1, text="x", id="d1#0", doc_id="d1",
                        themes=["a"], boilerplate=True),
            GoldSegment(section="problems", heading="problems", start=2, end=3, text="y", id="d1#1", doc_id="d1",
                        themes=["a", "b"], boilerplate=False),
            GoldSegment(section="problems", heading="problems", start=0, end=1, text="z", id="d2#0", doc_id="d2",
                        themes=[], boilerplate=True)]


def predictions(themes=(["a"], ["b"], ["a"]), boilerplate=(True, True, False)):
    scores = np.array([[1.0 if l in t else 0.0 for l in LABELS] for t in themes])
    bp = np.array(boilerplate)
    return Predictions(LABELS, [list(t) for t in themes], scores, bp, bp.astype(float))


def test_metrics_match_hand_computation():
    r = evaluate(gold(), predictions(), n_boot=50)
    # label a: tp 1 (d1#0), fp 1 (d2#0), fn 1 (d1#1) → P = R = F1 = 0.5; label b: tp 1 → F1 = 1
    assert r["per_label"]["a"]["precision"] == pytest.approx(0.5)
    assert r["per_label"]["a"]["recall"] == pytest.approx(0.5)
    assert r["per_label"]["a"]["f1"] == pytest.approx(0.5)
    assert r["per_label"]["b"]["f1"] == pytest.approx(1.0)
    assert r["per_label"]["a"]["support"] == 2 and r["per_label"]["b"]["support"] == 1
    # micro: tp 2, fp 1, fn 1 → 4 / 6; macro: (0.5 + 1) / 2
    assert r["micro_f1"] == pytest.approx(2 / 3)
    assert r["macro_f1"] == pytest.approx(0.75)
    assert r["subset_accuracy"] == pytest.approx(1 / 3)
    # boilerplate: tp d1#0, fp d1#1, fn d2#0 → 0.5
    assert r["boilerplate_f1"] == pytest.approx(0.5)
    assert r["per_label"]["a"]["true_share"] == pytest.approx(2 / 3)
    assert r["per_label"]["b"]["predicted_share"] == pytest.approx(1 / 3)
    assert r["per_section"]["overall"]["micro_f1"] == pytest.approx(1.0)
    assert r["n_segments"] == 3 and r["n_documents"] == 2
    lo, hi = r["micro_f1_ci"]
    assert 0 <= lo <= hi <= 1
    assert r["cooccurrence"] == [[1, 1], [0, 1]]
    assert r["errors"]["false_positives"][0]["id"] == "d2#0"


def test_paired_comparison_of_a_model_with_itself_is_zero():
    d = compare(gold(), predictions(), predictions(), n_boot=50)
    assert d["micro_f1"]["difference"] == 0 and d["micro_f1"]["ci"] == [0.0, 0.0]
    perfect = predictions(themes=(["a"], ["a", "b"], []), boilerplate=(True, False, True))
    assert compare(gold(), predictions(), perfect, n_boot=50)["micro_f1"]["difference"] == pytest.approx(1 / 3)


def test_evaluate_script_json_schema(tmp_path):
    out = tmp_path / "out.json"
    html = tmp_path / "report.html"
    subprocess.run([sys.executable, "evaluate.py", "--model", "models/default", "--model", "keyword",
                    "--gold", "corpora/gold", "--split", "test", "--json", str(out), "--html", str(html),
                    "--n-boot", "100"], cwd=ROOT, check=True, capture_output=True)
    report = json.loads(out.read_text(encoding="utf-8"))
    for key in ("micro_f1", "macro_f1", "boilerplate_f1", "per_label", "n_segments"):
        assert key in report
    assert report["n_segments"] == len(load_gold(ROOT / "corpora" / "gold", "test"))
    assert set(report["models"]) == {"models/default", "keyword"}
    assert report["comparisons"][0]["b"] == "keyword"
    assert "data:image/png;base64," in html.read_text(encoding="utf-8")
