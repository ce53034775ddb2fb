import pytest

from triage.text import is_unusable, normalize, normalize_many


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("運費險被強制開通", "运费险被强制开通"),
        ("ＡＢＣ１２３！", "abc123!"),
        ("  多个   空格\t\r\n换行  ", "多个 空格 换行"),
        ("a\u202eb\u200bc", "a b c"),
        ("\ud800孤立代理", "�孤立代理"),
        ("REFUND Only", "refund only"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_many_keeps_one_output_per_input():
    texts = ["a\x1fb", None, float("nan"), "", "仅退款"]
    out = normalize_many(texts)
    assert out == ["a b", "", "", "", "仅退款"]


def test_unusable():
    assert is_unusable(normalize("😡😡😡！！！"))
    assert not is_unusable(normalize("退款"))
