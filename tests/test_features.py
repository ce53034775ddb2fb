import numpy as np

from triage.features import CharNgramHasher
from triage.ngrams import ngram_hash


def test_matches_per_ngram_hashing():
    hasher = CharNgramHasher(ngram_range=(1, 3), n_features=2**16).fit(None)
    text = "平台仅退款 refund 459元"
    row = hasher.transform([text])
    expected = {}
    for gram in hasher.ngrams(text):
        col = ngram_hash(gram, 2**16)
        expected[col] = expected.get(col, 0) + 1
    assert dict(zip(row.indices.tolist(), row.data.tolist(), strict=True)) == expected


def test_rows_are_independent_of_batch():
    hasher = CharNgramHasher().fit(None)
    texts = ["保证金不退", "", "a", "運費險"]
    together = hasher.transform(texts).toarray()
    alone = np.vstack([hasher.transform([t]).toarray() for t in texts])
    assert (together == alone).all()
    assert together[1].sum() == 0


def test_digits_fold_and_traditional_maps():
    hasher = CharNgramHasher().fit(None)
    a, b = hasher.transform(["罚款300元", "罰款900元"]).toarray()
    assert (a == b).all()


def test_batches_larger_than_one_sort_block_match_per_text_hashing():
    # 2**30 buckets: 4 rows per 32-bit sort block, so 10 texts take three blocks.
    hasher = CharNgramHasher(ngram_range=(1, 2), n_features=2**30).fit(None)
    texts = ["仅退款", "", "ab", "保证金保证金", "a", "运费险", "x", "", "罚款300", "fine"]
    X = hasher.transform(texts)
    assert X.shape == (10, 2**30) and X.has_canonical_format
    for i, text in enumerate(texts):
        expected = {}
        for gram in hasher.ngrams(text):
            col = ngram_hash(gram, 2**30)
            expected[col] = expected.get(col, 0) + 1
        row = X[i]
        assert dict(zip(row.indices.tolist(), row.data.tolist(), strict=True)) == expected
