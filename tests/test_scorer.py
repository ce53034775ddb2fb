"""Exported weights: the same probabilities as the pipeline, saved and checked like the model."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from triage.errors import ModelLoadError
from triage.persistence import card_path, load_model, weights_path
from triage.scorer import LinearScorer
from triage.text import normalize_many


def _pipeline_proba(pipeline, normalized):
    X = pipeline.named_steps["ngrams"].transform(normalized, normalized=True)
    return pipeline[1:].predict_proba(X)


def test_shipped_weights_equal_the_pipeline_bit_for_bit(triager, corpus):
    texts = [*corpus["text"].tolist(), "", "!!!", "x" * 20_000, "運費險 refund 459元"]
    normalized = normalize_many(texts)
    scorer = triager.model.scorer
    assert scorer is not None, "the shipped model's card lists no weights"
    assert scorer.classes == tuple(triager.pipeline.classes_)
    assert np.array_equal(
        scorer.predict_proba(normalized), _pipeline_proba(triager.pipeline, normalized)
    )


def test_trained_model_gets_weights_that_round_trip(tiny_model_dir, tiny_corpus):
    model = load_model(tiny_model_dir)
    assert model.scorer is not None and model._pipeline is None  # not unpickled to predict
    assert weights_path(model.path).is_file() and len(model.card["weights_sha256"]) == 64
    normalized = normalize_many(tiny_corpus["text"].tolist())
    assert np.array_equal(
        model.predict_proba(normalized), _pipeline_proba(model.pipeline, normalized)
    )


def test_tampered_weights_are_refused_and_missing_ones_fall_back(tiny_model_dir, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    (model_file,) = folder.glob("*.joblib")
    weights = weights_path(model_file)
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelLoadError, match="does not match the SHA-256"):
        load_model(model_file)
    weights.unlink()
    model = load_model(model_file)
    assert model.scorer is None and model._pipeline is not None
    assert model.predict_proba(["店被封了"]).shape == (1, 7)


def test_a_card_without_weights_uses_the_pipeline(tiny_model_dir, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    (model_file,) = folder.glob("*.joblib")
    card = json.loads(card_path(model_file).read_text("utf-8"))
    del card["weights_sha256"]
    card_path(model_file).write_text(json.dumps(card), "utf-8")
    assert load_model(model_file).scorer is None


def test_other_pipelines_are_not_exported():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels = ["red apple", "green pear", "blue sky"], ["x", "y", "z"]
    plain = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(texts, labels)
    assert LinearScorer.from_pipeline(plain) is None


def test_loading_the_shipped_model_does_not_import_scikit_learn():
    code = "import sys, triage; triage.load(); print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
