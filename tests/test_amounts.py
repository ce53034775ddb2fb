import pytest

from triage.amounts import chinese_number, find_amounts, main_amount, main_amounts
from triage.text import normalize


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("罚了1280元", 1280),
        ("保费¥39.9", 39.9),
        ("扣了3,500 块", 3500),
        ("保证金1.2万一直不退", 12000),
        ("损失三千多块", 3000),
        ("罚款两百元", 200),
        ("退款89元", 89),
        ("一单赔3蚊", 3),
        ("deducted RMB 500 from us", 500),
        ("保費１２０元", 120),  # full-width digits
        ("罚款5k", 5000),
        ("违约金5,000被扣", 5000),
    ],
)
def test_forms(text, value):
    assert main_amount(normalize(text)) == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "订单号6931058827460113925",
        "联系电话13812345678",
        "2025年7月28日提交",
        "2025-07-28 14:30",
        "退货率12%",
        "卖了300单",
        "体验分86分",
        "",
    ],
)
def test_never_money(text):
    assert find_amounts(normalize(text)) == []


def test_prefers_the_grievance_sum():
    text = normalize("一条连衣裙459元，运费12元，订单6931058827460113925，平台判仅退款459元")
    assert main_amount(text, "arbitrary_refund") == 459
    text = normalize("保证金2000元，上个月被扣了1500元，请退回1500元")
    assert main_amount(text, "deposit_withheld") == 1500
    text = normalize("9月运费险一共扣了3,126元，每单1.2元")
    assert main_amount(text, "forced_shipping_insurance") == 3126


def test_chinese_numbers():
    assert chinese_number("一万二") == 12000
    assert chinese_number("三千五") == 3500
    assert chinese_number("十") == 10
    assert chinese_number("abc") is None


def test_batch_matches_one_by_one_and_keeps_texts_apart():
    texts = [
        normalize(t)
        for t in [
            "一条连衣裙459元，运费12元，平台判仅退款459元",
            "",
            "店铺开了三年，从来没有违规",
            "扣了",  # a money word at the end of one text does not reach into the next
            "5",
            "保证金2000元，上个月被扣了1500元，请退回1500元",
            "9月运费险一共扣了3,126元，每单1.2元",
            "罚款5k",
            "订单号6931058827460113925",
            "每单",  # nor does a per-unit word lower the first sum of the next text
            "100元，另外还有别的费用也就是200元",
        ]
    ]
    texts.append("扣了\x005")  # unnormalised: NUL is what joins a batch
    categories = ["arbitrary_refund", "other", "store_closure", "arbitrary_fine", "arbitrary_fine"]
    categories += ["deposit_withheld", "forced_shipping_insurance", "arbitrary_fine", "other"]
    categories += ["other", "other", "arbitrary_fine"]
    expected = [459.0, None, None, None, None, 1500.0, 3126.0, 5000.0, None, None, 100.0, None]
    assert main_amounts(texts, categories) == expected
    assert [main_amount(t, c) for t, c in zip(texts, categories, strict=True)] == expected
    reordered = main_amounts(texts[::-1], categories[::-1])
    assert reordered == expected[::-1]


def test_batch_edges():
    assert main_amounts([], []) == []
    assert main_amounts(["", "", "没有数字"], ["other"] * 3) == [None, None, None]
    with pytest.raises(ValueError):
        main_amounts(["罚了300元"], [])
