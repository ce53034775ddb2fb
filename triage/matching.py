"""Find many phrases and patterns in many texts, a whole batch at a time.

Every rule table (policy triggers, the gazetteer, the product lexicon, urgency cues) is
compiled once. Literal phrases go into an Aho-Corasick automaton (pyahocorasick), which
scans a batch in one pass however many phrases there are; a regular-expression alternation
of thousands of phrases would be tried branch by branch at every character instead. The
few real regular expressions are searched per key. A batch of normalised texts is joined
with newlines (normalised texts contain none, and ``.`` does not match one), searched, and
the hits are handed back per text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick

#: Phrase flags: ``word`` needs non-letters on both sides (English words); ``suffix``
#: needs an administrative suffix after it (中山 only as 中山市/中山区…).
WORD, SUFFIX = "word", "suffix"
_SUFFIXES = frozenset("市县区镇乡州")


@dataclass(frozen=True)
class Hit:
    """One match: the rule table entry it belongs to, where it is, and what it matched."""

    key: str
    start: int
    end: int
    text: str


def _is_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def phrase_entry(key: str, phrase: str) -> tuple[str, ...]:
    """A phrase table entry; English-looking phrases must stand as whole words.

    >>> phrase_entry("fine", "fine"), phrase_entry("x", "罚款")
    (('fine', 'fine', 'word'), ('x', '罚款'))
    """
    if _is_letter(phrase[0]) or _is_letter(phrase[-1]):
        return (key, phrase, WORD)
    return (key, phrase)


class PhraseIndex:
    """A compiled set of phrases ``(key, phrase[, flag])`` and patterns ``(key, regex)``.

    With ``overlapping=False`` (a gazetteer), hits never overlap: the leftmost, then longest
    phrase wins, so 马鞍山 is not also read as 鞍山. With ``overlapping=True`` (policy
    triggers) every hit is kept, so one phrase may serve two keys.

    >>> index = PhraseIndex([("deposit", "保证金"), ("refund", "仅退款")], [("refund", "退款不退货")])
    >>> [(h.key, h.text) for h in index.find_many(["保证金不退", "仅退款了"])[1]]
    [('refund', '仅退款')]
    """

    def __init__(
        self,
        phrases: Sequence[tuple[str, ...]] = (),
        patterns: Sequence[tuple[str, str]] = (),
        overlapping: bool = False,
    ):
        self.overlapping = overlapping
        self._automaton = None
        table: dict[str, list[tuple[str, str | None]]] = {}
        for entry in phrases:
            key, phrase = entry[0], entry[1]
            flag = entry[2] if len(entry) > 2 else None
            if phrase and (key, flag) not in table.get(phrase, []):
                table.setdefault(phrase, []).append((key, flag))
        if table:
            self._automaton = ahocorasick.Automaton()
            for phrase, keys in table.items():
                self._automaton.add_word(phrase, (phrase, tuple(keys)))
            self._automaton.make_automaton()
        by_key: dict[str, list[str]] = {}
        for key, pattern in patterns:
            by_key.setdefault(key, []).append(pattern)
        self._regexes = [
            (key, re.compile("|".join(f"(?:{p})" for p in sorted(set(ps), key=len, reverse=True))))
            for key, ps in by_key.items()
        ]

    def find_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        """Hits per text (positions relative to that text), in order of position."""
        out: list[list[Hit]] = [[] for _ in texts]
        if not texts:
            return out
        joined = "\n".join(texts)
        starts = [0, *accumulate(len(t) + 1 for t in texts)][:-1]
        raw: list[tuple[int, int, str, str]] = []
        if self._automaton is not None:
            for end, (phrase, keys) in self._automaton.iter(joined):
                start = end - len(phrase) + 1
                for key, flag in keys:
                    if flag == WORD and (
                        (start > 0 and _is_letter(joined[start - 1]))
                        or (end + 1 < len(joined) and _is_letter(joined[end + 1]))
                    ):
                        continue
                    if flag == SUFFIX and joined[end + 1 : end + 2] not in _SUFFIXES:
                        continue
                    raw.append((start, end + 1, key, phrase))
        for key, regex in self._regexes:
            raw += [
                (m.start(), m.end(), key, m.group())
                for m in regex.finditer(joined)
                if m.end() > m.start()
            ]
        raw.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        last_end = -1
        for start, end, key, text in raw:
            if not self.overlapping:
                if start < last_end:
                    continue
                last_end = end
            doc = bisect_right(starts, start) - 1
            base = starts[doc]
            out[doc].append(Hit(key, start - base, end - base, text))
        return out

    def find(self, text: str) -> list[Hit]:
        """Hits in one text."""
        return self.find_many([text])[0]
