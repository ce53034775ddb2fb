"""Region and product category from complaint text, with lexicons kept as data.

``rules/regions.toml`` is the gazetteer (provinces, their cities, counties, markets and
trade towns); ``rules/products.toml`` the product lexicon. Both are matched on normalised
text, so Traditional and full-width forms need no entries of their own.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources

from triage.errors import PolicyCatalogError
from triage.matching import SUFFIX, WORD, Hit, PhraseIndex
from triage.taxonomy import PRODUCT_CATEGORIES
from triage.text import normalize_many

#: Words just before a place that make it someone else's location (a buyer, a destination).
_NOT_MERCHANT_BEFORE = re.compile(
    r"(发往|发到|寄往|寄到|寄去|送到|送往|运到|运往|到达|买家在|买家是|顾客在|客户在|消费者在|收货地址"
    r"|收货地|地址是|地址在|偏远地区|ship(ped)? to|deliver(ed)? to|buyer in|customer in)"
    r"[\s:：]*$"
)
#: Words just after a place that make it a warehouse or a route, not where the merchant is.
_NOT_MERCHANT_AFTER = re.compile(r"^(仓|的仓|转运|中转|分拨|集散|买家|顾客|的买家|的顾客|的客户)")
_MERCHANT_CUE = re.compile(
    r"(我们是|我是|我们在|位于|来自|地处|坐标|我司|本店|总部|based in|from)[\s:：]*$"
)


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


def _pick_region(text: str, hits: list[Hit]) -> str:
    candidates = []
    for hit in hits:
        if (
            hit.text in _FALSE_BEFORE
            and text[hit.start - 1 : hit.start] == _FALSE_BEFORE[hit.text]
        ):
            continue
        before = text[max(0, hit.start - 8) : hit.start]
        after = text[hit.end : hit.end + 4]
        if _NOT_MERCHANT_BEFORE.search(before) or _NOT_MERCHANT_AFTER.match(after):
            continue
        candidates.append((bool(_MERCHANT_CUE.search(before)), hit))
    if not candidates:
        return ""
    cued = [h for flag, h in candidates if flag]
    return (cued or [h for _, h in candidates])[0].key


def _pick_product(hits: list[Hit]) -> str:
    if not hits:
        return ""
    counts = Counter(h.key for h in hits)
    first = {}
    for h in hits:
        first.setdefault(h.key, h.start)
    return max(counts, key=lambda k: (counts[k], -first[k]))


def regions_many(texts: Sequence[str]) -> list[str]:
    """Merchant region per normalised text, or ``""`` when the text does not say."""
    return [
        _pick_region(t, h) for t, h in zip(texts, region_index().find_many(texts), strict=True)
    ]


def products_many(texts: Sequence[str]) -> list[str]:
    """Product category id per normalised text, or ``""``."""
    return [_pick_product(h) for h in product_index().find_many(texts)]
