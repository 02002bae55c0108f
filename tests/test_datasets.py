"""Gold and corpus as Hugging Face datasets with typed features, and the transformer training path on them."""

from __future__ import annotations

import json

import pytest

from conftest import GOLD, ROOT

datasets = pytest.importorskip("datasets", reason="datasets not installed (pip install -e '.[bert]')")

from nlp.labels.datasets import load_corpus, load_dataset, segments_from_dataset  # noqa: E402
from nlp.labels.gold import load_gold  # noqa: E402
from nlp.labels.labelset import load_labelset  # noqa: E402


def test_gold_loads_as_a_typed_datasetdict_matching_the_files():
    ds = load_dataset(GOLD)
    assert set(ds) == {"train", "dev", "test"}
    ids = load_labelset("gov-disclosure-v1").ids
    assert ds["train"].features["themes"].feature.names == ids
    assert ds["train"].features["boilerplate"].dtype == "bool" and ds["train"].features["start"].dtype == "int32"
    for split in ds:
        gold = load_gold(GOLD, split)
        assert ds[split].num_rows == len(gold)
        row, seg = ds[split][0], gold[0]
        assert [ids[i] for i in row["themes"]] == seg.themes and row["text"] == seg.text
    # The split is disjoint by issuing body, and the dataset says so.
    assert not set(ds["test"]["body"]) & (set(ds["train"]["body"]) | set(ds["dev"]["body"]))
    back = segments_from_dataset(ds["dev"])
    assert [(s.id, s.themes, s.boilerplate) for s in back] == [(s.id, s.themes, s.boilerplate)
                                                               for s in load_gold(GOLD, "dev")]


def test_corpus_loads_as_a_dataset():
    corpus = load_corpus(ROOT / "corpora" / "corpus" / "reports.jsonl")
    n = sum(1 for _ in open(ROOT / "corpora" / "corpus" / "reports.jsonl", encoding="utf-8"))
    assert corpus.num_rows == n and corpus.features["year"].dtype == "int32"
    assert json.loads(open(ROOT / "corpora" / "corpus" / "reports.jsonl", encoding="utf-8").readline())["text"] == \
        corpus[0]["text"]


def test_transformer_training_takes_dataset_splits(tiny_base):
    from nlp.training.transformer import BertTrainingConfig, train_bert

    ds = load_dataset(GOLD)
    cfg = BertTrainingConfig(base=str(tiny_base), epochs=1, max_steps=3, batch_size=16, max_length=48)
    model = train_bert(cfg, load_labelset("gov-disclosure-v1"), ds["train"].select(range(64)),
                       ds["dev"].select(range(32)), log=lambda m: None)
    assert model.training_log["steps"] == 3 and len(model.thresholds) == 13
