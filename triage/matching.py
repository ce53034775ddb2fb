"""Find many phrases and patterns in many texts, a whole batch at a time.

Every rule table (policy triggers, the gazetteer, the product lexicon, urgency cues,
negation and place cues) is compiled once, and the literal strings of all of them go into
one Aho-Corasick automaton (ahocorasick-rs, :class:`Literals`): a batch is scanned once
however many tables and phrases there are, where a regular-expression alternation of
thousands of phrases would be tried branch by branch at every character.

A batch of normalised texts is joined with newlines (normalised texts contain none) into
a :class:`TextBatch`; each table picks its matches from the one scan, and the hits come back
column-wise as NumPy arrays (:class:`Hits`), so that the rules which pick a region or rank
policies work on whole arrays instead of looping over hits in Python.

The few real regular expressions run only over the texts that contain a literal of each
of their *anchor sets* (see :func:`anchors`): 仅退款 or 只退款 for ``(仅|只)退款``, found by
the same scan. Most run once over those texts joined by newlines (see :func:`joinable`);
the few whose lookarounds could see across a newline run text by text.
"""

from __future__ import annotations

import re
import re._constants as _sre_c
import re._parser as _sre
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, product
from typing import ClassVar, NamedTuple

import ahocorasick_rs
import numpy as np

from triage.text import is_unusable

#: Phrase flags: ``word`` needs non-letters on both sides (English words); ``suffix``
#: needs an administrative suffix after it (中山 only as 中山市/中山区…).
WORD, SUFFIX = "word", "suffix"
_FLAGS = {None: 0, WORD: 1, SUFFIX: 2}
_SUFFIXES = np.array([ord(c) for c in "市县区镇乡州"], dtype=np.uint32)
#: At most this many literals stand for one pattern's anchors, in at most this many sets.
_MAX_ANCHORS = 1024
_MAX_SETS = 3


class Hit(NamedTuple):
    """One match: the rule table entry it belongs to, where it is, and what it matched."""

    key: str
    start: int
    end: int
    text: str


class TextBatch:
    """Normalised texts joined once, shared by every table searched over them."""

    def __init__(self, texts: Sequence[str]):
        self.texts = list(texts)
        self.joined = "\n".join(self.texts)
        self.lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))
        #: Where each text starts in :attr:`joined`.
        self.starts = np.cumsum(self.lengths + 1) - self.lengths - 1
        self._scanned: tuple[_Combined, dict[int, np.ndarray]] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @cached_property
    def code_points(self) -> np.ndarray:
        """:attr:`joined` as an array of code points."""
        return np.frombuffer(self.joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)

    @cached_property
    def is_letter(self) -> np.ndarray:
        """ASCII letters and digits in :attr:`joined`, plus a ``False`` past its end."""
        c = self.code_points
        out = np.zeros(c.size + 1, dtype=bool)
        out[:-1] = (c - 48 < 10) | (c - 97 < 26) | (c - 65 < 26)
        return out

    def scan(self, combined: _Combined) -> dict[int, np.ndarray]:
        """Run the shared automaton of :class:`Literals` once; its matches per list."""
        if self._scanned is not None and self._scanned[0] is combined:
            return self._scanned[1]
        out: dict[int, np.ndarray] = {}
        if combined.automaton is not None and self.joined:
            utf8 = self.joined.encode("utf-8", "surrogatepass")
            found = combined.automaton.find_matches_as_indexes(utf8, overlapping=True)
            found = _int_rows(found, 3)
            # Byte offsets to character offsets: count the bytes that start a character.
            starts_char = (np.frombuffer(utf8, dtype=np.uint8) & 0xC0) != 0x80
            char_at = np.concatenate([[0], np.cumsum(starts_char, dtype=np.int32)])
            entry, n = _expand(combined.ptr, found[:, 0])
            start = np.repeat(char_at[found[:, 1]], n)
            end = np.repeat(char_at[found[:, 2]], n)
            who = combined.owner[entry]
            order = np.lexsort((start - end, start, who))
            rows = np.stack([combined.local[entry], start, end], axis=1)[order]
            bounds = np.searchsorted(who[order], np.arange(len(combined.owners) + 1))
            out = {o: rows[bounds[i] : bounds[i + 1]] for i, o in enumerate(combined.owners)}
        self._scanned = (combined, out)
        return out

    def without_words(self) -> np.ndarray:
        """:func:`triage.text.is_unusable` for every text at once.

        >>> TextBatch(["", "!!! 😡", "退款", "ok"]).without_words().tolist()
        [True, True, False, False]
        """
        c = self.code_points
        # ASCII letters and digits or CJK ideographs settle most texts; the rest go one by one.
        quick = self.is_letter[:-1] | ((c >= 0x4E00) & (c <= 0x9FFF))
        seen = np.concatenate([[0], np.cumsum(quick)])
        found = seen[self.starts + self.lengths] - seen[self.starts]
        out = np.zeros(len(self), dtype=bool)
        for i in np.flatnonzero(found == 0).tolist():
            out[i] = is_unusable(self.texts[i])
        return out

    def doc_of(self, positions: np.ndarray) -> np.ndarray:
        """The text each position of :attr:`joined` belongs to."""
        return np.searchsorted(self.starts, positions, side="right") - 1


