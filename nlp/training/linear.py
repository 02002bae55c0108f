"""The linear recipe: TF-IDF + logistic regression themes, boilerplate detector, held-out thresholds."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from nlp.models.linear import BoilerplateDetector, LinearModel, LinearTagger
from nlp.reuse.ngrams import build_references
from nlp.text.tokenizer import default_tokenizer
from nlp.training.data import TrainingData, reference_texts

FIT_ON = ("train", "train+dev")
BOILERPLATE_FEATURES = ("default", "families")


@dataclass
class LinearTrainingConfig:
    """Settings of the linear recipe; the estimators' own defaults are the single source of C."""

    C: float = LinearTagger().C
    boilerplate_C: float = BoilerplateDetector().C
    boilerplate_features: str = "default"  # default | families (sentence-family features of the reference)
    fit_on: str = "train"                  # train (thresholds from dev + out-of-fold) | train+dev (out-of-fold)
    reference: str | None = None           # report corpus for boilerplate n-gram frequencies
    tokenizer: str = LinearTagger().tokenizer  # jieba | rjieba (docs/performance.md)

    def __post_init__(self):
        if self.fit_on not in FIT_ON:
            raise ValueError(f"unknown fit_on {self.fit_on!r}; expected one of {', '.join(FIT_ON)}")
        if self.boilerplate_features not in BOILERPLATE_FEATURES:
            raise ValueError(f"unknown boilerplate features {self.boilerplate_features!r}; "
                             f"expected one of {', '.join(BOILERPLATE_FEATURES)}")

    def to_dict(self) -> dict:
        return asdict(self)


def train_linear(cfg: LinearTrainingConfig, data: TrainingData) -> tuple[LinearModel, dict, dict]:
    """Fit both estimators; thresholds come from held-out scores: dev (unless fitted on) plus
    out-of-fold scores of the fit data. Returns the model, its parameters and data notes for the card."""
    labels = data.labelset
    reference = Path(cfg.reference) if cfg.reference else None
    texts, ref_name = reference_texts(reference, data.documents)
    refs = build_references(texts, default_tokenizer(cfg.tokenizer))
    train, dev = data.segments("train"), data.segments("dev")
    if cfg.fit_on == "train":
        fit, fit_inputs, tune, tune_inputs = train, data.inputs("train"), dev, data.inputs("dev")
    else:
        fit, fit_inputs, tune, tune_inputs = train + dev, data.inputs("train") + data.inputs("dev"), [], []
    groups = [s.doc_id for s in fit]
    themes = LinearTagger(C=cfg.C, cue_words=labels.cue_words(), tokenizer=cfg.tokenizer).fit(
        fit_inputs, [s.themes for s in fit], labels.ids)
    oof = themes.cross_val_proba(fit_inputs, [s.themes for s in fit], groups)
    themes.tune_thresholds(tune_inputs, [s.themes for s in tune], prior=(oof, [s.themes for s in fit]))
    reuse = None
    if cfg.boilerplate_features == "families":
        from nlp.reuse.reference import ReuseReference

        reuse = ReuseReference.for_training(reference, data.documents)
    detector = BoilerplateDetector(references=refs, C=cfg.boilerplate_C, reuse=reuse, tokenizer=cfg.tokenizer).fit(
        fit_inputs, [s.boilerplate for s in fit])
    prior = None
    if cfg.fit_on == "train+dev":
        prior = (detector.cross_val_proba(fit_inputs, [s.boilerplate for s in fit], groups),
                 [s.boilerplate for s in fit])
    detector.tune_threshold(tune_inputs, [s.boilerplate for s in tune], prior=prior)
    params = {"fit_on": cfg.fit_on, "themes": themes.get_params(),
              "boilerplate": {"C": cfg.boilerplate_C, "use_text": True, "features": cfg.boilerplate_features},
              "tokenizer": cfg.tokenizer,
              "thresholds": dict(zip(labels.ids, themes.thresholds_.round(4).tolist())),
              "boilerplate_threshold": round(detector.threshold_, 4)}
    return LinearModel(labels, themes, detector), params, {"reference": ref_name, "reference_docs": len(texts)}
