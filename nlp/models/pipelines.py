"""The linear models' fitted pipelines as safetensors + JSON: safe to load, and fast to load.

A fitted pipeline here is always TF-IDF vectorisers and a scaler over named columns, then logistic
regression (one-vs-rest for themes). Saving keeps exactly what prediction needs: each vectoriser's
parameters, vocabulary and idf, the scaler's mean and scale, the coefficients. Loading rebuilds the
vectorisers with scikit-learn; their n-grams are counted in numpy (:mod:`nlp.models.counting`, the same
counts) and weighted by scikit-learn's TF-IDF step, and the rest is numpy. Nothing in the file can run code, and loading does not import skops, whose scan of trusted
types made every cold start several seconds long.
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
        self.blocks = blocks          # {"kind": "tfidf", "column", "vectorizer"} | {"kind": "scaler", "columns", "mean", "scale"}
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
    vectorizer = block["vectorizer"]
    if "counter" not in block:
        block["counter"] = NgramCounter.from_vectorizer(vectorizer)
    if block["counter"] is None:
        return vectorizer.transform(texts)
    return vectorizer._tfidf.transform(block["counter"].counts(texts.tolist()), copy=False)


def _tfidf_spec(name: str, vectorizer) -> tuple[dict, np.ndarray | None]:
    params = {k: v for k, v in vectorizer.get_params().items() if k in _TFIDF_PARAMS}
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    idf = np.asarray(vectorizer.idf_) if vectorizer.use_idf else None
    return {"kind": "tfidf", "name": name, "params": params, "vocabulary": vocabulary}, idf


def save_pipeline(pipeline, path: str | Path) -> None:
    """Write a fitted scikit-learn ``Pipeline([("features", ColumnTransformer), ("clf", …)])``, or a
    :class:`LinearPipeline` loaded earlier."""
    from safetensors.numpy import save_file

    if isinstance(pipeline, LinearPipeline):
        blocks, tensors = [], {"coef": pipeline.coef, "intercept": pipeline.intercept}
        for i, block in enumerate(pipeline.blocks):
            name = f"block{i}"
            if block["kind"] == "tfidf":
                spec, idf = _tfidf_spec(name, block["vectorizer"])
                blocks.append(spec | {"column": block["column"]})
                if idf is not None:
                    tensors[f"{name}.idf"] = idf
            else:
                blocks.append({"kind": "scaler", "name": name, "columns": block["columns"]})
                tensors[f"{name}.mean"], tensors[f"{name}.scale"] = block["mean"], block["scale"]
        meta = {"format": FORMAT, "blocks": blocks, "multilabel": pipeline.multilabel}
        save_file(tensors, str(path), metadata={"pipeline": json.dumps(meta, ensure_ascii=False)})
        return
    features, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    blocks, tensors = [], {}
    for name, transformer, columns in features.transformers_:
        if transformer == "drop" or name == "remainder":
            continue
        kind = type(transformer).__name__
        if kind == "TfidfVectorizer":
            spec, idf = _tfidf_spec(name, transformer)
            blocks.append(spec | {"column": columns})
            if idf is not None:
                tensors[f"{name}.idf"] = idf
        elif kind == "StandardScaler":
            blocks.append({"kind": "scaler", "name": name, "columns": list(columns)})
            tensors[f"{name}.mean"] = np.asarray(transformer.mean_, dtype=np.float64)
            tensors[f"{name}.scale"] = np.asarray(transformer.scale_, dtype=np.float64)
        else:
            raise TypeError(f"cannot save a pipeline step of type {kind}")
    estimators = getattr(clf, "estimators_", [clf])
    tensors["coef"] = np.vstack([e.coef_ for e in estimators]).astype(np.float64)
    tensors["intercept"] = np.concatenate([e.intercept_ for e in estimators]).astype(np.float64)
    meta = {"format": FORMAT, "blocks": blocks, "multilabel": hasattr(clf, "estimators_")}
    save_file(tensors, str(path), metadata={"pipeline": json.dumps(meta, ensure_ascii=False)})


def load_pipeline(path: str | Path) -> LinearPipeline:
    from safetensors import safe_open
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

    with safe_open(str(path), framework="numpy") as f:
        meta = json.loads(f.metadata()["pipeline"])
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    blocks = []
    for spec in meta["blocks"]:
        if spec["kind"] == "tfidf":
            params = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["params"].items()}
            vectorizer = TfidfVectorizer(**params)
            vectorizer.vocabulary_ = {term: i for i, term in enumerate(spec["vocabulary"])}
            # The weighting step, fitted on no document (its shape only), then given the saved idf.
            weighting = TfidfTransformer(norm=params["norm"], use_idf=params["use_idf"], smooth_idf=params["smooth_idf"],
                                         sublinear_tf=params["sublinear_tf"]).fit(sp.csr_matrix((1, len(spec["vocabulary"]))))
            if params["use_idf"]:
                weighting.idf_ = tensors[f"{spec['name']}.idf"]
            vectorizer._tfidf = weighting
            blocks.append({"kind": "tfidf", "column": spec["column"], "vectorizer": vectorizer})
        else:
            blocks.append({"kind": "scaler", "columns": spec["columns"], "mean": tensors[f"{spec['name']}.mean"],
                           "scale": tensors[f"{spec['name']}.scale"]})
    return LinearPipeline(blocks, tensors["coef"], tensors["intercept"], meta["multilabel"])
