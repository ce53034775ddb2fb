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

from triage.errors import PolicyCatalogError
from triage.matching import PhraseIndex, phrase_entry
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
    texts: Sequence[str], categories: Sequence[str], amounts: Sequence[float | None]
) -> list[str]:
    """Priority level per complaint (normalised texts)."""
    rules = load_priority_rules()
    out = []
    for hits, category, amount in zip(
        rules.index.find_many(texts), categories, amounts, strict=True
    ):
        score = rules.category_points.get(category, 0.0)
        if amount is not None:
            score += next((p for lo, p in rules.amount_points if amount >= lo), 0.0)
        score += sum(rules.urgency_points[k] for k in {h.key for h in hits})
        out.append("high" if score >= rules.high else "medium" if score >= rules.medium else "low")
    return out
