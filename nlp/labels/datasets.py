"""Gold sets and report corpora as Hugging Face ``datasets`` objects, with typed features.

>>> from nlp.labels.datasets import load_dataset
>>> ds = load_dataset("corpora/gold")            # DatasetDict: train / dev / test
>>> ds["train"].features["themes"]               # Sequence(ClassLabel(names=[...the label set...]))

Themes are class-label ids of the label set, boilerplate a bool, offsets int32, and every row carries
its report (``doc_id``) and issuing body (``body``, the key the split is disjoint on).
"""

from __future__ import annotations

from pathlib import Path

from nlp.labels.gold import SPLITS, GoldSegment, load_gold
from nlp.labels.labelset import LabelSet, load_labelset
from nlp.labels.splits import body_key


def _datasets():
    try:
        import datasets
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("Hugging Face datasets is not installed: pip install 'gov-disclosure-nlp[bert]'") from None
    return datasets


def gold_features(labelset: LabelSet):
    ds = _datasets()
    return ds.Features({
        "id": ds.Value("string"), "doc_id": ds.Value("string"), "body": ds.Value("string"),
        "section": ds.Value("string"), "heading": ds.Value("string"), "text": ds.Value("string"),
        "start": ds.Value("int32"), "end": ds.Value("int32"),
        "themes": ds.Sequence(ds.ClassLabel(names=labelset.ids)), "boilerplate": ds.Value("bool"),
        "label_how": ds.Value("string"), "year": ds.Value("int32"), "level": ds.Value("string"),
    })


def _row(s: GoldSegment) -> dict:
    return {"id": s.id, "doc_id": s.doc_id, "body": body_key(s.meta | {"doc_id": s.doc_id}), "section": s.section,
            "heading": s.heading, "text": s.text, "start": s.start, "end": s.end, "themes": list(s.themes),
            "boilerplate": s.boilerplate, "label_how": s.meta.get("label_how"), "year": s.meta.get("year"),
            "level": s.meta.get("level")}


def load_dataset(path: str | Path, labelset: str | LabelSet | None = None):
    """A gold directory as a ``datasets.DatasetDict`` (train / dev / test, the shipped split)."""
    ds = _datasets()
    splits = {s: load_gold(path, s, labelset) for s in SPLITS if (Path(path) / f"{s}.jsonl").exists()}
    if not isinstance(labelset, LabelSet):
        first = next(iter(splits.values()))
        labelset = load_labelset(labelset or (first[0].label_set if first else "gov-disclosure-v1"))
    features = gold_features(labelset)
    return ds.DatasetDict({name: ds.Dataset.from_list([_row(s) for s in segs], features=features)
                           for name, segs in splits.items()})


def segments_from_dataset(dataset) -> list[GoldSegment]:
    """Rows of a gold ``datasets.Dataset`` back as gold segments (theme ids decoded), e.g. for training."""
    names = dataset.features["themes"].feature.names
    return [GoldSegment(section=r["section"], heading=r["heading"], start=r["start"], end=r["end"], text=r["text"],
                        themes=sorted(names[i] for i in r["themes"]), boilerplate=r["boilerplate"], id=r["id"],
                        doc_id=r["doc_id"], meta={"agency": r["body"]}) for r in dataset]


def load_corpus(path: str | Path = "corpora/corpus/reports.jsonl"):
    """Corpus v2 (or any JSONL of reports) as a ``datasets.Dataset`` with typed metadata."""
    ds = _datasets()
    features = ds.Features({
        "id": ds.Value("string"), "url": ds.Value("string"), "source_kind": ds.Value("string"),
        "agency": ds.Value("string"), "level": ds.Value("string"), "province": ds.Value("string"),
        "year": ds.Value("int32"), "text": ds.Value("string"), "sections": ds.Sequence(ds.Value("string")),
        "has_problems_text": ds.Value("bool"), "origin": ds.Value("string"),
    })
    import json

    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return ds.Dataset.from_list([{k: r.get(k) for k in features} for r in rows], features=features)
