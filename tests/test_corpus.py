"""The training corpus: size, balance, validity, no near-duplicates, shipped model in step."""

import pandas as pd
import pytest

from triage.corpus import fingerprint, load_corpus
from triage.persistence import load_model
from triage.similarity import near_duplicates
from triage.taxonomy import CATEGORY_IDS, PRODUCT_CATEGORIES

from .conftest import DEV, ROOT, TRAIN


def test_corpus_size_and_balance(corpus):
    counts = corpus["category"].value_counts()
    assert set(counts.index) == set(CATEGORY_IDS)
    assert counts.min() >= 250
    assert len(corpus) >= 1750


def test_corpus_validates():
    frame = load_corpus(TRAIN)
    assert frame["id"].is_unique


def test_field_values_are_taxonomy_ids(corpus):
    products = set(corpus["product_category"]) - {""}
    assert products <= set(PRODUCT_CATEGORIES)
    amounts = pd.to_numeric(corpus["amount_yuan"].replace("", None))
    assert (amounts.dropna() > 0).all()
    assert corpus["date"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_languages_are_mixed(corpus):
    langs = corpus["lang"].value_counts()
    assert langs["zh-Hans"] > langs.drop("zh-Hans").sum()  # Simplified Chinese mostly
    assert langs["zh-Hant"] >= 200 and langs["en"] >= 200


def test_no_near_duplicates_in_corpus(corpus):
    pairs = near_duplicates(corpus["text"].tolist(), threshold=0.8)
    assert pairs == [], [(corpus["id"][i], corpus["id"][j], s) for i, j, s in pairs[:5]]


@pytest.mark.skipif(not DEV.is_file(), reason="dev set absent: overlap check SKIPPED")
def test_no_corpus_text_is_near_a_dev_row(corpus):
    dev_texts = pd.read_csv(DEV)["text"].astype(str).tolist()
    assert near_duplicates(corpus["text"].tolist(), dev_texts, threshold=0.8) == []


def test_shipped_model_was_trained_on_this_corpus():
    card = load_model(ROOT / "models").card
    if "corrections" in card:
        pytest.skip("the active model was trained with corrections (triage learn)")
    assert card["training_data"]["sha256"] == fingerprint(ROOT / "data" / "train"), (
        "data/train changed since the shipped model was trained: run `triage train`"
    )
