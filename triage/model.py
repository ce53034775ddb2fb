"""The classifier: pipeline, training with cross-validation, review thresholds, explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from triage.errors import LabelError
from triage.features import CharNgramHasher
from triage.ngrams import ngram_hash
from triage.taxonomy import CATEGORY_IDS

SEED = 42
N_FOLDS = 5
#: Rows whose out-of-fold top probability is at least this accurate are not flagged.
TARGET_CONFIDENT_ACCURACY = 0.95
MIN_MARGIN = 0.10


def build_pipeline() -> Pipeline:
    """The untrained model: hashed character 1-3-grams → sublinear TF-IDF → calibrated SVM.

    The linear SVM's scores are turned into probabilities by isotonic calibration fitted on
    internal cross-validation folds (one final SVM, so the model stays small).

    >>> [name for name, _ in build_pipeline().steps]
    ['ngrams', 'tfidf', 'clf']
    """
    base = LinearSVC(C=1.0, class_weight="balanced", random_state=SEED)
    return Pipeline(
        [
            ("ngrams", CharNgramHasher(ngram_range=(1, 3), n_features=2**19)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            (
                "clf",
                CalibratedClassifierCV(base, method="isotonic", cv=N_FOLDS, ensemble=False),
            ),
        ]
    )


def check_labels(labels: pd.Series) -> None:
    """Raise :class:`LabelError` listing every label that is not a taxonomy category id."""
    bad = sorted(set(labels.dropna().astype(str)) - set(CATEGORY_IDS))
    missing = int(labels.isna().sum())
    problems = []
    if bad:
        problems.append(f"unknown categories {bad}; possible values are {list(CATEGORY_IDS)}")
    if missing:
        problems.append(f"{missing} rows without a category")
    if problems:
        raise LabelError("; ".join(problems))


@dataclass(frozen=True)
class Scores:
    """Classification scores of predictions against true labels."""

    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    labels: tuple[str, ...] = CATEGORY_IDS
    by_language: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready scores."""
        return {
            "macro_f1": self.macro_f1,
            "accuracy": self.accuracy,
            "per_class": self.per_class,
            "confusion": {"labels": list(self.labels), "matrix": self.confusion},
            "by_language": self.by_language,
        }


def score(y_true, y_pred, texts=None) -> Scores:
    """Per-class precision/recall/F1, macro-F1, accuracy, confusion matrix; accuracy by
    language (Simplified, Traditional, English, mixed) when the texts are given.

    >>> round(score(["other", "other"], ["other", "arbitrary_fine"]).accuracy, 2)
    0.5
    """
    labels = list(CATEGORY_IDS)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    present = [i for i, n in enumerate(s) if n > 0]
    per_class = {
        lab: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }
    by_language = {}
    if texts is not None:
        from triage.text import language_of

        langs = np.array([language_of(t) for t in texts])
        truth, pred = np.asarray(y_true), np.asarray(y_pred)
        for lang in sorted(set(langs)):
            mask = langs == lang
            by_language[lang] = {
                "accuracy": round(float((truth[mask] == pred[mask]).mean()), 4),
                "rows": int(mask.sum()),
            }
    return Scores(
        by_language=by_language,
        macro_f1=round(float(np.mean(f[present])) if present else 0.0, 4),
        accuracy=round(float(accuracy_score(y_true, y_pred)), 4),
        per_class=per_class,
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    )


def choose_review_threshold(proba: np.ndarray, y_true: np.ndarray, classes) -> float:
    """Lowest top-probability above which out-of-fold predictions reach the target accuracy."""
    classes = np.asarray(classes)
    top = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == y_true
    for t in np.round(np.arange(0.30, 0.96, 0.01), 2):
        kept = top >= t
        if kept.sum() and correct[kept].mean() >= TARGET_CONFIDENT_ACCURACY:
            return float(t)
    return 0.95


def calibration_error(proba: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top probability (equal-width bins).

    >>> calibration_error(np.array([[0.9, 0.1], [0.6, 0.4]]), np.array([True, False]))
    0.35
    """
    top = proba.max(axis=1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in pairwise(edges):
        in_bin = (top > lo) & (top <= hi)
        if in_bin.any():
            total += in_bin.mean() * abs(top[in_bin].mean() - correct[in_bin].mean())
    return round(float(total), 4)


@dataclass
class TrainResult:
    """A fitted pipeline and what was measured while training it."""

    pipeline: Pipeline
    cv_scores: Scores
    review_threshold: float
    review_margin: float
    cv_review_rate: float
    cv_calibration_error: float = 0.0


def train(texts: pd.Series, labels: pd.Series) -> TrainResult:
    """Cross-validate (stratified k-fold), choose the review threshold, fit on all rows."""
    check_labels(labels)
    X = pd.Series(texts).fillna("").astype(str).to_numpy()
    y = pd.Series(labels).astype(str).to_numpy()
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    proba = cross_val_predict(build_pipeline(), X, y, cv=folds, method="predict_proba")
    classes = np.array(sorted(set(y)))
    pred = classes[proba.argmax(axis=1)]
    threshold = choose_review_threshold(proba, y, classes)
    ordered = np.sort(proba, axis=1)
    flagged = (ordered[:, -1] < threshold) | (ordered[:, -1] - ordered[:, -2] < MIN_MARGIN)
    pipeline = build_pipeline().fit(X, y)
    ece = calibration_error(proba, classes[proba.argmax(axis=1)] == y)
    return TrainResult(
        cv_calibration_error=ece,
        pipeline=pipeline,
        cv_scores=score(y, pred),
        review_threshold=threshold,
        review_margin=MIN_MARGIN,
        cv_review_rate=round(float(flagged.mean()), 4),
    )


def linear_coef(pipeline: Pipeline) -> np.ndarray:
    """Coefficients (classes × features) of the linear model inside the calibrated classifier."""
    clf = pipeline.named_steps["clf"]
    return clf.calibrated_classifiers_[0].estimator.coef_


def explain(pipeline: Pipeline, text: str, category: str, top: int = 8) -> list[tuple[str, float]]:
    """The character n-grams of ``text`` that pushed it most toward ``category``.

    Weights are TF-IDF value × coefficient; n-grams sharing a hash bucket share its weight.
    """
    hasher: CharNgramHasher = pipeline.named_steps["ngrams"]
    row = pipeline[:-1].transform([text]).tocsr()
    classes = list(pipeline.classes_)
    coef = linear_coef(pipeline)[classes.index(category)]
    weight = {
        int(c): float(v) * float(coef[c]) for c, v in zip(row.indices, row.data, strict=True)
    }
    seen: dict[str, float] = {}
    for gram in hasher.ngrams(text):
        if gram.strip() and gram not in seen:
            seen[gram] = weight.get(ngram_hash(gram, hasher.n_features), 0.0)
    ranked = sorted(seen.items(), key=lambda kv: kv[1], reverse=True)
    # Longer n-grams first among near-equal weights reads better; drop contained duplicates.
    picked: list[tuple[str, float]] = []
    for gram, w in ranked:
        if w <= 0 or len(picked) >= top:
            break
        if any(gram in g for g, _ in picked):
            continue
        picked.append((gram, round(w, 4)))
    return picked
