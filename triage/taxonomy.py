"""The label contract from the labelling guide (``taxonomy.md``): every id lives here only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """A complaint category with its display names."""

    id: str
    name_zh: str
    name_en: str


#: Complaint categories in precedence order: when two grievances are equally central,
#: the one listed first wins (taxonomy §1).
CATEGORIES: tuple[Category, ...] = (
    Category("store_closure", "随意关店", "Arbitrary store closure"),
    Category("deposit_withheld", "保证金不退", "Deposit withheld"),
    Category("arbitrary_fine", "随意罚款", "Arbitrary fine"),
    Category("arbitrary_refund", "随意退款", "Arbitrary refund"),
    Category("forced_shipping_insurance", "强制运费险", "Forced shipping insurance"),
    Category(
        "excessive_consumer_protection", "过度维护消费者权益", "Excessive consumer protection"
    ),
    Category("other", "其他", "Other"),
)
CATEGORY_IDS: tuple[str, ...] = tuple(c.id for c in CATEGORIES)
CATEGORY_BY_ID: dict[str, Category] = {c.id: c for c in CATEGORIES}
OTHER = "other"

#: Policy ids (taxonomy §2); names, summaries and triggers live in ``rules/policies.toml``.
POLICY_IDS: tuple[str, ...] = (
    "experience_score",
    "inducement_interaction",
    "refund_only",
    "after_sales_arbitration",
    "seven_day_return",
    "shipping_insurance",
    "deposit",
    "violation_penalty",
    "store_closure",
    "shipping_timeliness",
    "blind_box",
    "product_quality",
    "reviews",
    "appeal",
    "settlement",
)

#: Product categories (taxonomy §3) with their Chinese and English names.
PRODUCT_CATEGORIES: dict[str, tuple[str, str]] = {
    "apparel": ("服饰鞋包", "Apparel, shoes and bags"),
    "food_fresh": ("食品生鲜", "Food and fresh produce"),
    "outdoor_sports": ("户外运动", "Outdoor and sports"),
    "electronics": ("3C数码家电", "3C digital and appliances"),
    "beauty": ("美妆个护", "Beauty and personal care"),
    "home": ("家居日用", "Home and daily use"),
    "mother_baby": ("母婴", "Mother and baby"),
    "jewelry": ("珠宝文玩", "Jewellery and collectibles"),
    "books": ("图书文教", "Books and education"),
    "flowers_plants": ("鲜花绿植", "Flowers and plants"),
    "toys": ("玩具潮玩", "Toys and collectible toys"),
}


def category_name(category_id: str, lang: str = "zh") -> str:
    """Return the display name of a category id.

    >>> category_name("deposit_withheld")
    '保证金不退'
    >>> category_name("deposit_withheld", "en")
    'Deposit withheld'
    """
    category = CATEGORY_BY_ID[category_id]
    return category.name_zh if lang == "zh" else category.name_en
