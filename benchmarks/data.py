"""Deterministic benchmark input: complaint texts recombined from the team's training corpus.

The corpus (``data/train/complaints.csv``) is split into sentences, grouped by language and
category, and sentences of one group are recombined with a seeded NumPy ``Generator`` into
texts of 50-300 characters. About one Chinese text in twenty gets an English sentence
(mixed scripts) and about one in twenty spans several lines. Dates cover 20 ISO weeks.

Nothing is read from the evaluation data (``../shared/eval/``). The same seed and row count
always give the same bytes. Rows are generated and written chunk by chunk, so a
1,000,000-row file never sits in memory at once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "train" / "complaints.csv"
SEED = 20251122
MIN_CHARS, MAX_CHARS = 50, 300
#: First day of the 20 ISO weeks the dates cover (a Monday).
START = date(2025, 3, 3)
WEEKS = 20
LANGS = ("zh-Hans", "zh-Hant", "en", "mixed")
MAX_SENTENCES = 16  # enough to reach 300 characters from short sentences

# A sentence ends after Chinese or Latin end punctuation, or at a line break.
_SPLIT = re.compile(r"(?<=[。！？!?；…])\s*|\s*\n+\s*|(?<=[.])\s+")


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, stripped, without empty ones.

    >>> split_sentences("退款了。货呢？！\\nWhy? No idea.")
    ['退款了。', '货呢？！', 'Why?', 'No idea.']
    """
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip()]


@dataclass(frozen=True)
class SentencePool:
    """Corpus sentences grouped by (language, category), with the corpus language shares."""

    groups: dict[tuple[str, str], list[str]]
    categories: tuple[str, ...]
    lang_share: np.ndarray  # probabilities over LANGS

    @classmethod
    def from_corpus(cls, path: Path = CORPUS) -> SentencePool:
        corpus = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        groups: dict[tuple[str, str], list[str]] = {}
        for text, lang, category in zip(
            corpus["text"], corpus["lang"], corpus["category"], strict=True
        ):
            lang = lang if lang in LANGS else "zh-Hans"
            for s in split_sentences(text):
                if len(s) <= MAX_CHARS:
                    groups.setdefault((lang, category), []).append(s)
        categories = tuple(sorted(corpus["category"].unique()))
        # Every (language, category) needs sentences; fall back to the Simplified group.
        for lang in LANGS:
            for c in categories:
                if not groups.get((lang, c)):
                    groups[(lang, c)] = groups[("zh-Hans", c)]
        counts = corpus["lang"].where(corpus["lang"].isin(LANGS), "zh-Hans").value_counts()
        share = np.array([counts.get(lang, 0) for lang in LANGS], dtype=float)
        return cls(groups=groups, categories=categories, lang_share=share / share.sum())


def _compose(parts: list[str], latin: bool, newline: bool) -> str:
    sep = "\n" if newline else (" " if latin else "")
    return sep.join(parts)


def generate_chunks(
    n_rows: int, chunk_size: int = 50_000, seed: int = SEED, pool: SentencePool | None = None
) -> Iterator[pd.DataFrame]:
    """``n_rows`` rows (``id, date, text``) as DataFrames of at most ``chunk_size`` rows."""
    pool = pool or SentencePool.from_corpus()
    rng = np.random.default_rng(seed)
    cats = pool.categories
    done = 0
    while done < n_rows:
        n = min(chunk_size, n_rows - done)
        lang_ix = rng.choice(len(LANGS), size=n, p=pool.lang_share)
        cat_ix = rng.integers(0, len(cats), size=n)
        # Lengths: log-normal around 120 characters, clipped to 50-300 (the corpus' shape).
        target = np.clip(np.rint(rng.lognormal(np.log(120), 0.5, size=n)), MIN_CHARS, MAX_CHARS)
        picks = rng.random((n, MAX_SENTENCES))
        mix = rng.random(n) < 0.05
        multiline = rng.random(n) < 0.05
        days = rng.integers(0, WEEKS * 7, size=n)
        texts = []
        for i in range(n):
            lang, cat = LANGS[lang_ix[i]], cats[cat_ix[i]]
            sentences = pool.groups[(lang, cat)]
            latin = lang in ("en", "mixed")
            parts: list[str] = []
            length = 0
            for j in range(MAX_SENTENCES):
                if mix[i] and not latin and j == 1:
                    english = pool.groups[("en", cat)]
                    s = english[int(picks[i, j] * len(english))]
                else:
                    s = sentences[int(picks[i, j] * len(sentences))]
                parts.append(s)
                length += len(s) + (1 if latin or multiline[i] else 0)
                if length >= target[i]:
                    break
            text = _compose(parts, latin, bool(multiline[i]))
            if len(text) > MAX_CHARS:
                text = text[:MAX_CHARS].rstrip()
            while len(text) < MIN_CHARS:  # a few short sentences: repeat the first one
                text = _compose([text, parts[0]], latin, False)[:MAX_CHARS]
            texts.append(text)
        ids = [f"B{done + i + 1:07d}" for i in range(n)]
        dates = [(START + timedelta(days=int(d))).isoformat() for d in days]
        yield pd.DataFrame({"id": ids, "date": dates, "text": texts})
        done += n


def generate_texts(n: int, seed: int = SEED + 1, pool: SentencePool | None = None) -> list[str]:
    """``n`` texts (for in-process measurements), from a different seed than the files."""
    return [t for chunk in generate_chunks(n, seed=seed, pool=pool) for t in chunk["text"]]


def write_csv(path: Path, n_rows: int, seed: int = SEED, pool: SentencePool | None = None) -> dict:
    """Write ``n_rows`` generated rows to ``path`` (UTF-8, chunk by chunk); describe the file."""
    first = True
    lengths = np.zeros(MAX_CHARS + 1, dtype=np.int64)
    latest = START
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for chunk in generate_chunks(n_rows, seed=seed, pool=pool):
            chunk.to_csv(fh, index=False, header=first, quoting=csv.QUOTE_MINIMAL)
            first = False
            lengths += np.bincount(chunk["text"].str.len(), minlength=MAX_CHARS + 1)
            latest = max(latest, date.fromisoformat(max(chunk["date"])))
    sizes = np.repeat(np.arange(MAX_CHARS + 1), lengths)
    return {
        "rows": n_rows,
        "bytes": path.stat().st_size,
        "chars_min": int(sizes.min()) if sizes.size else 0,
        "chars_median": float(np.median(sizes)) if sizes.size else 0.0,
        "chars_max": int(sizes.max()) if sizes.size else 0,
        "date_first": START.isoformat(),
        "date_last": latest.isoformat(),
        "latest_week": "{}-W{:02d}".format(*latest.isocalendar()[:2]),
    }
