"""The issue floors on the development set (read from ../shared/eval/, never copied)."""

import pandas as pd
import pytest

from triage.evaluation import score_rules
from triage.training import evaluate_texts


@pytest.fixture(scope="module")
def dev_scores(triager, dev):
    return evaluate_texts(triager, dev["text"].astype(str), dev["category"])


@pytest.fixture(scope="module")
def rule_scores(triager, dev):
    return score_rules(dev, triager.label_texts(dev["text"].tolist()))


def test_classifier_floors(dev_scores):
    assert dev_scores.macro_f1 >= 0.85
    assert min(m["f1"] for m in dev_scores.per_class.values()) >= 0.70
    for lang in ("zh-Hant", "en"):
        assert dev_scores.by_language[lang]["accuracy"] >= 0.75


def test_beats_keyword_baseline_by_15_points(dev_scores, dev):
    from triage.baseline import KeywordBaseline
    from triage.model import score

    baseline = score(dev["category"], KeywordBaseline().predict(dev["text"].tolist()))
    assert dev_scores.macro_f1 - baseline.macro_f1 >= 0.15


def test_rule_layer_floors(rule_scores):
    assert rule_scores["policy_recall"] >= 0.85
    assert rule_scores["policies_per_complaint"] <= 3
    assert rule_scores["region_accuracy"] >= 0.95
    assert rule_scores["region_invented_rate"] <= 0.05
    assert rule_scores["product_accuracy"] >= 0.85
    assert rule_scores["amount_exact"] >= 0.90


def test_dev_rows_keep_count(triager, dev):
    out = triager.label_frame(dev, text_column="text", prefix="t_")
    assert len(out) == len(dev) and isinstance(out, pd.DataFrame)