@dataclass
class Hits:
    """Hits in a batch, column-wise, ordered by start (longer first on ties).

    ``start``/``end`` are positions in the batch's joined string; ``key`` indexes the table's
    ``keys``; ``phrase`` indexes its phrases (``-1`` for a regular-expression hit).
    """

    batch: TextBatch
    keys: list[str]
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    key: np.ndarray
    phrase: np.ndarray

    def __len__(self) -> int:
        return int(self.doc.size)

    def take(self, mask_or_index: np.ndarray) -> Hits:
        """The hits selected by a boolean mask or an index array, in that order."""
        return Hits(self.batch, self.keys, self.doc[mask_or_index], self.start[mask_or_index],
                    self.end[mask_or_index], self.key[mask_or_index], self.phrase[mask_or_index])  # fmt: skip

    def text(self, i: int) -> str:
        """What hit ``i`` matched."""
        return self.batch.joined[self.start[i] : self.end[i]]

    def span(self, i: int) -> tuple[int, int]:
        """Hit ``i``'s position within its own text."""
        base = int(self.batch.starts[self.doc[i]])
        return int(self.start[i]) - base, int(self.end[i]) - base

    def per_doc(self) -> list[list[Hit]]:
        """The hits as :class:`Hit` lists, one per text."""
        out: list[list[Hit]] = [[] for _ in range(len(self.batch))]
        for i in range(len(self)):
            start, end = self.span(i)
            out[self.doc[i]].append(Hit(self.keys[self.key[i]], start, end, self.text(i)))
        return out


