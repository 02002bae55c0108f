"""The linear models' fitted pipelines as safetensors + JSON: safe to load, and fast to load.

A fitted pipeline here is always TF-IDF vectorisers and a scaler over named columns, then logistic
regression (one-vs-rest for themes). Saving keeps exactly what prediction needs: each vectoriser's
parameters, vocabulary and idf, the scaler's mean and scale, the coefficients. Loading imports neither
skops (whose scan of trusted types made every cold start several seconds long) nor scikit-learn (0.7 s
of imports, SciPy's statistics among them, for nothing prediction needs): n-grams are counted in numpy
(:mod:`nlp.models.counting`, scikit-learn's counts), weighted as scikit-learn's TF-IDF step weights
them, and the rest is numpy. scikit-learn's own vectoriser is built only for an analyser the counter does
not cover. Nothing in the file can run code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from nlp.models.counting import NgramCounter

FORMAT = "gov-disclosure-nlp/linear-pipeline/1"
_TFIDF_PARAMS = ("analyzer", "token_pattern", "lowercase", "ngram_range", "use_idf", "norm", "sublinear_tf",
                 "smooth_idf", "binary", "strip_accents")


class LinearPipeline:
    """``predict_proba(frame)`` of a saved pipeline: the same numbers as the scikit-learn pipeline it came from."""

    def __init__(self, blocks: list[dict], coef: np.ndarray, intercept: np.ndarray, multilabel: bool):
        # {"kind": "tfidf", "column", "params", "vocabulary", "idf"} | {"kind": "scaler", "columns", "mean", "scale"}
        self.blocks = blocks
        self.coef = coef              # [n_outputs, n_features]
        self.intercept = intercept    # [n_outputs]
        self.multilabel = multilabel  # one-vs-rest themes (one probability per label) or one binary classifier

    def transform(self, frame: pd.DataFrame) -> sp.csr_matrix:
        parts = []
        for block in self.blocks:
            if block["kind"] == "tfidf":
                parts.append(_tfidf(block, frame[block["column"]]))
            else:
                values = frame[block["columns"]].to_numpy(dtype=np.float64)
                parts.append(sp.csr_matrix((values - block["mean"]) / block["scale"]))
        return sp.hstack(parts, format="csr")

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        decision = np.asarray(self.transform(frame) @ self.coef.T) + self.intercept
        positive = 1.0 / (1.0 + np.exp(-decision))
        return positive if self.multilabel else np.column_stack([1.0 - positive[:, 0], positive[:, 0]])


def _tfidf(block: dict, texts: pd.Series) -> sp.csr_matrix:
    """The block's TF-IDF matrix; counted in numpy (:mod:`nlp.models.counting`) where the analyser allows."""
    if "counter" not in block:
        block["counter"] = NgramCounter.from_params(block["params"], block["vocabulary"])
    if block["counter"] is None:
        return vectorizer(block).transform(texts)
    return _weight(block["counter"].counts(texts.tolist()), block["params"], block["idf"])


def _weight(counts: sp.csr_matrix, params: dict, idf: np.ndarray | None) -> sp.csr_matrix:
    """``TfidfTransformer.transform``'s steps on a count matrix, in place: sublinear tf, idf, row norm."""
    if params["sublinear_tf"]:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if idf is not None:
        counts.data *= idf[counts.indices]
    if params["norm"] is not None:
        sizes = counts.data * counts.data if params["norm"] == "l2" else np.abs(counts.data)
        # Row sums as a sparse product with ones: added one by one in row order, as scikit-learn's loop
        # adds them, so the scores are the same to the last bit (numpy's pairwise sums differ in it).
        norms = sp.csr_matrix((sizes, counts.indices, counts.indptr), shape=counts.shape) @ np.ones(counts.shape[1])
        if params["norm"] == "l2":
            norms = np.sqrt(norms)
        norms[norms == 0.0] = 1.0
        counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


