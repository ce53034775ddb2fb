"""A keyword-rule baseline: each category's obvious words, most hits wins.

It is what a support lead would write in an afternoon; the model has to beat it clearly
(measured side by side in ``benchmarks/``).
"""

from __future__ import annotations

from collections.abc import Sequence

from triage.taxonomy import CATEGORY_IDS, OTHER
from triage.text import normalize_many

KEYWORDS: dict[str, tuple[str, ...]] = {
    "store_closure": ("关店", "封店", "清退", "冻结店铺", "限制经营", "封号", "店铺被封", "store closed",
                      "suspended", "banned"),
    "deposit_withheld": ("保证金", "deposit"),
    "arbitrary_fine": ("罚款", "违约金", "扣款", "处罚", "扣分", "fine", "penalty"),
    "arbitrary_refund": ("仅退款", "退款", "极速退", "refund"),
    "forced_shipping_insurance": ("运费险", "shipping insurance", "freight insurance"),
    "excessive_consumer_protection": ("平台介入", "判责", "申诉", "差评", "职业打假", "arbitration",
                                      "appeal"),
}  # fmt: skip


class KeywordBaseline:
    """Predict the category with the most keyword hits (precedence breaks ties), else other.

    >>> KeywordBaseline().predict(["保证金不退", "随便聊聊"])
    ['deposit_withheld', 'other']
    """

    def predict(self, texts: Sequence[str]) -> list[str]:
        out = []
        for text in normalize_many(texts):
            hits = {c: sum(text.count(k) for k in KEYWORDS[c]) for c in KEYWORDS}
            best = max(CATEGORY_IDS[:-1], key=lambda c: (hits[c], -CATEGORY_IDS.index(c)))
            out.append(best if hits[best] else OTHER)
        return out
