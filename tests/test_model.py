import numpy as np
import pytest

from triage.errors import LabelError, ModelLoadError
from triage.model import check_labels, explain, score, train
from triage.persistence import load_model
from triage.taxonomy import CATEGORY_IDS


def test_training_is_deterministic(tiny_corpus):
    a = train(tiny_corpus["text"], tiny_corpus["category"])
    b = train(tiny_corpus["text"], tiny_corpus["category"])
    probe = ["平台仅退款，货没回来", "保证金不退"]
    assert np.array_equal(a.pipeline.predict_proba(probe), b.pipeline.predict_proba(probe))
    assert a.cv_scores == b.cv_scores
    assert 0.3 <= a.review_threshold <= 0.95


def test_probabilities_cover_all_classes(tiny_model_dir):
    model = load_model(tiny_model_dir)
    proba = model.pipeline.predict_proba(["", "店被封了", "x" * 100_000])
    assert proba.shape == (3, 7)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert sorted(model.pipeline.classes_) == sorted(CATEGORY_IDS)


def test_card_records_provenance(tiny_model_dir):
    card = load_model(tiny_model_dir).card
    assert card["classes"] == list(CATEGORY_IDS)
    assert len(card["training_data"]["sha256"]) == 64
    assert {"threshold", "margin"} <= set(card["review"])
    assert "macro_f1" in card["metrics"]["cross_validation"]
    assert "scikit-learn" in card["versions"]


def test_check_labels_lists_every_problem():
    import pandas as pd

    with pytest.raises(LabelError) as info:
        check_labels(pd.Series(["other", "refund", None, "fine"]))
    message = str(info.value)
    assert "fine" in message and "refund" in message and "1 rows without" in message


def test_score_known_values():
    s = score(["other", "other", "store_closure"], ["other", "store_closure", "store_closure"])
    assert s.accuracy == pytest.approx(0.6667, abs=1e-4)
    assert s.per_class["other"]["recall"] == 0.5


def test_explanation_names_ngrams_of_the_text(triager):
    result = triager.classify("保证金退店三个月了还不退")
    assert result.explanation
    assert all(gram in "保证金退店三个月了还不退" for gram, _ in result.explanation)
    assert all(weight > 0 for _, weight in result.explanation)


def test_explain_direct(triager):
    grams = explain(triager.pipeline, "运费险强制开通", "forced_shipping_insurance")
    assert any("运费" in g or "险" in g for g, _ in grams)


def test_tampered_model_is_refused(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(tiny_model_dir, copy)
    model_file = next(copy.glob("*.joblib"))
    model_file.write_bytes(model_file.read_bytes()[:-100])
    with pytest.raises(ModelLoadError, match="SHA-256"):
        load_model(copy)


def test_missing_card_and_missing_model(tiny_model_dir, tmp_path):
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(tiny_model_dir, copy)
    next(copy.glob("*.json")).unlink()
    with pytest.raises(ModelLoadError, match="card"):
        load_model(copy)
    with pytest.raises(ModelLoadError, match="not found"):
        load_model(tmp_path / "nope.joblib")
    with pytest.raises(ModelLoadError, match="no model"):
        load_model(tmp_path)
