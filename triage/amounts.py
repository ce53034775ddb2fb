"""Money in complaint text: every mention, and the main sum in dispute.

Works on normalised text (half-width digits, lower case, Simplified). Order numbers, phone
numbers, dates, times, percentages and counts are never read as money: a number counts only
with a currency marker (元, 块, ¥, rmb, yuan, 万元 …) or right after a money word (罚款300,
保证金2000, deducted 500).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
           "柒": 7, "捌": 8, "玖": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "拾": 10, "佰": 100, "仟": 1000}
_CN = "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"万|千|百|(?:w|k)(?![a-z])"
_CURRENCY_AFTER = r"元|块钱|块|蚊|圆|rmb|cny|yuan|人民币|毛|角"
_CURRENCY_BEFORE = r"¥|rmb|cny|人民币"

#: Words that tie a sum to a grievance, with the categories they speak for.
_CUES: dict[str, tuple[str, ...]] = {
    "arbitrary_fine": ("罚款", "罚了", "罚", "违约金", "违约今", "维约金", "为约金", "扣款", "扣除", "扣了", "扣", "赔付", "赔偿",
                       "处罚", "fine", "penalty", "penalised", "penalized", "deducted", "charged"),
    "arbitrary_refund": ("仅退款", "退款", "退了", "退给", "极速退", "refund", "refunded"),
    "deposit_withheld": ("保证金", "保证今", "宝证金", "押金", "补缴", "deposit"),
    "forced_shipping_insurance": ("运费险", "保费", "运费", "premium", "insurance"),
    "other": ("货款", "冻结", "结算", "佣金", "提现", "settlement", "commission"),
}  # fmt: skip
_GENERIC_CUES = (
    "损失",
    "金额",
    "涉诉",
    "涉及",
    "共计",
    "合计",
    "总共",
    "一共",
    "亏了",
    "loss",
    "total",
)
_CUE_RE = re.compile("|".join(sorted(
    {re.escape(c) for cues in _CUES.values() for c in cues} | {re.escape(c) for c in _GENERIC_CUES},
    key=len, reverse=True,
)))  # fmt: skip

_MENTION = re.compile(
    rf"(?P<before>{_CURRENCY_BEFORE})\s*(?P<n1>{_NUM})\s*(?P<s1>{_SCALE})?"
    rf"|(?P<n2>{_NUM})\s*(?P<s2>{_SCALE})?\s*(?P<after>{_CURRENCY_AFTER})(?P<jiao>\d(?!\d))?"
    rf"|(?P<n3>{_NUM})(?P<s3>万|千|w|k)(?![a-z])(?P<tail>\d(?![\d.]))?"
    rf"|(?P<cn>[{_CN}]{{1,8}})(?P<approx>多|余|来)?\s*(?P<cnafter>元|块钱|块|蚊|毛|角)(?![\d{_CN}])"
    rf"|(?P<cnbare>[{_CN}]{{0,4}}[十百千万拾佰仟][{_CN}]{{0,4}})"
    rf"|(?P<n4>{_NUM})"
)
# A bare number after a money word needs the word close by: "罚款300" or "扣了 300".
_NEAR_CUE = re.compile(
    rf"(?:{_CUE_RE.pattern})\s*(?:了|我们|我|是|为|共|达|高达|金额|:|每单|一单)*\s*$"
)


# Every alternative of _MENTION starts with one of these characters. Trying _MENTION only
# where one stands gives the same matches as finditer, several times faster: the engine
# cannot skip ahead on an alternation of groups and tries every alternative at every position.
_START = re.compile(rf"[\d¥rc人{_CN}]")


def _mentions(text: str):
    end = 0
    for candidate in _START.finditer(text):
        if candidate.start() < end:
            continue
        m = _MENTION.match(text, candidate.start())
        if m is not None and m.end() > m.start():
            end = m.end()
            yield m


@dataclass(frozen=True)
class Mention:
    """A sum of money found in a text."""

    value: float
    start: int
    end: int
    explicit: bool  # carried a currency marker, not only a nearby money word


def chinese_number(text: str) -> float | None:
    """Value of a Chinese numeral such as 三千 or 一万二; None when it is not one.

    >>> chinese_number("三千"), chinese_number("两百"), chinese_number("一万二"), chinese_number("十五")
    (3000, 200, 12000, 15)
    """
    if not text or any(ch not in _CN for ch in text):
        return None
    total, section, digit = 0, 0, None
    last_unit = 1
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            unit = _UNITS[ch]
            if unit == 10_000:
                section = (section + (digit or 0)) * unit
                total += section
                section, digit, last_unit = 0, None, unit
            else:
                section += (1 if digit is None else digit) * unit
                digit, last_unit = None, unit
    if digit is not None:
        # 一万二 = 12000, 三千五 = 3500: a trailing digit counts in the next lower unit.
        section += digit * (last_unit // 10 if last_unit >= 100 else 1)
    return total + section


def _scaled(number: str, scale: str | None) -> float | None:
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    factor = {"万": 10_000, "w": 10_000, "千": 1000, "k": 1000, "百": 100}.get(scale or "", 1)
    return value * factor


_NOT_MONEY_AFTER = frozenset(
    "-/:%年月日号点时天个单件次分条斤克箱台人岁hx倍笔张份支盒套瓶只位家周楼米度g"
)
_COUNT_WORD_AFTER = re.compile(
    r"^\s*(orders?|items?|pcs|pieces|days?|hours?|weeks?|months?|units?|packs?|boxes|parcels?"
    r"|times|listings?|sets?|g|kg|ml)\b"
)
_FESTIVALS = {"618", "1111", "11.11", "双11"}


def _is_noise(text: str, start: int, end: int, digits: str) -> bool:
    """Order/phone/tracking numbers, dates, times, percentages and counts are not money."""
    plain = digits.replace(",", "").split(".")[0]
    if len(plain) >= 8:
        return True
    before, after = text[max(0, start - 1) : start], text[end : end + 2]
    if before == "-" and not text[max(0, start - 2) : start - 1].isdigit():
        before = ""  # a ledger entry such as "扣款 -650"
    if before and (
        before.isdigit() or before in "-/:#" or (before.isalpha() and before.isascii())
    ):
        return True
    if digits in _FESTIVALS:
        return True
    return after[:1] in _NOT_MONEY_AFTER or bool(_COUNT_WORD_AFTER.match(text[end : end + 12]))


def find_amounts(text: str) -> list[Mention]:
    """Every sum of money in a normalised text, in order.

    >>> [m.value for m in find_amounts("罚了300元，订单6931058827460113925，电话13812345678")]
    [300.0]
    >>> [m.value for m in find_amounts("¥39.9 和 3,500块 和 1.2万 和 三千多块 和 8毛")]
    [39.9, 3500.0, 12000.0, 3000, 0.8]
    """
    out: list[Mention] = []
    for m in _mentions(text):
        g = m.groupdict()
        if g["n1"] is not None:
            value, explicit, digits = _scaled(g["n1"], g["s1"]), True, g["n1"]
        elif g["n2"] is not None:
            value, explicit, digits = _scaled(g["n2"], g["s2"]), True, g["n2"]
            if g["after"] in ("毛", "角") and value is not None and not g["s2"]:
                if "." in g["n2"] or value >= 10:  # 29.9 毛利 is a price and a word, not 2.99
                    continue
                value /= 10
            elif g["jiao"] and g["after"] in ("块", "元") and value is not None and not g["s2"]:
                value += int(g["jiao"]) / 10  # 9块9 = 9.9
        elif g["n3"] is not None:
            value, explicit, digits = _scaled(g["n3"], g["s3"]), g["s3"] != "k", g["n3"]
            if g["tail"] and value is not None and g["s3"] in ("万", "w"):
                value += int(g["tail"]) * 1000  # 1万5 = 15000
            before = text[max(0, m.start() - 6) : m.start()]
            if g["s3"] == "k" and not _NEAR_CUE.search(text[max(0, m.start() - 12) : m.start()]):
                continue
            if any(w in before for w in ("粉", "播放", "销量", "单量", "订单", "浏览", "点赞")):
                continue
        elif g["cn"] is not None:
            value, explicit, digits = chinese_number(g["cn"]), True, ""
            if value is not None and g["cnafter"] in ("毛", "角"):
                value /= 10
        elif g["cnbare"] is not None:
            # 扣了两百三, 补两万, 一千违约金, 又是一千七: hundreds and up, or next to a money word
            cued = _NEAR_CUE.search(text[max(0, m.start() - 12) : m.start()])
            big = any(u in g["cnbare"] for u in "百千万佰仟")
            if not (cued or big or _CUE_RE.match(text, m.end())):
                continue
            rest = text[m.end() : m.end() + 4].lstrip("多余来左右")
            if rest[:1] in _NOT_MONEY_AFTER or rest[:1] in _CN or _COUNT_WORD_AFTER.match(rest):
                continue
            value, explicit, digits = chinese_number(g["cnbare"]), False, ""
        else:
            digits = g["n4"]
            value, explicit = _scaled(digits, None), False
            cued = bool(_NEAR_CUE.search(text[max(0, m.start() - 12) : m.start()]))
            if not cued and (
                value is None or value < 10 or _is_noise(text, m.start(), m.end(), digits)
            ):
                continue
        if value is None or value <= 0 or value >= 1e9:
            continue
        if (
            digits
            and _is_noise(text, m.start(), m.end(), digits)
            and (not explicit or len(digits.replace(",", "").split(".")[0]) >= 8)
        ):
            continue
        out.append(Mention(value=value, start=m.start(), end=m.end(), explicit=explicit))
    return out


_LOSS_VERBS = re.compile(
    r"扣|罚|赔|退回|退还|退我|补缴|补交|补齐|再补|划走|划转|少了|损失|亏|没了|拿走|收取|收了|多收|多扣"
    r"|剩下|剩余|差额|差的|还差|未退|多押|要补|追回"
    r"|deduct|fined|charged|refunded|lost|took|withheld|top[- ]?up"
)
_TO = re.compile(r"(涨到|涨至|变成|变|调到|调至|提到|提高到|上调到|上调至|升到|到|至)\s*$")
_FROM = re.compile(r"(从|由)\s*$")
_TOTAL = re.compile(r"共|一共|合计|总共|累计|总计|总额|加起来|in total|total")
_PER_UNIT_BEFORE = re.compile(
    r"(每|一)(单|件|笔|个|盒|支|条|箱|斤)\s*(要|扣|收|是|才|就|都)?\s*$|per (order|item)\s*$"
)
_PER_UNIT_AFTER = re.compile(r"^\s*(一|每|/)(单|件|笔|个|盒|支|条|箱|斤)|^\s*per (order|item)")


def main_amount(text: str, category: str | None = None) -> float | None:
    """The sum in dispute: the mention most tied to the grievance.

    Points for a loss verb (扣, 罚, 退回, 补缴 …) or a money word of the predicted category
    nearby, a total (共计, 加起来), a currency marker and a sum repeated in the text; minus
    points for a per-unit figure (每单3元) when other sums are stated.

    >>> main_amount("衣服459元，运费10元，平台判仅退款459块", "arbitrary_refund")
    459.0
    >>> main_amount("保证金2000元，被扣了1500元，请退回1500元", "deposit_withheld")
    1500.0
    """
    mentions = find_amounts(text)
    if not mentions:
        return None
    own = set(_CUES.get(category or "", ()))
    counts: dict[float, int] = {}
    for m in mentions:
        counts[m.value] = counts.get(m.value, 0) + 1

    def weight(m: Mention) -> float:
        before = text[max(0, m.start - 16) : m.start]
        after = text[m.end : m.end + 8]
        cues = _CUE_RE.findall(before) + _CUE_RE.findall(after)
        points = 0.0
        points += 2.0 if any(c in own for c in cues) else 1.0 if cues else 0.0
        points += 2.0 if _LOSS_VERBS.search(before[-8:]) or _LOSS_VERBS.search(after[:4]) else 0.0
        points += 3.0 if _TOTAL.search(before[-8:]) else 0.0
        points += 1.0 if _TO.search(before[-4:]) else -1.0 if _FROM.search(before[-3:]) else 0.0
        points += 1.0 if m.explicit else 0.0
        points += 1.0 if counts[m.value] > 1 else 0.0
        if len(counts) > 1 and (
            _PER_UNIT_BEFORE.search(before[-8:]) or _PER_UNIT_AFTER.search(after)
        ):
            points -= 2.5
        return points

    best = max(mentions, key=weight)  # the first of equals wins
    return round(best.value, 2)
