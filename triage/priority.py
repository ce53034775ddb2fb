"""Priority (high / medium / low) from rules kept as data in ``rules/priority.toml``.

The score adds the category's severity, points for the disputed amount, and points for
urgency cues (legal threats, 12315, media, days waited); thresholds turn it into a level.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from triage.errors import PolicyCatalogError
from triage.matching import PhraseIndex, TextBatch, phrase_entry
from triage.text import normalize_many


@dataclass(frozen=True)
class PriorityRules:
    """Parsed ``priority.toml``."""

    high: float
    medium: float
    category_points: dict[str, float]
    amount_points: tuple[tuple[float, float], ...]  # (minimum amount, points), largest first
    urgency_points: dict[str, float]  # index key -> points
    index: PhraseIndex


@cache
def load_priority_rules() -> PriorityRules:
    """The packaged priority rules."""
    text = resources.files("triage.rules").joinpath("priority.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
        phrases, patterns, points = [], [], {}
        for i, cue in enumerate(data.get("urgency", [])):
            key = f"u{i}"
            points[key] = float(cue["points"])
            phrases += [phrase_entry(key, k) for k in normalize_many(cue.get("keywords", [])) if k]
            patterns += [(key, p) for p in cue.get("patterns", [])]
        return PriorityRules(
            high=float(data["thresholds"]["high"]),
            medium=float(data["thresholds"]["medium"]),
            category_points={k: float(v) for k, v in data["category_points"].items()},
            amount_points=tuple(
                sorted(
                    ((float(a["min"]), float(a["points"])) for a in data.get("amount_points", [])),
                    reverse=True,
                )
            ),
            urgency_points=points,
            index=PhraseIndex(phrases, patterns, overlapping=True),
        )
    except (KeyError, TypeError, ValueError, re.error, tomllib.TOMLDecodeError) as exc:
        raise PolicyCatalogError(f"rules/priority.toml is invalid: {exc!r}") from None


def priorities_many(
    texts: Sequence[str] | TextBatch, categories: Sequence[str], amounts: Sequence[float | None]
) -> list[str]:
    """Priority level per complaint (normalised texts)."""
    rules = load_priority_rules()
    batch = texts if isinstance(texts, TextBatch) else TextBatch(texts)
    if not len(batch) == len(categories) == len(amounts):
        raise ValueError("texts, categories and amounts differ in length")
    score = np.array([rules.category_points.get(c, 0.0) for c in categories], dtype=np.float64)
    amount = np.array([np.nan if a is None else a for a in amounts], dtype=np.float64)
    # Largest threshold first: each amount gets the points of the first threshold it reaches.
    got = np.zeros(amount.size, dtype=bool)
    for lo, points in rules.amount_points:
        reach = ~got & (amount >= lo)
        score[reach] += points
        got |= reach
    hits = rules.index.search(batch)
    cue_points = np.array([rules.urgency_points[k] for k in hits.keys], dtype=np.float64)
    pair = np.unique(hits.doc * len(hits.keys) + hits.key)  # each cue counts once per text
    score += np.bincount(
        pair // len(hits.keys), weights=cue_points[pair % len(hits.keys)], minlength=score.size
    )
    levels = np.where(
        score >= rules.high, "high", np.where(score >= rules.medium, "medium", "low")
    )
    return levels.tolist()
