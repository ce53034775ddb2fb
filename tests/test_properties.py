"""Property tests: any text, any frame; nothing raises, everything is deterministic."""

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.amounts import find_amounts, main_amount
from triage.extract import products_many, regions_many
from triage.policies import load_catalog
from triage.taxonomy import CATEGORY_IDS, PRODUCT_CATEGORIES
from triage.text import normalize, normalize_many

# Any code point, surrogates included, plus the characters real complaints are made of.
any_text = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(
            list("退款保证金运费险罚封店仅極速￥¥元块万1234567890，。！？\u202e\u200b\n\t")
        ),
    ),
    max_size=300,
)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(any_text)
def test_classify_any_text(triager, text):
    result = triager.classify(text, explain_top=3)
    assert result.category in CATEGORY_IDS
    assert math.isclose(sum(result.probabilities.values()), 1.0, abs_tol=1e-3)
    assert 0.0 <= result.confidence <= 1.0
    if not normalize(text):
        assert result.needs_review and result.review_reason == "empty text"


def test_classify_huge_and_control_texts(triager):
    for text in ("仅退款" * 34_000, "\x00\x01\x02" * 1000, "\ud800\udfff", "‮‭" * 50):
        assert triager.classify(text).category in CATEGORY_IDS


@SETTINGS
@given(st.lists(st.one_of(st.none(), any_text, st.just(float("nan"))), max_size=25), st.data())
def test_label_frame_keeps_rows_order_and_index(triager, values, data):
    index = data.draw(
        st.lists(st.integers(-1000, 1000), min_size=len(values), max_size=len(values), unique=True)
    )
    frame = pd.DataFrame(
        {"text": pd.Series(values, dtype=object), "n": range(len(values))}, index=index
    )
    out = triager.label_frame(frame)
    assert list(out.index) == index
    assert out["n"].tolist() == list(range(len(values)))
    assert out["category"].isin(CATEGORY_IDS).all()


@SETTINGS
@given(st.lists(any_text, max_size=10), st.sampled_from(CATEGORY_IDS))
def test_rule_engine_and_extractors_never_raise_and_are_deterministic(texts, category):
    catalog = load_catalog()
    first = catalog.match_many(texts, [category] * len(texts))
    assert first == catalog.match_many(texts, [category] * len(texts))
    norm = normalize_many(texts)
    assert regions_many(norm) == regions_many(norm)
    products = products_many(norm)
    assert set(products) <= {"", *PRODUCT_CATEGORIES}


@SETTINGS
@given(any_text, st.sampled_from(CATEGORY_IDS))
def test_amount_is_never_negative(text, category):
    value = main_amount(normalize(text), category)
    assert value is None or value > 0


order_numbers = st.integers(10**18, 10**19 - 1).map(str)
phones = st.integers(13000000000, 19999999999).map(str)


@SETTINGS
@given(order_numbers, phones, st.dates())
def test_amount_never_from_order_phone_or_date(order, phone, day):
    text = f"订单号{order}，电话{phone}，{day.year}年{day.month}月{day.day}日下单，{day.isoformat()}签收"
    assert find_amounts(normalize(text)) == []


def test_batches_do_not_change_results(triager, corpus):
    texts = corpus["text"].head(64).tolist()
    together = triager.label_texts(texts)
    one_by_one = pd.concat([triager.label_texts([t]) for t in texts], ignore_index=True)
    pd.testing.assert_frame_equal(together, one_by_one)
    assert np.isfinite(together["confidence"]).all()