def first_per_doc(doc: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Of the rows taken in ``order`` (sorted by ``doc`` first), the first of each doc."""
    d = doc[order]
    keep = np.ones(d.size, dtype=bool)
    keep[1:] = d[1:] != d[:-1]
    return order[keep]


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


def anchors(pattern: str) -> list[frozenset[str]]:
    """Sets of literals such that every match of ``pattern`` contains one of each set.

    Each run of pattern elements with a small finite language is spelled out, so
    ``(仅|只)退款`` is anchored on 仅退款 and 只退款, not on 退款 alone; ``(扣除|罚没).{0,6}保证金``
    gives two sets, {保证金} and {扣除, 罚没}, and only texts with both are searched. A weak
    set (店, in, ate: found nearly everywhere) is used only when nothing better exists, and a
    member containing another member is dropped. ``[]``: no anchor.

    >>> [sorted(a) for a in anchors("(仅|只)退(了)?款")]
    [['仅退了款', '仅退款', '只退了款', '只退款']]
    >>> [sorted(a) for a in anchors(r"(扣除|罚没).{0,6}保证金")], anchors(".*")
    ([['保证金'], ['扣除', '罚没']], [])
    >>> [sorted(a) for a in anchors(r"扣\\s*[1一]")]
    [['扣']]
    """
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return []
    if parsed.state.flags & re.IGNORECASE:
        return []
    return _anchor_sets(list(parsed))


def _anchor_sets(items) -> list[frozenset[str]]:
    """The best anchor set of each maximal run of finite elements, and of each inner group."""
    languages = [_language(op, av) for op, av in items]
    out: list[frozenset[str]] = []
    run: list[set[str]] = []
    for (op, av), language in zip([*items, (None, None)], [*languages, None], strict=True):
        if language is not None:
            run.append(language)
            continue
        best = _best_run(run)
        inner = _inner_anchor(op, av) if op is not None else None
        out += [a for a in (best, inner) if a]
        run = []
    # A member that contains another member adds nothing: the shorter one occurs too.
    out = [frozenset(x for x in a if not _contains_member(x, a)) for a in out]
    ranked = sorted(set(out), key=lambda a: (-min(map(_strength, a)), len(a), sorted(a)))
    # Weak sets (店, in, ate) are found everywhere: they cost more to collect than they
    # filter out, so one is kept only when nothing better exists.
    return ranked[:1] + [a for a in ranked[1:_MAX_SETS] if min(map(_strength, a)) >= 4]


def _contains_member(x: str, members: frozenset[str]) -> bool:
    """Whether a shorter member of ``members`` occurs in ``x``.

    >>> _contains_member("仅退了款", frozenset({"退了", "仅退款"})), _contains_member("ab", frozenset({"ab"}))
    (True, False)
    """
    return any(x[i : i + n] in members for n in range(len(x)) for i in range(len(x) - n + 1))


def _strength(literal: str) -> int:
    """How selective a literal is: a Chinese character counts two, an ASCII one one."""
    return sum(1 if ord(c) < 0x80 else 2 for c in literal)


def _best_run(languages: list[set[str]]) -> frozenset[str] | None:
    """The most selective spelled-out sub-run: longest shortest member, then fewest."""
    best = None
    for i in range(len(languages)):
        strings = {""}
        for part in languages[i:]:
            if len(strings) * len(part) > _MAX_ANCHORS:
                break
            strings = {a + b for a in strings for b in part}
            if "" not in strings:
                cand = frozenset(strings)
                if best is None or (min(map(len, cand)), -len(cand)) > (
                    min(map(len, best)),
                    -len(best),
                ):
                    best = cand
    return best


def _inner_anchor(op, av) -> frozenset[str] | None:
    """One anchor set inside a required group, branch or repeat."""
    if op is _sre_c.SUBPATTERN:
        found = _anchor_sets(list(av[-1]))
        return found[0] if found else None
    if op is _sre_c.BRANCH:
        branches = [_anchor_sets(list(b)) for b in av[1]]
        return frozenset().union(*(b[0] for b in branches)) if all(branches) else None
    if op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT) and av[0] >= 1:
        found = _anchor_sets(list(av[2]))
        return found[0] if found else None
    return None


def _language(op, av) -> set[str] | None:
    """The strings one parsed element matches, when they are few (None otherwise)."""
    if op is _sre_c.LITERAL:
        return {chr(av)}
    if op is _sre_c.IN and all(o is _sre_c.LITERAL for o, _ in av):
        return {chr(v) for _, v in av}
    if op is _sre_c.AT:
        return {""}
    if op is _sre_c.SUBPATTERN:
        return _sequence_language(list(av[-1]))
    if op is _sre_c.BRANCH:
        branches = [_sequence_language(list(b)) for b in av[1]]
        if any(b is None for b in branches):
            return None
        return _capped(set().union(*branches))
    if op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT) and av[1] <= 4:
        body = _sequence_language(list(av[2]))
        if body is None:
            return None
        out: set[str] = set()
        for k in range(av[0], av[1] + 1):
            out |= {"".join(p) for p in product(body, repeat=k)} if k else {""}
            if len(out) > _MAX_ANCHORS:
                return None
        return out
    return None


def _capped(strings: set[str]) -> set[str] | None:
    return strings if len(strings) <= _MAX_ANCHORS else None


def _sequence_language(items) -> set[str] | None:
    out = {""}
    for op, av in items:
        part = _language(op, av)
        if part is None or len(out) * len(part) > _MAX_ANCHORS:
            return None
        out = {a + b for a in out for b in part}
    return out


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


_EMPTY = np.zeros(0, dtype=np.int64)


class _Combined(NamedTuple):
    """One automaton for several literal lists; ``ptr`` (CSR) maps each of its strings to the
    (``owner`` list, ``local`` index) entries that hold it."""

    automaton: ahocorasick_rs.BytesAhoCorasick | None
    owners: list[int]
    ptr: np.ndarray
    owner: np.ndarray
    local: np.ndarray


def _int_rows(rows: list[tuple[int, ...]], width: int) -> np.ndarray:
    """A list of int tuples as an ``(n, width)`` array (twice as fast as ``np.array``)."""
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=len(rows) * width)
    return flat.reshape(-1, width)


def _expand(ptr: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR lookup: the entries of every id in ``ids``, and how many each id has.

    >>> entry, n = _expand(np.array([0, 2, 3]), np.array([1, 0]))
    >>> entry.tolist(), n.tolist()
    ([2, 0, 1], [1, 2])
    """
    n = ptr[ids + 1] - ptr[ids]
    return np.repeat(ptr[ids] - np.cumsum(n) + n, n) + np.arange(n.sum()), n


class Literals:
    """A list of literal strings searched, with every other live list, in one pass per batch.

    All lists go into one automaton over UTF-8 bytes (several times faster than scanning the
    ``str`` once per list), rebuilt (about 30 ms for the built-in tables) at the
    first scan after a list is created. A list that is garbage-collected stays in it, unused,
    until the next rebuild; a new list taking its ``id`` forces that rebuild. A
    :class:`TextBatch` runs it once; :meth:`found` then picks this list's matches.
    """

    _live: ClassVar[weakref.WeakSet[Literals]] = weakref.WeakSet()
    _combined: ClassVar[_Combined | None] = None

    def __init__(self, strings: Sequence[str]):
        self.strings = list(strings)
        Literals._live.add(self)
        Literals._combined = None

    @classmethod
    def _automaton(cls) -> _Combined:
        """The shared automaton over every live list, built on demand."""
        if cls._combined is None:
            owners = list(cls._live)
            where: dict[str, list[tuple[int, int]]] = {}
            for o, lits in enumerate(owners):
                for i, lit in enumerate(lits.strings):
                    where.setdefault(lit, []).append((o, i))
            unique = [lit for lit in where if lit]
            entries = [where[lit] for lit in unique]
            automaton = (
                ahocorasick_rs.BytesAhoCorasick(
                    [lit.encode("utf-8", "surrogatepass") for lit in unique],
                    # For the ~11,000 built-in literals a DFA takes 30 MiB, which two workers
                    # and the model's weights evict from the cache; this NFA takes 2.4 MiB
                    # and scans a batch as fast or faster.
                    implementation=ahocorasick_rs.Implementation.ContiguousNFA,
                )
                if unique
                else None
            )
            cls._combined = _Combined(
                automaton=automaton,
                owners=[id(o) for o in owners],
                ptr=np.concatenate([[0], np.cumsum([len(e) for e in entries], dtype=np.int64)]),
                owner=np.array([o for e in entries for o, _ in e], dtype=np.int64),
                local=np.array([i for e in entries for _, i in e], dtype=np.int64),
            )
        return cls._combined

    def found(self, batch: TextBatch) -> np.ndarray:
        """Every occurrence of every string of this list in the batch, overlapping ones too,
        as an ``(n, 3)`` array of (string index, start, end) ordered by start, longest first."""
        by_owner = batch.scan(Literals._automaton())
        return by_owner.get(id(self), np.zeros((0, 3), dtype=np.int64))


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
        self.keys: list[str] = list(
            dict.fromkeys([e[0] for e in phrases] + [k for k, _ in patterns])
        )
        key_id = {k: i for i, k in enumerate(self.keys)}
        table: dict[str, list[tuple[int, int]]] = {}
        for entry in phrases:
            key, phrase = entry[0], entry[1]
            flag = _FLAGS[entry[2] if len(entry) > 2 else None]
            if phrase and (key_id[key], flag) not in table.get(phrase, []):
                table.setdefault(phrase, []).append((key_id[key], flag))
        #: The automaton's phrases, and (as CSR arrays) the (key, flag) entries of each.
        self.phrases = list(table)
        sizes = [len(v) for v in table.values()]
        self._entry_ptr = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        self._entry_key = np.array([k for v in table.values() for k, _ in v], dtype=np.int64)
        self._entry_flag = np.array([f for v in table.values() for _, f in v], dtype=np.int8)
        self._literals = Literals(self.phrases)
        # Patterns run one by one (an alternation of them loses each one's prefix scan, 3x
        # slower). Each top-level alternative runs on its own, over the texts that contain
        # one of its anchors, or over the whole batch when it has none.
        self._regexes = [
            (key_id[key], re.compile(part), anchors(part))
            for key, p in dict.fromkeys(patterns)
            for part in dict.fromkeys(_alternatives(p))
        ]
        self._joinable = [joinable(regex.pattern) for _, regex, _ in self._regexes]
        # Anchor sets as CSR arrays: the (regex, set) pairs each anchor literal belongs to.
        self._n_sets = np.array([len(found) for *_, found in self._regexes], dtype=np.int64)
        self._anchor_list = sorted({a for *_, found in self._regexes for a in set().union(*found)})
        anchor_id = {a: i for i, a in enumerate(self._anchor_list)}
        pairs = sorted(
            (anchor_id[a], r, g)
            for r, (*_, found) in enumerate(self._regexes)
            for g, anchor_set in enumerate(found)
            for a in anchor_set
        )
        self._anchor_ptr = np.searchsorted([a for a, *_ in pairs], np.arange(len(anchor_id) + 1))
        self._anchor_regex = np.array([r for _, r, _ in pairs], dtype=np.int64)
        self._anchor_set = np.array([g for *_, g in pairs], dtype=np.int64)
        self._anchors = Literals(self._anchor_list)

    def search(self, batch: TextBatch) -> Hits:
        """Every hit in a batch, column-wise."""
        parts = [self._phrase_hits(batch), self._regex_hits(batch)]
        start = np.concatenate([p[0] for p in parts])
        end = np.concatenate([p[1] for p in parts])
        key = np.concatenate([p[2] for p in parts])
        phrase = np.concatenate([p[3] for p in parts])
        if parts[1][0].size:
            order = np.lexsort((start - end, start))  # stable: phrase hits first on ties
            start, end, key, phrase = start[order], end[order], key[order], phrase[order]
        if not self.overlapping:
            keep = _leftmost_longest(start, end)
            start, end, key, phrase = start[keep], end[keep], key[keep], phrase[keep]
        return Hits(batch, self.keys, batch.doc_of(start), start, end, key, phrase)

    def _phrase_hits(self, batch: TextBatch) -> tuple[np.ndarray, ...]:
        found = self._literals.found(batch)
        # One row per (hit, entry of its phrase).
        entry, n = _expand(self._entry_ptr, found[:, 0])
        phrase, start, end = (np.repeat(found[:, i], n) for i in range(3))
        flag = self._entry_flag[entry]
        ok = np.ones(entry.size, dtype=bool)
        if (flag == 1).any():
            letter = batch.is_letter
            ok &= (flag != 1) | ~(letter[start - 1] & (start > 0)) & ~letter[end]
        if (flag == 2).any():
            after = np.append(batch.code_points, 0)[end]
            ok &= (flag != 2) | np.isin(after, _SUFFIXES)
        return start[ok], end[ok], self._entry_key[entry][ok], phrase[ok]

    def _regex_hits(self, batch: TextBatch) -> tuple[np.ndarray, ...]:
        if not self._regexes or not batch.joined:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        parts = []
        every = np.arange(len(batch))
        regex_of, doc_of = self._jobs(batch)
        bounds = np.searchsorted(regex_of, np.arange(len(self._regexes) + 1))
        for r, (key, regex, found) in enumerate(self._regexes):
            docs = doc_of[bounds[r] : bounds[r + 1]] if found else every
            if docs.size:
                search = _search_joined if self._joinable[r] else _search_each
                start, end = search(regex, batch, docs)
                parts.append((start, end, np.full(start.size, key, dtype=np.int64)))
        if not parts:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        start, end, key = (np.concatenate(p) for p in zip(*parts, strict=True))
        ok = end > start
        return start[ok], end[ok], key[ok], np.full(int(ok.sum()), -1, dtype=np.int64)

    def _jobs(self, batch: TextBatch) -> tuple[np.ndarray, np.ndarray]:
        """(regex, text) pairs, sorted, where the text holds a literal of each anchor set."""
        if not self._anchor_list:
            return _EMPTY, _EMPTY
        found = self._anchors.found(batch)
        anchor, doc = found[:, 0], batch.doc_of(found[:, 1])
        entry, n = _expand(self._anchor_ptr, anchor)
        regex, anchor_set, doc = self._anchor_regex[entry], self._anchor_set[entry], doc.repeat(n)
        n_docs, max_sets = len(batch), int(self._n_sets.max())
        # Distinct (regex, text, set) triples; a pair is a job when all the regex's sets occur.
        triple = np.unique((regex * n_docs + doc) * max_sets + anchor_set)
        pair, count = np.unique(triple // max_sets, return_counts=True)
        pair = pair[count == self._n_sets[pair // n_docs]]
        return pair // n_docs, pair % n_docs

    def find_many(self, texts: Sequence[str]) -> list[list[Hit]]:
        """Hits per text (positions relative to that text), in order of position."""
        return self.search(TextBatch(texts)).per_doc()

    def find(self, text: str) -> list[Hit]:
        """Hits in one text."""
        return self.find_many([text])[0]


def _search_each(regex: re.Pattern, batch: TextBatch, docs: np.ndarray) -> tuple[np.ndarray, ...]:
    """``regex.finditer`` over each text of ``docs`` alone, as (start, end) in the batch."""
    texts = batch.texts
    found = [
        (base + m.start(), base + m.end())
        for d, base in zip(docs.tolist(), batch.starts[docs].tolist(), strict=True)
        for m in regex.finditer(texts[d])
    ]
    arr = _int_rows(found, 2)
    return arr[:, 0], arr[:, 1]


def _search_joined(
    regex: re.Pattern, batch: TextBatch, docs: np.ndarray
) -> tuple[np.ndarray, ...]:
    """What :func:`_search_each` finds, from one ``finditer`` over the texts joined by newlines.

    Only for :func:`joinable` patterns. A match that runs over a newline into the next text
    does not exist in the texts alone, and it may have hidden matches in the texts it
    touched: those texts are searched again one by one.
    """
    lengths = batch.lengths[docs]
    joined = "\n".join([batch.texts[d] for d in docs.tolist()])
    found = _int_rows([m.span() for m in regex.finditer(joined)], 2)
    offset = np.cumsum(lengths + 1) - lengths - 1  # where each text starts in ``joined``
    first = np.searchsorted(offset, found[:, 0], side="right") - 1
    last = np.searchsorted(offset, found[:, 1] - 1, side="right") - 1
    start = found[:, 0] - offset[first] + batch.starts[docs[first]]
    end = found[:, 1] - offset[first] + batch.starts[docs[first]]
    crossing = found[:, 1] > offset[first] + lengths[first]
    if not crossing.any():
        return start, end
    touched = zip(first[crossing].tolist(), last[crossing].tolist(), strict=True)
    again = np.unique(np.concatenate([np.arange(a, b + 1) for a, b in touched]))
    keep = ~np.isin(first, again)
    more = _search_each(regex, batch, docs[again])
    return np.concatenate([start[keep], more[0]]), np.concatenate([end[keep], more[1]])


#: Parsed elements whose matches do not depend on what lies outside the text.
_SELF_CONTAINED = {_sre_c.LITERAL, _sre_c.NOT_LITERAL, _sre_c.IN, _sre_c.ANY, _sre_c.BRANCH,
                   _sre_c.SUBPATTERN, _sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT}  # fmt: skip


def joinable(pattern: str) -> bool:
    """Whether ``pattern`` finds the same matches in texts joined by newlines as in each
    text alone, apart from matches that run over a newline (:func:`_search_joined`).

    True when it cannot match the empty string and uses no anchors but ``\\b``/``\\B`` (a
    newline is a non-word character, like the ends of a text), no lookaround that could
    match a newline, no backreference, no atomic group or possessive repeat: then every way
    of matching that reaches past the end of a text is a way that fails there in the text
    alone, and a lookaround sees nothing past the end that it could match.

    >>> joinable(r"\\b(fine|penalty)\\b.{0,9}保证金"), joinable(r"(?<!清)退店"), joinable(r"退?")
    (True, True, False)
    >>> joinable(r"罚(?!\\s*款)"), joinable(r"扣\\s*[1一](?![0-9.,万])"), joinable(r"(a)\\1")
    (False, True, False)
    """
    try:
        parsed = _sre.parse(pattern)
    except re.error:
        return False
    return parsed.getwidth()[0] > 0 and _self_contained(list(parsed))


def _self_contained(items) -> bool:
    return all(_element_self_contained(op, av) for op, av in items)


def _element_self_contained(op, av) -> bool:
    if op is _sre_c.AT:
        return av in (_sre_c.AT_BOUNDARY, _sre_c.AT_NON_BOUNDARY)
    if op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT):
        return _self_contained(av[1]) and not _admits_newline(av[1])
    if op not in _SELF_CONTAINED:
        return False
    if op is _sre_c.SUBPATTERN:
        return _self_contained(av[-1])
    if op is _sre_c.BRANCH:
        return all(_self_contained(b) for b in av[1])
    if op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT):
        return _self_contained(av[2])
    return True


#: Character categories (\\d, \\w, \\S, not a line break) that never match a newline.
_NO_NEWLINE = {_sre_c.CATEGORY_DIGIT, _sre_c.CATEGORY_WORD, _sre_c.CATEGORY_NOT_SPACE,
               _sre_c.CATEGORY_NOT_LINEBREAK}  # fmt: skip


def _admits_newline(items) -> bool:
    """Whether some element of parsed pattern items may match a newline (True when unsure)."""
    for op, av in items:
        if op is _sre_c.LITERAL:
            hit = av == 10
        elif op is _sre_c.NOT_LITERAL:
            hit = av != 10
        elif op is _sre_c.IN:
            hit = _class_admits_newline(av)
        elif op is _sre_c.AT:
            hit = False
        elif op is _sre_c.SUBPATTERN:
            hit = _admits_newline(av[-1])
        elif op is _sre_c.BRANCH:
            hit = any(_admits_newline(b) for b in av[1])
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT):
            hit = _admits_newline(av[2])
        else:  # ANY (a newline under DOTALL), nested lookarounds, anything rarer
            hit = True
        if hit:
            return True
    return False


def _class_admits_newline(items) -> bool:
    negate, hit = False, False
    for op, av in items:
        if op is _sre_c.NEGATE:
            negate = True
        elif op is _sre_c.LITERAL:
            hit |= av == 10
        elif op is _sre_c.RANGE:
            hit |= av[0] <= 10 <= av[1]
        elif op is _sre_c.CATEGORY:
            hit |= av not in _NO_NEWLINE
        else:
            return True
    return hit != negate


def _leftmost_longest(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Indices of the hits kept when hits (sorted by start, longest first) may not overlap."""
    keep, last_end = [], -1
    for i, (s, e) in enumerate(zip(start.tolist(), end.tolist(), strict=True)):
        if s >= last_end:
            keep.append(i)
            last_end = e
    return np.array(keep, dtype=np.int64)


class ContextCues:
    """Literal cues that change what a hit means when they stand right before or after it.

    ``before`` tells, for each position, whether a cue ends there, or only ``skip``
    characters (spaces, quotes) stand between a cue and it, with the whole cue inside the
    ``window`` characters before the position (and inside the same text); ``after`` whether
    a cue starts exactly at the position.

    >>> cues = ContextCues(["不是", "not"], skip=" \\"")
    >>> b = TextBatch(['不是"仅退款"', "仅退款"])
    >>> cues.before(b, np.array([3, 10]), window=8).tolist()
    [True, False]
    """

    def __init__(self, cues: Sequence[str], skip: str = ""):
        self._cues = Literals(list(dict.fromkeys(cues)))
        self._skip = np.array(sorted({ord(c) for c in skip}), dtype=np.uint32)

    def before(self, batch: TextBatch, positions: np.ndarray, window: int) -> np.ndarray:
        """Whether a cue stands just before each position (see the class docstring)."""
        out = np.zeros(positions.size, dtype=bool)
        found = self._cues.found(batch)
        if not found.size or not positions.size:
            return out
        n = batch.code_points.size
        # latest[e]: the latest start of a cue that ends at e (the shortest such cue).
        latest = np.full(n + 1, -1, dtype=np.int64)
        np.maximum.at(latest, found[:, 2], found[:, 1])
        # run_start[i]: where the run of skip characters that ends just before i begins.
        solid = ~np.isin(batch.code_points, self._skip)
        run_start = np.maximum.accumulate(np.where(solid, np.arange(1, n + 1), 0))
        run_start = np.concatenate([[0], run_start])
        cue_start = latest[run_start[positions]]
        bound = np.maximum(batch.starts[batch.doc_of(positions)], positions - window)
        return cue_start >= bound

    def after(self, batch: TextBatch, positions: np.ndarray) -> np.ndarray:
        """Whether a cue starts exactly at each position."""
        if not batch.joined or not positions.size:
            return np.zeros(positions.size, dtype=bool)
        return np.isin(positions, self._cues.found(batch)[:, 1])
