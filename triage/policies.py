"""The policy catalogue (data in ``rules/policies.toml``) and the engine that maps complaints.

Matching works on normalised text (NFKC, Simplified, lower case; see :mod:`triage.text`),
and triggers are normalised the same way, so one keyword covers its Traditional and
full-width forms. What the engine handles and what it does not:

* A hit is discounted when a negation stands just before it (不是/没有/并非/无关/不涉及/
  not/no/isn't), skipping quotes and spaces: "不是仅退款的问题" does not trigger
  ``refund_only`` on its own strength. Negation further away, concession ("退款我认了")
  and irony are not understood.
* Policies are ordered by relevance: hits that are not negated, whether the policy
  usually concerns the predicted category, and where the first hit is.
* The category's default policy is always included (as a fallback when no trigger of its
  own matched), so every non-``other`` complaint names at least one policy.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from triage.errors import PolicyCatalogError
from triage.matching import ContextCues, Hits, PhraseIndex, TextBatch, phrase_entry
from triage.taxonomy import CATEGORY_IDS
from triage.text import normalize_many

MAX_POLICIES = 3
#: A negation this close before a hit (skipping spaces and quotes) discounts the hit.
_NEGATION = ContextCues(
    ["不是", "并不是", "没有", "没", "并非", "非", "无关", "不涉及", "不关", "不存在", "不算",
     "不为", "不因为", "not", "no", "isn't", "wasn't", "never"],
    skip=" \t\n\r\f\v\"'“”‘’「」『』《》()（）",
)  # fmt: skip
_NEGATION_WINDOW = 8


@dataclass(frozen=True)
class Policy:
    """One catalogue entry."""

    id: str
    name_zh: str
    name_en: str
    summary: str
    guidance: tuple[str, ...]
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    patterns: tuple[str, ...]
    official_title: str = ""
    title_verified: bool = False
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyMatch:
    """A policy a complaint concerns, with the cue that matched (``None`` for a fallback)."""

    id: str
    name_zh: str
    name_en: str
    summary: str
    guidance: tuple[str, ...]
    cue: str | None
    fallback: bool
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict:
        """JSON-ready fields."""
        return {
            "id": self.id,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "summary": self.summary,
            "guidance": list(self.guidance),
            "cue": self.cue,
            "fallback": self.fallback,
        }


@dataclass
class PolicyCatalog:
    """Validated policies plus each category's fallback policy."""

    policies: dict[str, Policy]
    defaults: dict[str, str]
    source: str = "built-in"
    _index: PhraseIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> PhraseIndex:
        if self._index is None:
            phrases, patterns = [], []
            for policy in self.policies.values():
                phrases += [phrase_entry(policy.id, k) for k in _normalized(policy.keywords)]
                patterns += [(policy.id, p) for p in policy.patterns]
            self._index = PhraseIndex(phrases, patterns, overlapping=True)
        return self._index

    def match_many(
        self,
        texts: Sequence[str] | TextBatch,
        categories: Sequence[str],
        normalized: bool = False,
    ) -> list[tuple[PolicyMatch, ...]]:
        """Policies per complaint, most relevant first, at most :data:`MAX_POLICIES`."""
        hits, ranked = self._ranked(texts, categories, normalized)
        out: list[list[PolicyMatch]] = [[] for _ in categories]
        for doc, pid, hit in ranked:
            out[doc].append(self._as_match(pid, hits, hit))
        return [tuple(m) for m in out]

    def ids_many(
        self, texts: Sequence[str] | TextBatch, categories: Sequence[str], normalized: bool = False
    ) -> list[tuple[str, ...]]:
        """Only the policy ids of :meth:`match_many` (what a labelling run writes)."""
        out: list[list[str]] = [[] for _ in categories]
        for doc, pid, _ in self._ranked(texts, categories, normalized)[1]:
            out[doc].append(pid)
        return [tuple(m) for m in out]

    def match(self, text: str, category: str) -> tuple[PolicyMatch, ...]:
        """Policies one complaint concerns.

        >>> catalog = load_catalog()
        >>> [m.id for m in catalog.match("不是仅退款的问题，是保证金三个月不退", "deposit_withheld")]
        ['deposit']
        """
        return self.match_many([text], [category])[0]

    def _ranked(
        self, texts: Sequence[str] | TextBatch, categories: Sequence[str], normalized: bool
    ) -> tuple[Hits, list[tuple[int, str, int]]]:
        """Hits, and the chosen (text, policy id, first hit or -1 for a fallback) in order.

        Per text, policies are ranked by: is the category's default, usually concerns the
        category, number of hits not negated, earliest first hit.
        """
        if not isinstance(texts, TextBatch):
            texts = TextBatch(list(texts) if normalized else normalize_many(texts))
        if len(texts) != len(categories):
            raise ValueError("texts and categories differ in length")
        hits = self.index.search(texts)
        hits = hits.take(~_NEGATION.before(texts, hits.start, _NEGATION_WINDOW))
        keys = hits.keys
        cat_ids = {c: i for i, c in enumerate(CATEGORY_IDS)}
        category = np.array([cat_ids.get(c, -1) for c in categories], dtype=np.int64)
        # related[c, k]: policy k usually concerns category c; default[c]: c's default policy.
        related = np.zeros((len(CATEGORY_IDS) + 1, len(keys)), dtype=bool)
        default = np.full(len(CATEGORY_IDS) + 1, -1, dtype=np.int64)
        for k, pid in enumerate(keys):
            for c in self.policies[pid].categories:
                related[cat_ids[c], k] = True
        for c, pid in self.defaults.items():
            if c in cat_ids and pid in keys:
                default[cat_ids[c]] = keys.index(pid)
        # One row per (text, policy): its first hit and its number of hits.
        pair = hits.doc * len(keys) + hits.key
        pair, first, count = np.unique(pair, return_index=True, return_counts=True)
        doc, key = pair // len(keys), pair % len(keys)
        cat = category[doc]
        start, length = hits.start[first], hits.end[first] - hits.start[first]
        order = np.lexsort((-length, start, -count, ~related[cat, key], key != default[cat], doc))
        chosen: list[tuple[int, str, int]] = []
        ranked = iter(
            zip(doc[order].tolist(), key[order].tolist(), first[order].tolist(), strict=True)
        )
        pending = next(ranked, None)
        for d, c in enumerate(categories):
            mine = []
            while pending is not None and pending[0] == d:
                mine.append((d, keys[pending[1]], pending[2]))
                pending = next(ranked, None)
            fallback = self.defaults.get(c)
            if fallback in self.policies and fallback not in {pid for _, pid, _ in mine}:
                mine.insert(0, (d, fallback, -1))
            chosen += mine[:MAX_POLICIES]
        return hits, chosen

    def _as_match(self, pid: str, hits: Hits, hit: int) -> PolicyMatch:
        p = self.policies[pid]
        return PolicyMatch(
            id=p.id,
            name_zh=p.name_zh,
            name_en=p.name_en,
            summary=p.summary,
            guidance=p.guidance,
            cue=hits.text(hit) if hit >= 0 else None,
            fallback=hit < 0,
            span=hits.span(hit) if hit >= 0 else None,
        )