def vectorizer(block: dict):
    """The block as a fitted scikit-learn ``TfidfVectorizer``, built on first use (saving, other analysers)."""
    if "vectorizer" not in block:
        from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

        params = block["params"]
        built = TfidfVectorizer(**params)
        built.vocabulary_ = block["vocabulary"]
        # The weighting step, fitted on no document (its shape only), then given the saved idf.
        built._tfidf = TfidfTransformer(norm=params["norm"], use_idf=params["use_idf"], smooth_idf=params["smooth_idf"],
                                        sublinear_tf=params["sublinear_tf"]).fit(sp.csr_matrix((1, len(block["vocabulary"]))))
        if params["use_idf"]:
            built._tfidf.idf_ = block["idf"]
        block["vectorizer"] = built
    return block["vectorizer"]


def _tfidf_spec(name: str, params: dict, vocabulary: dict[str, int]) -> dict:
    return {"kind": "tfidf", "name": name, "params": {k: v for k, v in params.items() if k in _TFIDF_PARAMS},
            "vocabulary": sorted(vocabulary, key=vocabulary.get)}


def save_pipeline(pipeline, path: str | Path) -> None:
    """Write a fitted scikit-learn ``Pipeline([("features", ColumnTransformer), ("clf", …)])``, or a
    :class:`LinearPipeline` loaded earlier."""
    from safetensors.numpy import save_file

    blocks, tensors = [], {}
    if isinstance(pipeline, LinearPipeline):
        tensors = {"coef": pipeline.coef, "intercept": pipeline.intercept}
        for i, block in enumerate(pipeline.blocks):
            name = f"block{i}"
            if block["kind"] == "tfidf":
                blocks.append(_tfidf_spec(name, block["params"], block["vocabulary"]) | {"column": block["column"]})
                if block["idf"] is not None:
                    tensors[f"{name}.idf"] = block["idf"]
            else:
                blocks.append({"kind": "scaler", "name": name, "columns": block["columns"]})
                tensors[f"{name}.mean"], tensors[f"{name}.scale"] = block["mean"], block["scale"]
        multilabel = pipeline.multilabel
    else:
        features, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
        for name, transformer, columns in features.transformers_:
            if transformer == "drop" or name == "remainder":
                continue
            kind = type(transformer).__name__
            if kind == "TfidfVectorizer":
                blocks.append(_tfidf_spec(name, transformer.get_params(), transformer.vocabulary_) | {"column": columns})
                if transformer.use_idf:
                    tensors[f"{name}.idf"] = np.asarray(transformer.idf_)
            elif kind == "StandardScaler":
                blocks.append({"kind": "scaler", "name": name, "columns": list(columns)})
                tensors[f"{name}.mean"] = np.asarray(transformer.mean_, dtype=np.float64)
                tensors[f"{name}.scale"] = np.asarray(transformer.scale_, dtype=np.float64)
            else:
                raise TypeError(f"cannot save a pipeline step of type {kind}")
        estimators = getattr(clf, "estimators_", [clf])
        tensors["coef"] = np.vstack([e.coef_ for e in estimators]).astype(np.float64)
        tensors["intercept"] = np.concatenate([e.intercept_ for e in estimators]).astype(np.float64)
        multilabel = hasattr(clf, "estimators_")
    meta = {"format": FORMAT, "blocks": blocks, "multilabel": multilabel}
    save_file(tensors, str(path), metadata={"pipeline": json.dumps(meta, ensure_ascii=False)})


def load_pipeline(path: str | Path) -> LinearPipeline:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        meta = json.loads(f.metadata()["pipeline"])
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    blocks = []
    for spec in meta["blocks"]:
        if spec["kind"] == "tfidf":
            params = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["params"].items()}
            blocks.append({"kind": "tfidf", "column": spec["column"], "params": params,
                           "vocabulary": {term: i for i, term in enumerate(spec["vocabulary"])},
                           "idf": tensors[f"{spec['name']}.idf"] if params["use_idf"] else None})
        else:
            blocks.append({"kind": "scaler", "columns": spec["columns"], "mean": tensors[f"{spec['name']}.mean"],
                           "scale": tensors[f"{spec['name']}.scale"]})
    return LinearPipeline(blocks, tensors["coef"], tensors["intercept"], meta["multilabel"])
