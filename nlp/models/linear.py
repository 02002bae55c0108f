"""The fast taggers: TF-IDF + one-vs-rest logistic regression for themes, and a boilerplate classifier.

Both follow scikit-learn: parameters in ``__init__``, learned state in
attributes ending in ``_``. Inputs are segment records (see
:mod:`nlp.models.features`); per-label decision thresholds are tuned on a
development split with :meth:`tune_thresholds` and kept in the model.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from nlp.labels.labelset import LabelSet
from nlp.models.base import Estimator, ModelError, Predictions, TaggerModel
from nlp.models.card import read_card
from nlp.models.features import NUMERIC_COLUMNS, frame
from nlp.models.pipelines import load_pipeline, save_pipeline
from nlp.models.thresholds import best_threshold, decide, tune_thresholds
from nlp.reuse.ngrams import NgramReference, load_references, save_references
from nlp.text.inputs import SegmentInput
from nlp.text.tokenizer import default_tokenizer


REFERENCE_NAMES = ("word4", "char8")
REUSE_FILE = "reuse.safetensors"  # the optional `families` boilerplate features (nlp/reuse/reference.py)


def _text_views(word_ngrams=(1, 2), char_ngrams=(1, 3), min_df=1, max_features=None) -> list:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [
        ("words", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=word_ngrams,
                                  min_df=min_df, max_features=max_features, sublinear_tf=True), "words"),
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=char_ngrams, min_df=min_df,
                                  max_features=max_features, sublinear_tf=True), "chars"),
        ("context", TfidfVectorizer(token_pattern=r"\S+", lowercase=False), "context"),
        ("cues", TfidfVectorizer(token_pattern=r"\S+", lowercase=False, use_idf=False, norm=None), "cues"),
    ]


def _compact(pipeline) -> None:
    """Make fitted vectorizers small on disk: drop the pruned-term sets (kept only for
    introspection) and store vocabulary indices as plain ints, not one numpy scalar each."""
    for _, transformer, _ in pipeline.named_steps["features"].transformers_:
        if hasattr(transformer, "stop_words_"):
            transformer.stop_words_ = None
        if hasattr(transformer, "vocabulary_"):
            transformer.vocabulary_ = {term: int(i) for term, i in transformer.vocabulary_.items()}


def out_of_fold(estimator, records: Sequence[SegmentInput], targets: Sequence, groups: Sequence[str], n_splits: int = 5,
                *fit_args) -> np.ndarray:
    """Scores of each record from a clone of ``estimator`` fitted without its document (GroupKFold)."""
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold

    scores = None
    for fit_idx, held_idx in GroupKFold(n_splits=min(n_splits, len(set(groups)))).split(records, groups=groups):
        fold = clone(estimator).fit([records[i] for i in fit_idx], [targets[i] for i in fit_idx], *fit_args)
        held = fold.predict_proba([records[i] for i in held_idx])
        if scores is None:
            scores = np.zeros((len(records),) + held.shape[1:])
        scores[held_idx] = held
    return scores


class LinearTagger(Estimator):
    """Multi-label theme tagger: word, character and section/heading TF-IDF + one-vs-rest logistic regression."""

    def __init__(self, C: float = 4.0, class_weight: str | None = "balanced", word_ngrams=(1, 2),
                 char_ngrams=(1, 3), min_df: int = 2, max_features: int | None = 20000, top_k: int | None = None,
                 cue_words: dict[str, list[str]] | None = None, tokenizer: str = "rjieba"):
        self.C = C
        self.tokenizer = tokenizer
        self.max_features = max_features
        self.cue_words = cue_words
        self.class_weight = class_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.top_k = top_k

    def _frame(self, records):
        """Records → feature frame; a frame already built (see LinearModel.predict) passes through."""
        if isinstance(records, pd.DataFrame):
            return records
        return frame(records, default_tokenizer(self.tokenizer), cue_words=self.cue_words)

    def fit(self, records: Sequence[SegmentInput], themes: Sequence[Sequence[str]], labels: Sequence[str]):
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import MultiLabelBinarizer

        self.labels_ = list(labels)
        binarizer = MultiLabelBinarizer(classes=self.labels_)
        y = binarizer.fit_transform(themes)
        present = y.sum(axis=0) > 0
        self.pipeline_ = Pipeline([
            ("features", ColumnTransformer(_text_views(tuple(self.word_ngrams), tuple(self.char_ngrams), self.min_df,
                                                      self.max_features))),
            ("clf", OneVsRestClassifier(LogisticRegression(C=self.C, class_weight=self.class_weight,
                                                           solver="liblinear", max_iter=2000))),
        ])
        # Labels with no positive example cannot be learned; they are never predicted.
        self.trained_ = present
        self.pipeline_.fit(self._frame(records), y[:, present])
        _compact(self.pipeline_)
        self.thresholds_ = np.full(len(self.labels_), 0.5)
        return self

    def predict_proba(self, records: Sequence[SegmentInput]) -> np.ndarray:
        scores = np.zeros((len(records), len(self.labels_)))
        if len(records):
            scores[:, self.trained_] = self.pipeline_.predict_proba(self._frame(records))
        return scores

    def cross_val_proba(self, records: Sequence[SegmentInput], themes: Sequence[Sequence[str]], groups: Sequence[str],
                        n_splits: int = 5) -> np.ndarray:
        """Out-of-fold scores on the training data, folds grouped by document."""
        return out_of_fold(self, records, themes, groups, n_splits, self.labels_)

    def tune_thresholds(self, records: Sequence[SegmentInput], themes: Sequence[Sequence[str]],
                        prior: tuple[np.ndarray, Sequence[Sequence[str]]] | None = None):
        """Per-label thresholds that maximise F1 on a development split.

        ``prior`` adds (scores, themes) of more held-out segments, e.g. out-of-fold scores on
        train, because a few hundred dev segments alone make rare labels' thresholds noisy.
        """
        from sklearn.preprocessing import MultiLabelBinarizer

        binarizer = MultiLabelBinarizer(classes=self.labels_)
        y = binarizer.fit_transform(themes)
        scores = self.predict_proba(records)
        if prior is not None:
            scores = np.vstack([scores, prior[0]])
            y = np.vstack([y, binarizer.transform(prior[1])])
        self.thresholds_ = tune_thresholds(y, scores, self.trained_)
        return self

    def decide(self, scores: np.ndarray) -> list[list[str]]:
        """Labels whose score passes its threshold, at most ``top_k`` of them by score."""
        return decide(scores, self.thresholds_, self.labels_, self.top_k)

    def predict(self, records: Sequence[SegmentInput]) -> list[list[str]]:
        return self.decide(self.predict_proba(records))


class BoilerplateDetector(Estimator):
    """Stock-text classifier: n-gram document frequency across reports, specificity cues and text TF-IDF.

    ``references`` maps ``"word4"`` and ``"char8"`` to :class:`~nlp.reuse.ngrams.NgramReference`
    statistics of a reference corpus; they are saved with the model. ``reuse`` (a
    :class:`~nlp.reuse.reference.ReuseReference`) switches on the optional ``families`` feature
    group: sentence-family size, distinct bodies and Lang & Stice-Lawrence phrases in that corpus.
    """

    def __init__(self, references: dict[str, NgramReference] | None = None, C: float = 0.5,
                 use_text: bool = True, class_weight: str | None = "balanced", max_features: int | None = 10000,
                 reuse=None, tokenizer: str = "rjieba"):
        self.tokenizer = tokenizer
        self.references = references
        self.reuse = reuse
        self.max_features = max_features
        self.C = C
        self.use_text = use_text
        self.class_weight = class_weight

    def _frame(self, records):
        if isinstance(records, pd.DataFrame):
            return records
        return frame(records, default_tokenizer(self.tokenizer), self.references, with_signals=True, reuse=self.reuse)

    def fit(self, records: Sequence[SegmentInput], boilerplate: Sequence[bool]):
        from sklearn.compose import ColumnTransformer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        signals = list(NUMERIC_COLUMNS) + (list(self.reuse.columns) if self.reuse is not None else [])
        columns = [("signals", StandardScaler(), signals)]
        if self.use_text:
            columns += [view for view in _text_views(min_df=2, max_features=self.max_features)
                        if view[0] in ("words", "chars")]
        self.pipeline_ = Pipeline([
            ("features", ColumnTransformer(columns)),
            ("clf", LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)),
        ])
        self.pipeline_.fit(self._frame(records), np.asarray(boilerplate, dtype=int))
        _compact(self.pipeline_)
        self.threshold_ = 0.5
        return self

    def predict_proba(self, records: Sequence[SegmentInput]) -> np.ndarray:
        if not len(records):
            return np.zeros(0)
        return self.pipeline_.predict_proba(self._frame(records))[:, 1]

    def cross_val_proba(self, records: Sequence[SegmentInput], boilerplate: Sequence[bool], groups: Sequence[str],
                        n_splits: int = 5) -> np.ndarray:
        """Out-of-fold scores on the training data, folds grouped by document."""
        return out_of_fold(self, records, list(boilerplate), groups, n_splits)

    def tune_threshold(self, records: Sequence[SegmentInput], boilerplate: Sequence[bool],
                       prior: tuple[np.ndarray, Sequence[bool]] | None = None):
        """The F1-maximising threshold on a development split, plus ``prior`` (held-out scores, labels)."""
        y, scores = np.asarray(boilerplate, dtype=int), self.predict_proba(records)
        if prior is not None:
            y, scores = np.r_[y, np.asarray(prior[1], dtype=int)], np.r_[scores, prior[0]]
        self.threshold_ = best_threshold(y, scores)
        return self

    def predict(self, records: Sequence[SegmentInput]) -> np.ndarray:
        return self.predict_proba(records) >= self.threshold_


class LinearModel(TaggerModel):
    """Theme tagger + boilerplate detector, both scikit-learn."""

    kind = "linear"

    def __init__(self, labelset: LabelSet, themes: LinearTagger, boilerplate: BoilerplateDetector,
                 card: dict | None = None):
        super().__init__(labelset, card)
        self.themes = themes
        self.boilerplate = boilerplate

    @property
    def word_tokenizer(self):
        return default_tokenizer(self.themes.tokenizer)

    def predict(self, records: Sequence[SegmentInput]) -> Predictions:
        # One feature frame serves both classifiers; each selects its columns by name.
        features = frame(records, self.word_tokenizer, self.boilerplate.references, with_signals=True,
                         cue_words=self.themes.cue_words, reuse=self.boilerplate.reuse)
        scores = self.themes.predict_proba(features)
        bp_scores = self.boilerplate.predict_proba(features)
        return Predictions(self.labels, self.themes.decide(scores), scores,
                           bp_scores >= self.boilerplate.threshold_, bp_scores)

    def _config(self) -> dict:
        return {
            "themes": {"params": self.themes.get_params(), "thresholds": self.themes.thresholds_.tolist(),
                       "trained": self.themes.trained_.tolist()},
            "boilerplate": {"params": {k: v for k, v in self.boilerplate.get_params().items()
                                       if k not in ("references", "reuse")},
                            "threshold": self.boilerplate.threshold_,
                            "features": "families" if self.boilerplate.reuse is not None else "default"},
            "tokenizer_hash": self.word_tokenizer.hash,
        }

    def _save_weights(self, path: Path) -> None:
        for name, estimator in (("themes", self.themes), ("boilerplate", self.boilerplate)):
            save_pipeline(estimator.pipeline_, path / f"{name}.safetensors")
            (path / f"{name}.skops").unlink(missing_ok=True)  # an older save in the same directory
        save_references(path / "references.safetensors", self.boilerplate.references or {})
        if self.boilerplate.reuse is not None:
            self.boilerplate.reuse.save(path / REUSE_FILE)

    @classmethod
    def _load(cls, path: Path, config: dict, labelset: LabelSet) -> "LinearModel":
        # Models saved before the tokenizer became a parameter were trained on jieba's tokens.
        themes = LinearTagger(**{"tokenizer": "jieba", **_tuple_params(config["themes"]["params"])})
        themes.labels_ = list(config["labels"])
        themes.thresholds_ = np.array(config["themes"]["thresholds"])
        themes.trained_ = np.array(config["themes"]["trained"], dtype=bool)
        themes.pipeline_ = _load_pipeline(path, "themes")
        references = load_references(path / "references.safetensors", REFERENCE_NAMES)
        reuse = None
        if config["boilerplate"].get("features") == "families":
            from nlp.reuse.reference import ReuseReference  # optional feature group; datasketch is slow to import

            reuse = ReuseReference.load(path / REUSE_FILE)
        boilerplate = BoilerplateDetector(references=references, reuse=reuse,
                                          **{"tokenizer": "jieba", **config["boilerplate"]["params"]})
        boilerplate.pipeline_ = _load_pipeline(path, "boilerplate")
        boilerplate.threshold_ = config["boilerplate"]["threshold"]
        model = cls(labelset, themes, boilerplate, read_card(path))
        if config.get("tokenizer_hash") not in (None, model.word_tokenizer.hash):
            warnings.warn(f"{path}: trained with tokenizer {config['tokenizer_hash']}, "
                          f"this package's is {model.word_tokenizer.hash}; scores may shift")
        return model


def _tuple_params(params: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def _load_pipeline(path: Path, name: str):
    """``<name>.safetensors`` (this package's safe format, no skops import); models saved before it have
    ``<name>.skops``, which skops loads only if every type in it is scikit-learn's own."""
    if (path / f"{name}.safetensors").exists():
        return load_pipeline(path / f"{name}.safetensors")
    import skops.io as sio

    try:
        return sio.load(path / f"{name}.skops")
    except sio.exceptions.UntrustedTypesFoundException as err:
        raise ModelError(f"{path / (name + '.skops')}: refuses to load types that are not scikit-learn's own: {err}") from None
