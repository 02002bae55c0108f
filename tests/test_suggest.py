"""`nlp suggest`: uncertainty, rare-label weights, diversity, exclusion of labelled text, and the tasks it writes."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, SAMPLES

from nlp.labels.labelset import load_labelset
from nlp.models.suggest import rank, rarity_weights, read_pool, uncertainty

LABELSET = load_labelset("gov-disclosure-v1")

DATA_KEYS = {"id", "text", "heading", "previous", "doc_id", "path", "section", "start", "end", "is_heading", "label_set"}


def test_uncertainty_is_one_at_the_threshold_and_zero_at_a_confident_end():
    thresholds = np.array([0.5, 0.8, 1.01])
    scores = np.array([[0.5, 0.8, 0.9], [0.0, 1.0, 0.0], [0.75, 0.4, 0.5]])
    u = uncertainty(scores, thresholds)
    np.testing.assert_allclose(u[0, :2], 1.0)
    np.testing.assert_allclose(u[1, :2], 0.0)
    np.testing.assert_allclose(u[2, :2], [0.5, 0.5])  # halfway to 1 above 0.5; halfway to 0 below 0.8
    assert np.all(u[:, 2] == 0)                        # a label that can never pass has nothing to learn here


def test_rare_labels_weigh_more():
    w = rarity_weights(np.array([500, 50, 5, 0]), 1000)
    assert np.all(np.diff(w) > 0) and w.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(rarity_weights(np.array([500, 5]), 1000, power=0), 1.0)


def test_rank_caps_reports_keeps_one_per_family_and_skips_labelled_families():
    labels = ["a", "b"]
    thresholds = np.array([0.5, 0.5])
    scores = np.array([[0.5, 0.0], [0.5, 0.0], [0.5, 0.0], [0.55, 0.0], [0.6, 0.0], [0.0, 0.45], [0.9, 0.0]])
    docs = ["d1", "d1", "d1", "d1", "d2", "d2", "d3"]
    families = np.array([0, 1, 2, 3, 0, 5, 6])
    picked = rank(scores, labels, thresholds, docs, families, labelled_families=[2], n=10, per_report=2,
                  positives=np.array([10, 10]), n_labelled=20)
    chosen = [s.index for s in picked]
    assert chosen == [0, 1, 5, 6]                 # 3 (0.9) would be d1's third
    assert 2 not in chosen                        # its family is labelled already
    assert 4 not in chosen                        # same family as 0, which came first
    assert sum(docs[i] == "d1" for i in chosen) == 2
    assert [round(s.value, 6) for s in picked] == sorted((round(s.value, 6) for s in picked), reverse=True)
    assert picked[0].reasons[0]["label"] == "a" and picked[0].reasons[0]["uncertainty"] == 1.0


def test_rare_label_uncertainty_outranks_frequent_label_uncertainty():
    scores = np.array([[0.5, 0.0], [0.0, 0.45]])
    picked = rank(scores, ["common", "rare"], np.array([0.5, 0.5]), ["d1", "d2"], np.array([0, 1]),
                  positives=np.array([300, 3]), n_labelled=400, n=2)
    assert [s.index for s in picked] == [1, 0]


def test_pool_from_reports_leaves_out_headings_and_gives_the_previous_segment():
    pool = read_pool([SAMPLES], LABELSET)
    assert {c.input.doc_id for c in pool} == {p.stem for p in SAMPLES.glob("*.txt")}
    assert not any(c.task["data"]["is_heading"] for c in pool)
    _, second = [c.task["data"] for c in pool if c.input.doc_id == pool[0].input.doc_id][:2]
    assert second["previous"] and second["previous"] != second["text"] and second["id"].startswith(second["doc_id"] + "#")
    assert all(c.input.doc_text and c.input.doc_text[c.input.start:c.input.end] == c.input.text for c in pool[:20])


def test_pool_from_a_segments_file_and_a_report_corpus(tmp_path):
    rows = [{"doc_id": "r1", "section": "overall", "heading": "overall", "text": "第一句。", "start": 0, "end": 4},
            {"doc_id": "r1", "section": "overall", "heading": "overall", "text": "(一)标题", "start": 4, "end": 9,
             "is_heading": True},
            {"doc_id": "r1", "section": "overall", "heading": "overall", "text": "第二句。", "start": 9, "end": 13}]
    segments = tmp_path / "segments.jsonl"
    segments.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    pool = read_pool([segments], LABELSET)
    assert [c.input.text for c in pool] == ["第一句。", "第二句。"] and pool[1].task["data"]["previous"] == "(一)标题"
    assert [c.task["data"]["id"] for c in pool] == ["r1#0", "r1#2"]
    report = (SAMPLES / "000_dab85e2dbbd9bf66.txt").read_text(encoding="utf-8")
    corpus = tmp_path / "reports.jsonl"
    corpus.write_text(json.dumps({"id": "c1", "text": report}, ensure_ascii=False) + "\n", encoding="utf-8")
    from_corpus = read_pool([corpus], LABELSET)
    assert {c.input.doc_id for c in from_corpus} == {"c1"} and len(from_corpus) > 5
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "r1", "section": "overall"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:1: .*'text'"):
        read_pool([bad], LABELSET)


def _suggest(tmp_path, *extra):
    out = tmp_path / "batch.json"
    done = subprocess.run([sys.executable, "-m", "nlp", "suggest", "--model", "models/default", "--pool",
                           str(SAMPLES), "--n", "12", "--out", str(out), *extra],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    return done, out


def test_cli_writes_label_studio_tasks_and_excludes_labelled_near_duplicates(tmp_path):
    done, out = _suggest(tmp_path)
    assert done.returncode == 0, done.stderr
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert len(tasks) == 12
    for task in tasks:
        assert set(task["data"]) == DATA_KEYS
        assert task["predictions"][0]["model_version"] == "default"  # pre-annotation, as annotate export --model
        reasons = task["meta"]["suggest"]["reasons"]
        assert reasons and all(0 <= r["uncertainty"] <= 1 for r in reasons)
    counts = {}
    for task in tasks:
        counts[task["data"]["doc_id"]] = counts.get(task["data"]["doc_id"], 0) + 1
    assert max(counts.values()) <= 3
    # Label the top suggestion elsewhere (another report, its numbers changed): it is not suggested again.
    top = tasks[0]["data"]["text"]
    changed = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), top) if re.search(r"\d", top) else top
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x#0", "doc_id": "x", "text": changed, "themes": [], "boilerplate": False},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    done, out = _suggest(tmp_path, "--exclude", str(gold))
    assert done.returncode == 0, done.stderr
    assert top not in [t["data"]["text"] for t in json.loads(out.read_text(encoding="utf-8"))]


def test_cli_refuses_a_model_without_thresholds_or_of_another_label_set(tmp_path):
    labelset = tmp_path / "other.yaml"
    labelset.write_text("name: other\nlabels:\n  - id: x\n", encoding="utf-8")
    done, _ = _suggest(tmp_path, "--labelset", str(labelset))
    assert done.returncode == 2 and "not 'other'" in done.stderr
    done = subprocess.run([sys.executable, "-m", "nlp", "suggest", "--model", "keyword", "--pool", str(SAMPLES),
                           "--out", str(tmp_path / "b.json")], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 2 and "no score thresholds" in done.stderr
