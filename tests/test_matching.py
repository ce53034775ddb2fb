"""The batch matcher against plain per-text reference implementations."""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.config import DEFAULT_TRAIN_DIR
from triage.matching import SUFFIX, WORD, ContextCues, PhraseIndex, TextBatch, anchors
from triage.policies import load_catalog
from triage.text import normalize_many

PHRASES = [("a", "退款"), ("b", "仅退款"), ("a", "款"), ("c", "fine", WORD), ("d", "中山", SUFFIX)]
# All but k run over the batch's texts joined by newlines: h's \s* can run into the next
# text, f and j look around; k's lookahead could see a newline, so it runs text by text.
PATTERNS = [("e", r"(仅|只)退(款|钱)"), ("f", r"扣\s*\d+(?!\d)"), ("g", r"罚.{0,3}款"),
            ("h", r"罚\s*\d+"), ("i", r"\bfine\d?\b"), ("j", r"(?<!仅)退钱"),
            ("k", r"罚(?!\s*\d)")]  # fmt: skip
ALPHABET = list("仅只退款钱扣罚中山市 fine1230x,")
# Built once: every new table rebuilds the automaton shared by all tables.
OVERLAPPING = PhraseIndex(PHRASES, PATTERNS, overlapping=True)
GAZETTEER = PhraseIndex(PHRASES)
texts = st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=8)


def reference(text: str, overlapping: bool) -> set[tuple[str, int, int]]:
    """Every hit found the slow way: str.find for phrases, finditer for patterns."""
    hits = set()
    for key, phrase, *flag in PHRASES:
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            ok = True
            if flag == [WORD]:
                ok = not (start and text[start - 1].isascii() and text[start - 1].isalnum())
                ok &= not (end < len(text) and text[end].isascii() and text[end].isalnum())
            if flag == [SUFFIX]:
                ok = text[end : end + 1] in set("市县区镇乡州")
            if ok:
                hits.add((key, start, end))
            start = text.find(phrase, start + 1)
    if overlapping:
        for key, pattern in PATTERNS:
            hits |= {
                (key, m.start(), m.end())
                for m in re.finditer(pattern, text)
                if m.end() > m.start()
            }
    return hits


@settings(max_examples=300, deadline=None)
@given(texts)
def test_overlapping_hits_are_every_occurrence(batch):
    found = OVERLAPPING.find_many(batch)
    assert [{(h.key, h.start, h.end) for h in hits} for hits in found] == [
        reference(t, True) for t in batch
    ]
    for t, hits in zip(batch, found, strict=True):
        assert [(h.start, -h.end) for h in hits] == sorted((h.start, -h.end) for h in hits)
        assert all(t[h.start : h.end] == h.text for h in hits)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_gazetteer_hits_are_leftmost_longest(batch):
    for t, hits in zip(batch, GAZETTEER.find_many(batch), strict=True):
        expected, last_end = [], -1
        for key, start, end in sorted(reference(t, False), key=lambda h: (h[1], h[1] - h[2])):
            if start >= last_end:
                expected.append((key, start, end))
                last_end = end
        assert [(h.key, h.start, h.end) for h in hits] == expected


@settings(max_examples=200, deadline=None)
@given(texts)
def test_a_text_gets_the_same_hits_alone_or_in_a_batch(batch):
    assert OVERLAPPING.find_many(batch) == [OVERLAPPING.find(t) for t in batch]


def test_every_catalogue_match_contains_each_anchor_set():
    corpus = pd.read_csv(DEFAULT_TRAIN_DIR / "complaints.csv")["text"]
    norm = normalize_many(corpus.tolist())
    checked = 0
    for policy in load_catalog().policies.values():
        for pattern in policy.patterns:
            sets = anchors(pattern)
            for text in norm:
                for m in re.finditer(pattern, text):
                    checked += 1
                    assert all(any(a in m.group() for a in s) for s in sets), (pattern, m.group())
    assert checked > 500


@pytest.mark.parametrize(
    ("text", "expected"),
    [("不是仅退款", True), ('并非 "仅退款', True), ("不是钱的事，仅退款", False), ("仅退款", False),
     ("isn't 仅退款", True), ("不是ab仅退款", False)],
)  # fmt: skip
def test_context_cue_before(text, expected):
    cues = ContextCues(["不是", "并非", "isn't"], skip=' "')
    batch = TextBatch(["前一条不是", text])
    position = batch.starts[1] + text.index("仅退款")
    assert cues.before(batch, np.array([position]), window=8).tolist() == [expected]


def test_context_cue_window_stays_inside_its_text():
    cues = ContextCues(["不是"], skip=" ")
    batch = TextBatch(["不是", "仅退款"])
    assert cues.before(batch, batch.starts[1:], window=8).tolist() == [False]


def test_new_tables_are_found_after_a_batch_was_scanned():
    batch = TextBatch(["保证金不退"])
    assert PhraseIndex([("x", "保证金")]).search(batch).key.tolist() == [0]
    assert PhraseIndex([("y", "不退")]).search(batch).start.tolist() == [3]


def test_a_collected_table_does_not_force_a_rebuild():
    from triage.matching import Literals

    batch_texts = ["保证金不退"]
    OVERLAPPING.find_many(batch_texts)
    built = Literals._automaton()
    PhraseIndex([("tmp", "不退")]).find_many(batch_texts)  # a new table: one rebuild
    rebuilt = Literals._automaton()
    assert rebuilt is not built
    import gc

    gc.collect()  # the temporary table is gone; the automaton stays
    assert Literals._automaton() is rebuilt
    assert [(h.key, h.text) for h in OVERLAPPING.find("保证金不退款")] == [
        ("a", "退款"),
        ("a", "款"),
    ]
