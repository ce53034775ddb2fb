"""Find many phrases and patterns in many texts, a whole batch at a time.

Every rule table (policy triggers, the gazetteer, the product lexicon, urgency cues) is
compiled once. Literal phrases go into an Aho-Corasick automaton (ahocorasick-rs), which
scans a batch in one pass however many phrases there are; a regular-expression alternation
of thousands of phrases would be tried branch by branch at every character instead. The
few real regular expressions are searched per key. A batch of normalised texts is joined
with newlines (normalised texts contain none, and ``.`` does not match one), searched, and
the hits are handed back per text.
"""

from __future__ import annotations

import re
import re._constants as _sre_c
import re._parser as _sre
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import NamedTuple

import ahocorasick_rs

#: Phrase flags: ``word`` needs non-letters on both sides (English words); ``suffix``
#: needs an administrative suffix after it (中山 only as 中山市/中山区…).
WORD, SUFFIX = "word", "suffix"
_SUFFIXES = frozenset("市县区镇乡州")


class Hit(NamedTuple):
    """One match: the rule table entry it belongs to, where it is, and what it matched."""

    key: str
    start: int
    end: int
    text: str


def _alternatives(pattern: str) -> list[str]:
    """Split a regular expression at its top-level ``|``.

    >>> _alternatives("a(b|c)|[|]d|e")
    ['a(b|c)', '[|]d', 'e']
    """
    parts, current, depth, in_class, i = [], "", 0, False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current += pattern[i : i + 2]
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            parts.append(current)
            current, i = "", i + 1
            continue
        current += ch
        i += 1
    return [*parts, current]


def anchors(pattern: str) -> frozenset[str] | None:
    """Literals of which every match of ``pattern`` contains at least one (None: unknown).

    >>> sorted(anchors("(仅|只)退款")), sorted(anchors(r"\\bfined?\\b")), anchors(".*")
    (['退款'], ['fine'], None)
    """
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return None
    return _best_anchor(list(parsed))


def _best_anchor(items) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is _sre_c.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append(frozenset([run]))
            run = ""
        if op is _sre_c.SUBPATTERN:
            found = _best_anchor(list(av[-1]))
        elif op is _sre_c.BRANCH:
            branches = [_best_anchor(list(b)) for b in av[1]]
            found = frozenset().union(*branches) if all(branches) else None
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT) and av[0] >= 1:
            found = _best_anchor(list(av[2]))
        elif op is _sre_c.IN and all(o is _sre_c.LITERAL for o, _ in av):
            found = frozenset(chr(v) for _, v in av)
        else:
            found = None
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset([run]))
    if not candidates:
        return None
    # The most selective: the longest shortest member, then the fewest members.
    return max(candidates, key=lambda c: (min(map(len, c)), -len(c)))


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
        self._phrases = list(table.items())
        if table:
            kind = ahocorasick_rs.MatchKind
            self._automaton = ahocorasick_rs.AhoCorasick(
                [phrase for phrase, _ in self._phrases],
                matchkind=kind.Standard if overlapping else kind.LeftmostLongest,
            )
        # Patterns run one by one (an alternation of them loses each one's prefix scan, 3x
        # slower); those that need Latin letters only over the texts that have some.
        # Each top-level alternative runs on its own, and only over the texts that contain
        # one of its anchors: literals any match must contain (仅|只 for '(仅|只)退款'),
        # found for all patterns at once by one more automaton.
        self._regexes = [
            (key, re.compile(part), anchors(part))
            for key, p in dict.fromkeys(patterns)
            for part in dict.fromkeys(_alternatives(p))
        ]
        self._anchor_list = sorted({a for *_, found in self._regexes for a in found or ()})
        self._anchors = (
            ahocorasick_rs.AhoCorasick(self._anchor_list) if self._anchor_list else None
        )

    def find_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        """Hits per text (positions relative to that text), in order of position."""
        out: list[list[Hit]] = [[] for _ in texts]
        if not texts:
            return out
        joined = "\n".join(texts)
        starts = [0, *accumulate(len(t) + 1 for t in texts)][:-1]
        raw: list[tuple[int, int, str, str]] = []
        if self._automaton is not None:
            # Leftmost-longest matching happens inside the automaton when hits may not overlap.
            found = self._automaton.find_matches_as_indexes(joined, overlapping=self.overlapping)
            for index, start, end in found:
                phrase, keys = self._phrases[index]
                for key, flag in keys:
                    if flag == WORD and (
                        (start > 0 and _is_letter(joined[start - 1]))
                        or (end < len(joined) and _is_letter(joined[end]))
                    ):
                        continue
                    if flag == SUFFIX and joined[end : end + 1] not in _SUFFIXES:
                        continue
                    raw.append((start, end, key, phrase))
        docs_with: dict[str, set[int]] = {}
        if self._anchors is not None:
            positions = [0, *accumulate(len(t) + 1 for t in texts)]
            for index, start, _ in self._anchors.find_matches_as_indexes(joined, overlapping=True):
                doc = bisect_right(positions, start) - 1
                docs_with.setdefault(self._anchor_list[index], set()).add(doc)
        for key, regex, found in self._regexes:
            if found is None:
                raw += [
                    (m.start(), m.end(), key, m.group())
                    for m in regex.finditer(joined)
                    if m.end() > m.start()
                ]
                continue
            docs = sorted(set().union(*(docs_with.get(a, ()) for a in found)))
            for doc in docs:
                base = starts[doc]
                raw += [
                    (base + m.start(), base + m.end(), key, m.group())
                    for m in regex.finditer(texts[doc])
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
