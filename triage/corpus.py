"""The labelled training corpus in ``data/train/``: loading, validation and fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from triage.errors import InputFormatError, LabelError
from triage.model import check_labels

CORPUS_COLUMNS = ("id", "text", "category")


def corpus_files(path: Path) -> list[Path]:
    """The CSV files that make up a corpus: ``path`` itself, or every ``*.csv`` below it."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.csv") if not p.name.startswith("."))
        if files:
            return files
        raise InputFormatError(f"no .csv files in {path}")
    raise InputFormatError(f"training data not found: {path}")


def load_corpus(path: Path) -> pd.DataFrame:
    """Read and validate a corpus: required columns, unique ids, taxonomy labels, no empty text.

    Every problem is reported together in one error.
    """
    frames = []
    for file in corpus_files(path):
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
        missing = [c for c in CORPUS_COLUMNS if c not in frame.columns]
        if missing:
            raise InputFormatError(f"{file}: missing columns {missing}")
        frame["source_file"] = file.name
        frames.append(frame)
    corpus = pd.concat(frames, ignore_index=True)
    problems = []
    dup = corpus["id"][corpus["id"].duplicated()].tolist()
    if dup:
        problems.append(f"duplicate ids {dup[:10]}")
    empty = corpus["id"][corpus["text"].str.strip() == ""].tolist()
    if empty:
        problems.append(f"empty text in rows {empty[:10]}")
    try:
        check_labels(corpus["category"].replace("", None))
    except LabelError as exc:
        problems.append(str(exc))
    if problems:
        raise LabelError(f"{path}: " + "; ".join(problems))
    return corpus


def fingerprint(path: Path) -> str:
    """SHA-256 over the corpus files' names and bytes, in sorted order."""
    digest = hashlib.sha256()
    for file in corpus_files(path):
        digest.update(file.name.encode("utf-8") + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()
