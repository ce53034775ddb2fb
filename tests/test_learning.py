"""Learning from corrections: validation, the gate, model versions, the audit."""

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from triage.cli import app
from triage.errors import LabelError
from triage.learning import learn, load_corrections, review_queue, use_model
from triage.persistence import load_model, resolve_model_path

#: A new kind of complaint the corpus never saw, corrected to `store_closure`.
NEW_TEXTS = [
    f"{place}的小店，橱窗带货资格被AI巡检一键回收，{what}，现在整个账号挂着不能卖货"
    for place in ("义乌", "临沂", "东莞", "泉州", "成都", "郑州", "杭州", "苏州", "武汉", "长沙")
    for what in ("没有任何通知", "申诉入口也是灰的", "客服说系统判定", "已经第三天了")
]


@pytest.fixture()
def workspace(tmp_path, tiny_corpus, tiny_model_dir):
    data = tmp_path / "train"
    data.mkdir()
    tiny_corpus.to_csv(data / "corpus.csv", index=False)
    models = tmp_path / "models"
    shutil.copytree(tiny_model_dir, models)
    return data, tmp_path / "corrections", models


def test_corrections_are_validated_all_at_once():
    frame = pd.DataFrame(
        {"text": ["a", "", "a", "b"], "corrected_category": ["other", "other", "other", "refunds"]}
    )
    with pytest.raises(LabelError) as info:
        load_corrections(frame, "text", "c.csv")
    message = str(info.value)
    assert "refunds" in message and "empty text" in message and "repeat a text" in message
    assert "nothing was applied" in message


def test_rows_without_a_correction_are_ignored():
    frame = pd.DataFrame({"text": ["a", "b"], "corrected_category": ["", "other"]})
    assert load_corrections(frame, "text", "c.csv")["text"].tolist() == ["b"]


def test_corrections_change_predictions_and_paraphrases(workspace):
    data, corr_dir, models = workspace
    rows = pd.DataFrame({"text": NEW_TEXTS, "category": "store_closure"})
    result = learn(rows, data, corr_dir, models)
    assert result.promoted, result.reasons
    model = load_model(models)  # follows the new ACTIVE pointer
    assert model.path == result.new_model
    paraphrases = ["晋江的小店，橱窗带货资格被AI巡检回收了，账号挂着卖不了货", NEW_TEXTS[0]]
    assert list(model.pipeline.predict(paraphrases)) == ["store_closure"] * 2


def test_shuffled_labels_are_refused_and_active_model_kept(workspace, corpus):
    data, corr_dir, models = workspace
    before = resolve_model_path(models)
    sample = corpus.sample(300, random_state=1)
    rng = np.random.default_rng(0)
    bad = pd.DataFrame(
        {
            "text": sample["text"].tolist(),
            "category": rng.permutation(sample["category"].to_numpy()),
        }
    )
    result = learn(bad, data, corr_dir, models)
    assert not result.promoted and result.reasons
    assert resolve_model_path(models) == before
    assert len(list(models.glob("*.joblib"))) == 1


def test_model_use_switches_back(workspace):
    data, corr_dir, models = workspace
    first = resolve_model_path(models).stem
    learn(pd.DataFrame({"text": NEW_TEXTS, "category": "store_closure"}), data, corr_dir, models)
    assert resolve_model_path(models).stem != first
    use_model(models, first)
    assert resolve_model_path(models).stem == first
    with pytest.raises(LabelError, match="known versions"):
        use_model(models, "triage-nope")


def test_review_queue_orders_and_offers_candidates(triager, corpus):
    frame = corpus[["id", "text"]].head(40).copy()
    queue = review_queue(frame, triager, "text", n=10)
    assert len(queue) == 10 and (queue["corrected_category"] == "").all()
    flagged = queue["needs_review"].tolist()
    assert flagged == sorted(flagged, reverse=True)
    assert (queue["probability_1"] >= queue["probability_2"]).all()


def test_cli_learn_model_list_and_review(workspace, tmp_path):
    data, corr_dir, models = workspace
    runner = CliRunner()
    corrections = tmp_path / "fix.csv"
    pd.DataFrame({"text": NEW_TEXTS, "corrected_category": "store_closure"}).to_csv(
        corrections, index=False
    )
    args = ["learn", str(corrections), "--data", str(data), "--models", str(models),
            "--corrections-dir", str(corr_dir), "--dev", str(tmp_path / "none.csv")]  # fmt: skip
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and list(corr_dir.glob("corrections-*.csv"))
    stored = pd.read_csv(next(corr_dir.glob("*.csv")))
    assert {"corrected_by", "corrected_at", "source_sha256"} <= set(stored.columns)
    listing = runner.invoke(
        app, ["model", "list", "--models", str(models)], catch_exceptions=False
    )
    assert listing.exit_code == 0 and "triage-tiny" in listing.stdout
