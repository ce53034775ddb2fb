import pytest

import triage.text as text_module
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


def test_t2s_triggers_hold_every_character_that_converts_on_its_own():
    table = text_module._t2s_triggers()
    assert table is not None, "the installed OpenCC dictionaries differ from t2s_triggers.txt"
    probe = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000 and c != 0x0A]
    converted = text_module._t2s().convert("\n".join(map(chr, probe))).split("\n")
    changed = [c for c, out in zip(probe, converted, strict=True) if out != chr(c)]
    assert changed and table[changed].all()


def test_skipping_the_converter_changes_nothing(corpus, monkeypatch):
    # Phrases that change only as a whole (沈默 -> 沉默), mixed into Simplified batches.
    phrases = ["沈默", "瞭解", "藉口", "回覆", "一目瞭然", "衹得", "土坏", "運費險", "店鋪"]
    texts = corpus["text"].tolist()[:1500]
    texts += [f"{t[:20]}{p}{t[20:40]}" for t, p in zip(texts, phrases * 200, strict=False)]
    skipped = normalize_many(texts)
    monkeypatch.setattr(text_module, "_t2s_triggers", lambda: None)
    assert skipped == normalize_many(texts)


def test_other_dictionaries_disable_the_skip(monkeypatch, tmp_path):
    import opencc

    fake = tmp_path / "clib" / "share" / "opencc"
    fake.mkdir(parents=True)
    monkeypatch.setattr(opencc, "__file__", str(tmp_path / "__init__.py"))
    text_module._t2s_triggers.cache_clear()
    try:
        assert text_module._t2s_triggers() is None  # dictionary files not found
        assert normalize("沈默") == "沉默"
    finally:
        monkeypatch.undo()
        text_module._t2s_triggers.cache_clear()
