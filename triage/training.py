"""Train a model from the corpus, score it, and write it with its card; evaluate files."""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from triage.config import MODEL_PREFIX
from triage.corpus import fingerprint, load_corpus
from triage.model import Scores, build_pipeline, score, train
from triage.persistence import save_model
from triage.tables import find_text_column, read_table
from triage.taxonomy import CATEGORY_IDS


def _versions() -> dict[str, str]:
    import joblib
    import numpy
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "joblib": joblib.__version__,
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def load_labelled(path: str | Path, text_column: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Texts and true categories of a labelled file (any format ``triage label`` reads)."""
    frame = read_table(path)
    if "category" not in frame.columns:
        from triage.errors import InputFormatError

        raise InputFormatError(f"{path}: no 'category' column with the true labels")
    column = find_text_column([str(c) for c in frame.columns], text_column)
    return frame[column].fillna("").astype(str), frame["category"].astype(str)


def evaluate_texts(triager, texts: pd.Series, labels: pd.Series) -> Scores:
    """Score a triager's predictions against true labels."""
    from triage.model import check_labels

    check_labels(labels)
    predicted = [r.category for r in triager.classify_many(texts.tolist())]
    return score(labels.tolist(), predicted, texts=texts.tolist())


def build_card(result, data: Path, corpus: pd.DataFrame, created: datetime, **extra) -> dict:
    """The JSON card of a trained model: classes, thresholds, data hash, versions, metrics."""
    return {
        "name": "triage complaint classifier",
        "created": created.isoformat(timespec="seconds"),
        "classes": list(CATEGORY_IDS),
        "pipeline": repr(build_pipeline()),
        "review": {
            "threshold": result.review_threshold,
            "margin": result.review_margin,
            "chosen_on": "5-fold out-of-fold probabilities of the training corpus",
            "cv_review_rate": result.cv_review_rate,
        },
        "calibration": {
            "method": "isotonic on 5 internal folds",
            "expected_calibration_error": result.cv_calibration_error,
            "measured_on": "5-fold out-of-fold probabilities of the training corpus",
        },
        "training_data": {
            "path": str(data),
            "sha256": fingerprint(data),
            "rows": len(corpus),
            "per_class": corpus["category"].value_counts().sort_index().to_dict(),
        },
        "versions": _versions(),
        "git_commit": _git_commit(),
        "metrics": {"cross_validation": result.cv_scores.to_dict()},
        **extra,
    }


def train_and_save(
    data: Path, output: Path, dev: Path | None = None, stem: str | None = None
) -> tuple[Path, dict]:
    """Train on ``data``, score on ``dev`` if it exists, write model + card into ``output``."""
    corpus = load_corpus(data)
    result = train(corpus["text"], corpus["category"])
    created = datetime.now(UTC)
    card = build_card(result, data, corpus, created)
    stem = stem or f"{MODEL_PREFIX}{created:%Y%m%d}"
    path = save_model(result.pipeline, card, output, stem)
    if dev is not None and dev.is_file():
        from triage.api import Triager
        from triage.persistence import load_model
        from triage.policies import load_catalog

        triager = Triager(load_model(path), load_catalog())
        texts, labels = load_labelled(dev)
        card["metrics"]["dev"] = {
            "path": str(dev),
            **evaluate_texts(triager, texts, labels).to_dict(),
        }
        path = save_model(result.pipeline, card, output, stem)
    return path, card


def evaluate_file(path: str | Path, model: str | Path | None = None) -> Scores:
    """Score the shipped (or given) model on a labelled file (truth in ``category``).

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "gold.csv")
    >>> _ = open(p, "w", encoding="utf-8").write("text,category\\n店铺被清退了,store_closure\\n")
    >>> evaluate_file(p).accuracy
    1.0
    """
    from triage.api import load

    texts, labels = load_labelled(path)
    return evaluate_texts(load(model), texts, labels)
