"""Region and product category from complaint text, with lexicons kept as data.

``rules/regions.toml`` is the gazetteer (provinces, their cities, counties, markets and
trade towns); ``rules/products.toml`` the product lexicon. Both are matched on normalised
text, so Traditional and full-width forms need no entries of their own.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from functools import cache
from importlib import resources

import numpy as np

from triage.errors import PolicyCatalogError
from triage.matching import SUFFIX, WORD, ContextCues, PhraseIndex, TextBatch, first_per_doc
from triage.taxonomy import PRODUCT_CATEGORIES
from triage.text import normalize_many

_WINDOW = 8
#: Words just before a place that make it someone else's location (a buyer, a destination).
_NOT_MERCHANT_BEFORE = ContextCues(
    ["发往", "发到", "寄往", "寄到", "寄去", "送到", "送往", "运到", "运往", "到达", "买家在", "买家是",
     "顾客在", "客户在", "消费者在", "收货地址", "收货地", "地址是", "地址在", "偏远地区", "ship to",
     "shipped to", "deliver to", "delivered to", "buyer in", "customer in"],
    skip=" \t\n\r\f\v:：",
)  # fmt: skip
#: Words just after a place that make it a warehouse or a route, not where the merchant is.
_NOT_MERCHANT_AFTER = ContextCues(
    ["仓", "的仓", "转运", "中转", "分拨", "集散", "买家", "顾客", "的买家", "的顾客", "的客户"]
)
#: Words just before a place that make it the merchant's own location.
_MERCHANT_CUE = ContextCues(
    ["我们是", "我是", "我们在", "位于", "来自", "地处", "坐标", "我司", "本店", "总部", "based in", "from"],
    skip=" \t\n\r\f\v:：",
)  # fmt: skip


def _rules_toml(name: str) -> dict:
    text = resources.files("triage.rules").joinpath(name).read_text("utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyCatalogError(f"rules/{name}: not valid TOML: {exc}") from None


#: A place name read inside a longer everyday phrase: 把东西藏起来 is not 西藏.
_FALSE_BEFORE = {"西安": "东", "西藏": "东"}


@cache
def region_index() -> PhraseIndex:
    """The gazetteer compiled into one phrase index (key: the province short name)."""
    entries: list[tuple[str, ...]] = []
    for region in _rules_toml("regions.toml")["region"]:
        name = region["name"]
        names = [*region.get("aliases", []), *region.get("places", [])]
        entries += [(name, n) for n in normalize_many(names) if n]
        entries += [(name, n, SUFFIX) for n in normalize_many(region.get("needs_suffix", [])) if n]
        entries += [(name, w, WORD) for w in normalize_many(region.get("english", [])) if w]
    return PhraseIndex(entries)


@cache
def product_index() -> PhraseIndex:
    """The product lexicon compiled into one phrase index (key: the product category id)."""
    entries: list[tuple[str, ...]] = []
    for product in _rules_toml("products.toml")["product"]:
        pid = product["id"]
        if pid not in PRODUCT_CATEGORIES:
            raise PolicyCatalogError(f"rules/products.toml: unknown product category {pid!r}")
        entries += [(pid, k) for k in normalize_many(product.get("keywords", [])) if k]
        entries += [(pid, w, WORD) for w in normalize_many(product.get("english", [])) if w]
    return PhraseIndex(entries)


def regions_many(texts: Sequence[str] | TextBatch) -> list[str]:
    """Merchant region per normalised text, or ``""`` when the text does not say.

    A place counts unless the words around it make it someone else's (a buyer's, a
    destination, a warehouse); a place after 我们是/位于/来自… wins over the first place named.
    """
    batch = texts if isinstance(texts, TextBatch) else TextBatch(texts)
    index = region_index()
    hits = index.search(batch)
    false_before = np.zeros(len(hits), dtype=bool)
    for phrase, char in _FALSE_BEFORE.items():
        if phrase in index.phrases:
            before = np.append(batch.code_points, 0)[hits.start - 1]
            false_before |= (
                (hits.phrase == index.phrases.index(phrase))
                & (before == ord(char))
                & (hits.start > batch.starts[hits.doc])
            )
    hits = hits.take(
        ~false_before
        & ~_NOT_MERCHANT_BEFORE.before(batch, hits.start, _WINDOW)
        & ~_NOT_MERCHANT_AFTER.after(batch, hits.end)
    )
    cued = _MERCHANT_CUE.before(batch, hits.start, _WINDOW)
    out = [""] * len(batch)
    for i in first_per_doc(hits.doc, np.lexsort((hits.start, ~cued, hits.doc))).tolist():
        out[hits.doc[i]] = hits.keys[hits.key[i]]
    return out


def products_many(texts: Sequence[str] | TextBatch) -> list[str]:
    """Product category id per normalised text, or ``""``: the most named, then the first."""
    batch = texts if isinstance(texts, TextBatch) else TextBatch(texts)
    hits = product_index().search(batch)
    n_keys = len(hits.keys)
    pair, first, count = np.unique(
        hits.doc * n_keys + hits.key, return_index=True, return_counts=True
    )
    doc, key = pair // n_keys, pair % n_keys
    out = [""] * len(batch)
    for i in first_per_doc(doc, np.lexsort((hits.start[first], -count, doc))).tolist():
        out[doc[i]] = hits.keys[key[i]]
    return out
