"""Near-duplicate detection: Jaccard similarity of character 5-gram sets, all pairs at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from triage.ngrams import hashed_matrix
from triage.text import normalize_many

SHINGLE = 5


def _shingles(texts: Sequence[str]) -> sp.csr_matrix:
    norm = normalize_many(texts)
    # Texts shorter than a shingle are compared whole: pad so they yield one 5-gram.
    padded = [t if len(t) >= SHINGLE else t.ljust(SHINGLE, "\x00") for t in norm]
    X = hashed_matrix(padded, (SHINGLE, SHINGLE), 2**24)
    X.data[:] = 1.0
    return X


def near_duplicates(
    texts: Sequence[str], others: Sequence[str] | None = None, threshold: float = 0.8
) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, jaccard)`` above ``threshold``: within ``texts``, or texts × others.

    >>> near_duplicates(["平台判了仅退款，货没退回来，钱没了", "平台判了仅退款，货没退回来，钱没了！", "保证金不退"])
    [(0, 1, 0.9286)]
    """
    A = _shingles(texts)
    B = A if others is None else _shingles(others)
    inter = (A @ B.T).tocoo()
    size_a = np.asarray(A.sum(axis=1)).ravel()
    size_b = np.asarray(B.sum(axis=1)).ravel()
    union = size_a[inter.row] + size_b[inter.col] - inter.data
    jac = np.divide(inter.data, union, out=np.zeros_like(inter.data), where=union > 0)
    keep = jac > threshold
    if others is None:
        keep &= inter.row < inter.col
    pairs = sorted(
        zip(inter.row[keep].tolist(), inter.col[keep].tolist(), jac[keep].tolist(), strict=True)
    )
    return [(i, j, round(s, 4)) for i, j, s in pairs]
