"""Character n-gram hashing, vectorised over a whole batch of texts with NumPy.

scikit-learn's ``TfidfVectorizer(analyzer="char")`` builds every n-gram as a Python string,
which makes it the bottleneck of labelling. Here a batch is joined into one array of code
points and every n-gram of every text is hashed in a few array operations. This module does
not import scikit-learn, so labelling workers that load a model's exported weights do not either.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

_MUL = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)  # murmur3 finaliser constants
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)


def _mix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint64(33)
    h *= _MIX1
    h ^= h >> np.uint64(33)
    h *= _MIX2
    h ^= h >> np.uint64(33)
    return h


def _to_bucket(h: np.ndarray, n_features: int) -> None:
    """``h %= n_features`` in place; a bit mask when it is a power of two (same result)."""
    if n_features & (n_features - 1) == 0:
        h &= np.uint64(n_features - 1)
    else:
        h %= np.uint64(n_features)


def ngram_hash(gram: str, n_features: int) -> int:
    """The column of one n-gram: the same value :class:`CharNgramHasher` gives it.

    >>> ngram_hash("退款", 2**18) == ngram_hash("退款", 2**18)
    True
    """
    cps = np.frombuffer(gram.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for cp in cps:
            h = h * _MUL + cp
        h += np.uint64(len(cps)) << np.uint64(56)
        return int(_mix(h)[0] % np.uint64(n_features))


def _code_points(texts: list[str]) -> np.ndarray:
    """All texts' code points end to end, digits folded to ``0`` so numbers share n-grams."""
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    cps = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64)
    cps[(cps >= ord("1")) & (cps <= ord("9"))] = ord("0")
    return cps


def hashed_counts(
    texts: list[str], ngram_range: tuple[int, int], n_features: int
) -> sp.csr_matrix:
    """Counts of each text's hashed character n-grams, as a CSR matrix (rows: texts)."""
    n_docs = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n_docs)
    cps = _code_points(texts)
    total = cps.size
    # One (row, column) key per n-gram: row * n_features + column, in 32 bits when it
    # fits (then the arrays below are half the size and the sort is faster).
    key_type = np.uint32 if n_docs * n_features <= 2**32 else np.uint64
    width = key_type(n_features)
    row_base = np.repeat(np.arange(n_docs, dtype=key_type) * width, lengths)
    # Characters left in the text from each position on: an n-gram fits where it is >= n.
    index_type = np.int32 if total < 2**31 else np.int64
    left = np.repeat(np.cumsum(lengths).astype(index_type), lengths)
    left -= np.arange(total, dtype=index_type)
    lo, hi = ngram_range
    keys = []
    h = np.zeros(total, dtype=np.uint64)
    col = np.empty(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, hi + 1):
            # h[i] is now the rolling hash of the n-gram that starts at position i.
            h *= _MUL
            h = h[: max(total - n + 1, 0)]
            h += cps[n - 1 : n - 1 + h.size]
            if n < lo:
                continue
            # Hash every position, then keep those where the n-gram fits in its text
            # (all but n - 1 per text): cheaper than selecting them first.
            c = col[: h.size]
            np.add(h, np.uint64(n) << np.uint64(56), out=c)
            _mix(c)
            _to_bucket(c, n_features)
            key = c.astype(key_type)
            key += row_base[: h.size]
            keys.append(key[left[: h.size] >= n])
            del key
    del h, col, left, row_base, cps
    key = np.concatenate(keys)
    del keys
    key.sort()
    if not key.size:
        return sp.csr_matrix((n_docs, n_features), dtype=np.float64)
    # Runs of equal keys are one (row, column) cell; their length is its count.
    new = np.empty(key.size, dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    first = np.flatnonzero(new)
    del new
    counts = np.empty(first.size, dtype=np.float64)
    np.subtract(first[1:], first[:-1], out=counts[:-1])
    counts[-1] = key.size - first[-1]
    cell = key[first]
    del key, first
    row = cell // width
    cell -= row * width
    indptr = np.searchsorted(row, np.arange(n_docs + 1, dtype=key_type))
    X_out = sp.csr_matrix((counts, cell.astype(np.int32), indptr), shape=(n_docs, n_features))
    X_out.has_canonical_format = True
    return X_out


def hashed_matrix(
    texts: list[str], ngram_range: tuple[int, int], n_features: int
) -> sp.csr_matrix:
    """:func:`hashed_counts` in blocks small enough for 32-bit (row, column) keys."""
    block = max(1, 2**32 // n_features) if n_features <= 2**31 else 1
    if len(texts) <= block:
        return hashed_counts(texts, ngram_range, n_features)
    return sp.vstack(
        [
            hashed_counts(texts[i : i + block], ngram_range, n_features)
            for i in range(0, len(texts), block)
        ],
        "csr",
    )