def _normalized(keywords: Sequence[str]) -> list[str]:
    return [k for k in normalize_many(keywords) if k]


_FIELDS = ("id", "name_zh", "name_en", "summary", "guidance", "categories")


def _parse(data: dict, where: str, problems: list[str]) -> tuple[list[Policy], dict[str, str]]:
    policies = []
    for i, entry in enumerate(data.get("policy", [])):
        label = f"{where}: policy #{i + 1} ({entry.get('id', '?')})"
        missing = [f for f in _FIELDS if not entry.get(f)]
        if missing:
            problems.append(f"{label}: missing {missing}")
            continue
        keywords = tuple(str(k) for k in entry.get("keywords", []) if str(k).strip())
        patterns = tuple(str(p) for p in entry.get("patterns", []))
        if not keywords and not patterns:
            problems.append(f"{label}: no triggers (keywords and patterns are both empty)")
        unknown = sorted(set(entry["categories"]) - set(CATEGORY_IDS))
        if unknown:
            problems.append(
                f"{label}: unknown category ids {unknown}; possible values are {list(CATEGORY_IDS)}"
            )
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{label}: invalid regular expression {pattern!r}: {exc}")
        policies.append(
            Policy(
                id=str(entry["id"]),
                name_zh=str(entry["name_zh"]),
                name_en=str(entry["name_en"]),
                summary=str(entry["summary"]).strip(),
                guidance=tuple(str(g) for g in entry["guidance"]),
                categories=tuple(entry["categories"]),
                keywords=keywords,
                patterns=patterns,
                official_title=str(entry.get("official_title", "")),
                title_verified=bool(entry.get("title_verified", False)),
                sources=tuple(str(s) for s in entry.get("sources", [])),
            )
        )
    seen: set[str] = set()
    for p in policies:
        if p.id in seen:
            problems.append(f"{where}: duplicate policy id {p.id!r}")
        seen.add(p.id)
    return policies, dict(data.get("defaults", {}))


def _read_toml(source: Path | str, text: str, problems: list[str]) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{source}: not valid TOML: {exc}")
        return {}


def builtin_catalog_text() -> str:
    """The packaged catalogue's TOML source."""
    return resources.files("triage.rules").joinpath("policies.toml").read_text("utf-8")


def load_catalog(path: str | Path | None = None) -> PolicyCatalog:
    """Load the built-in catalogue, with the entries of ``path`` (if given) added or overriding.

    Raises :class:`PolicyCatalogError` listing every problem found.

    >>> catalog = load_catalog()
    >>> len(catalog.policies) >= 15, catalog.defaults["deposit_withheld"]
    (True, 'deposit')
    """
    problems: list[str] = []
    base, defaults = _parse(
        _read_toml("built-in", builtin_catalog_text(), problems), "built-in", problems
    )
    policies = {p.id: p for p in base}
    source = "built-in"
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except (FileNotFoundError, IsADirectoryError):
            raise PolicyCatalogError(f"policy catalogue not found: {path}") from None
        except UnicodeDecodeError:
            raise PolicyCatalogError(f"{path}: not UTF-8 text") from None
        data = _read_toml(path, text, problems)
        extra, extra_defaults = _parse(data, str(path), problems)
        if data and not extra and not extra_defaults:
            problems.append(f"{path}: no [[policy]] entries and no [defaults]")
        policies.update({p.id: p for p in extra})
        defaults.update(extra_defaults)
        source = f"built-in + {path}"
    for category, pid in defaults.items():
        if category not in CATEGORY_IDS:
            problems.append(f"defaults: unknown category id {category!r}")
        if pid not in policies:
            problems.append(f"defaults: {category} -> unknown policy {pid!r}")
    if problems:
        raise PolicyCatalogError(
            f"the policy catalogue has {len(problems)} problem(s):\n- " + "\n- ".join(problems)
        )
    return PolicyCatalog(policies=policies, defaults=defaults, source=source)
