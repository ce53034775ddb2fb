"""The n-gram hashing step of the model's scikit-learn pipeline (see :mod:`triage.ngrams`)."""

from __future__ import annotations

import re

import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from triage.ngrams import hashed_matrix
from triage.text import as_text, normalize_many


class CharNgramHasher(TransformerMixin, BaseEstimator):
    """Map texts to hashed counts of their character n-grams.

    Stateless like ``HashingVectorizer``: ``fit`` only checks parameters. Texts are
    normalised with :func:`triage.text.normalize_many` first, unless ``normalized=True``.

    Parameters
    ----------
    ngram_range : (int, int)
        Smallest and largest n-gram length.
    n_features : int
        Number of hash buckets (columns).

    Examples
    --------
    >>> X = CharNgramHasher(ngram_range=(1, 2), n_features=2**10).transform(["仅退款", ""])
    >>> X.shape, int(X[0].sum()), int(X[1].sum())
    ((2, 1024), 5, 0)
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 3), n_features: int = 2**19):
        self.ngram_range = ngram_range
        self.n_features = n_features

    def fit(self, X, y=None):
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"invalid ngram_range {self.ngram_range!r}")
        self.n_features_out_ = self.n_features
        return self

    def transform(self, X, normalized: bool = False) -> sp.csr_matrix:
        """Hashed n-gram counts, one row per text (``normalized=True`` skips normalising)."""
        texts = [as_text(t) for t in X] if normalized else normalize_many(list(X))
        return hashed_matrix(texts, self.ngram_range, self.n_features)

    def ngrams(self, text: str) -> list[str]:
        """The n-grams of one text as this transformer sees them (for explanations)."""
        (normalized,) = normalize_many([text])
        prepared = re.sub("[1-9]", "0", normalized)
        lo, hi = self.ngram_range
        return [
            prepared[i : i + n] for n in range(lo, hi + 1) for i in range(len(prepared) - n + 1)
        ]
