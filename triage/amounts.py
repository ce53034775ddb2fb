"""Money in complaint text: every mention, and the main sum in dispute.

Works on normalised text (half-width digits, lower case, Simplified). Order numbers, phone
numbers, dates, times, percentages and counts are never read as money: a number counts only
with a currency marker (元, 块, ¥, rmb, yuan, 万元 …) or right after a money word (罚款300,
保证金2000, deducted 500).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
           "柒": 7, "捌": 8, "玖": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "拾": 10, "佰": 100, "仟": 1000}
_CN = "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"万|千|百|(?:w|k)(?![a-z])"
_CURRENCY_AFTER = r"元|块钱|块|蚊|圆|rmb|cny|yuan|人民币|毛|角"

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

# A bare number after a money word needs the word close by: "罚款300" or "扣了 300".
_NEAR_CUE = re.compile(
    rf"(?:{_CUE_RE.pattern})\s*(?:了|我们|我|是|为|共|达|高达|金额|:|每单|一单)*\s*$"
)


# A number right before one of these is a count, a date or a time: 3天, 2025年, 7:30.
_NOT_MONEY_AFTER = "-/:%年月日号点时天个单件次分条斤克箱台人岁hx倍笔张份支盒套瓶只位家周楼米度g"
_COUNT_WORDS = (
    "order", "orders", "item", "items", "pcs", "pieces", "day", "days", "hour", "hours", "week",
    "weeks", "month", "months", "unit", "units", "pack", "packs", "boxes", "parcel", "parcels",
    "times", "listing", "listings", "set", "sets", "g", "kg", "ml",
)  # fmt: skip
_COUNT_WORD_AFTER = re.compile(rf"\s*(?:{'|'.join(_COUNT_WORDS)})\b")


def _any_of(words: Sequence[str]) -> str:
    return "|".join(map(re.escape, words))


def _counted(size: int) -> str:
    """A count word (3 orders) within ``size`` characters, as _COUNT_WORD_AFTER with that endpos."""
    parts = []
    for n in sorted({len(w) for w in _COUNT_WORDS}):
        words = _any_of([w for w in _COUNT_WORDS if len(w) == n])
        # A word that ends the window ends a word: \b holds at endpos.
        parts.append(rf"\s{{0,{size - n - 1}}}(?:{words})\b|\s{{{size - n}}}(?:{words})")
    return "|".join(parts)


# What follows a count, a date or a time (3天, 2025年, 7:30, 12%, 3 orders).
_COUNTED = rf"(?=[{re.escape(_NOT_MONEY_AFTER)}]|(?=\s{{0,11}}[a-z])(?:{_counted(12)}))"
_UNIT = "十百千万拾佰仟"
# _NUM after its first digit. Possessive: giving back a digit never helps (no digit can start
# what follows a number), and trying costs more than the rest of the match.
_NUM_REST = r"\d{0,2}+(?:,\d{3})++(?:\.\d++)?+|\d*+(?:\.\d++)?+"
# Every sum starts with a digit, ¥, rmb, cny, 人民币 or a Chinese numeral. The pattern consumes
# that character first, so the engine skips in C to the next such character (a pattern that
# starts with an alternation of groups is tried at every position, several times slower), and
# each alternative checks which character it follows. Groups hold what follows the first
# character (num = "00" in 300元); alternatives are in order of preference, as in finditer.
_MENTION = re.compile(
    rf"[\d¥rc人{_CN}](?:"
    rf"(?<=\d)(?P<num>{_NUM_REST})(?:"
    rf"\s*(?P<scale>{_SCALE})?\s*(?P<after>{_CURRENCY_AFTER})(?P<jiao>\d(?!\d))?"  # 300元, 9块9
    rf"|(?P<suffix>万|千|w|k)(?![a-z])(?P<tail>\d(?![\d.]))?(?:{_COUNTED}(?P<k_counted>))?"  # 5k
    rf"|{_COUNTED}(?P<counted>)"  # a bare number before a count, date or time: 3天, 2025年
    rf"|)"  # a bare number
    rf"|(?<=[{_CN}])(?:"
    rf"(?P<cn>[{_CN}]{{0,7}}+)(?:多|余|来)?\s*(?P<cnafter>元|块钱|块|蚊|毛|角)(?![\d{_CN}])"  # 三千多块
    # 两百三, 一万: up to four numerals, a unit, up to four numerals
    rf"|(?P<cnbare>[{_CN}]{{0,3}}[{_UNIT}][{_CN}]{{0,4}}|(?<=[{_UNIT}])[{_CN}]{{0,4}}))"
    rf"|(?:(?<=¥)|(?<=r)mb|(?<=c)ny|(?<=人)民币)\s*(?P<n1>{_NUM})\s*(?P<s1>{_SCALE})?"  # ¥300
    rf")"
)
# Joins a batch into one string. Normalised text has no control characters, and no pattern
# here matches this one, so matches never cross from one text into the next.
_SEP = "\x00"
_BIG_UNITS = frozenset("百千万佰仟")
_FACTORS = {"万": 10_000, "w": 10_000, "千": 1000, "k": 1000, "百": 100}
_FESTIVALS = {"618", "1111", "11.11", "双11"}
_NOT_AFTER_WORDS = ("粉", "播放", "销量", "单量", "订单", "浏览", "点赞")  # 3万粉, 1.2万播放


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


def _scaled(number: str, scale: str | None) -> float:
    return float(number.replace(",", "")) * _FACTORS.get(scale or "", 1)


def _long(digits: str) -> bool:
    """Eight digits or more before the point: an order, phone or tracking number."""
    return len(digits) >= 8 and len(digits.replace(",", "").split(".")[0]) >= 8


def _is_noise(text: str, start: int, digits: str) -> bool:
    """Order/phone/tracking numbers, dates, times and festivals (618) are not money.

    What follows the number (3天, 7:30, 12%, 3 orders) is the ``counted`` group of _MENTION.
    """
    if _long(digits) or digits in _FESTIVALS:
        return True
    before = text[start - 1 : start]  # the separator before a text is no digit, sign or letter
    if before == "-" and not text[max(0, start - 2) : start - 1].isdigit():
        return False  # a ledger entry such as "扣款 -650"
    return bool(before) and (
        before.isdigit() or before in "-/:#" or (before.isalpha() and before.isascii())
    )


def _scan(texts: Sequence[str]) -> tuple[str, list[int], list[tuple[int, float, int, int, bool]]]:
    """The texts joined by _SEP, where each starts, and every sum of money in them, in order.

    A sum is ``(text index, value, start, end, explicit)`` with positions in the joined string;
    ``explicit`` means it carried a currency marker, not only a nearby money word.
    """
    joined = _SEP.join(texts)
    if joined.count(_SEP) >= len(texts):
        # Only unnormalised text holds one; no pattern tells it from another control character.
        joined = _SEP.join(t.replace(_SEP, "\x01") for t in texts)
    starts = [0]
    for t in texts:
        starts.append(starts[-1] + len(t) + 1)
    near_cue = _NEAR_CUE.search
    out: list[tuple[int, float, int, int, bool]] = []
    i, first, stop = -1, 0, -1
    counted = _MENTION.groupindex["counted"]
    for m in _MENTION.finditer(joined):
        if m.lastindex == counted:  # most numbers: skip them before reading any group
            continue
        s, e = m.span()
        if s > stop:
            i = bisect_right(starts, s) - 1
            first, stop = starts[i], starts[i + 1] - 1
        num, scale, after, jiao, suffix, tail, k_counted, _, cn, cnafter, cnbare, n1, s1 = (
            m.groups()
        )
        if num is not None:
            digits = joined[s] + num
            if after is not None:  # 300元
                value = _scaled(digits, scale)
                if after in ("毛", "角") and not scale:
                    if "." in digits or value >= 10:  # 29.9 毛利 is a price and a word, not 2.99
                        continue
                    value /= 10
                elif jiao and after in ("块", "元") and not scale:
                    value += int(jiao) / 10  # 9块9 = 9.9
                if value <= 0 or value >= 1e9 or _long(digits):
                    continue
                out.append((i, value, s, e, True))
            elif suffix is None:  # a bare number: money next to a money word, or from 10 up
                value = float(digits.replace(",", ""))
                if value < 10 and not near_cue(joined, max(first, s - 12), s):
                    continue
                if value <= 0 or _is_noise(joined, s, digits):  # noise covers 1e9 and up
                    continue
                out.append((i, value, s, e, False))
            else:  # 1.2万, 5k
                value = _scaled(digits, suffix)
                if tail and suffix in ("万", "w"):
                    value += int(tail) * 1000  # 1万5 = 15000
                before = joined[max(first, s - 6) : s]
                if any(w in before for w in _NOT_AFTER_WORDS) or value <= 0 or value >= 1e9:
                    continue
                if suffix != "k":
                    if not _long(digits):
                        out.append((i, value, s, e, True))
                elif (
                    near_cue(joined, max(first, s - 12), s)
                    and k_counted is None
                    and not _is_noise(joined, s, digits)
                ):
                    out.append((i, value, s, e, False))
        elif n1 is not None:  # ¥300
            value = _scaled(n1, s1)
            if 0 < value < 1e9 and not _long(n1):
                out.append((i, value, s, e, True))
        elif cn is not None:  # 三千多块
            value = chinese_number(joined[s] + cn)
            if cnafter in ("毛", "角"):
                value /= 10
            if 0 < value < 1e9:
                out.append((i, value, s, e, True))
        else:
            # 扣了两百三, 补两万, 一千违约金, 又是一千七: hundreds and up, or next to a money word
            cnbare = joined[s] + cnbare
            if _BIG_UNITS.isdisjoint(cnbare) and not (
                _CUE_RE.match(joined, e, stop) or near_cue(joined, max(first, s - 12), s)
            ):
                continue
            rest = joined[e : min(e + 4, stop)].lstrip("多余来左右")
            if rest[:1] in _NOT_MONEY_AFTER or rest[:1] in _CN or _COUNT_WORD_AFTER.match(rest):
                continue
            value = chinese_number(cnbare)
            if 0 < value < 1e9:
                out.append((i, value, s, e, False))
    return joined, starts, out


def find_amounts(text: str) -> list[Mention]:
    """Every sum of money in a normalised text, in order.

    >>> [m.value for m in find_amounts("罚了300元，订单6931058827460113925，电话13812345678")]
    [300.0]
    >>> [m.value for m in find_amounts("¥39.9 和 3,500块 和 1.2万 和 三千多块 和 8毛")]
    [39.9, 3500.0, 12000.0, 3000, 0.8]
    """
    return [Mention(v, s, e, x) for _, v, s, e, x in _scan([text])[2]]


_LOSS_WORDS = (
    "扣", "罚", "赔", "退回", "退还", "退我", "补缴", "补交", "补齐", "再补", "划走", "划转", "少了", "损失",
    "亏", "没了", "拿走", "收取", "收了", "多收", "多扣", "剩下", "剩余", "差额", "差的", "还差", "未退", "多押",
    "要补", "追回", "deduct", "fined", "charged", "refunded", "lost", "took", "withheld", "top-up",
    "top up", "topup",
)  # fmt: skip
_TOTAL_WORDS = ("共", "一共", "合计", "总共", "累计", "总计", "总额", "加起来", "in total", "total")  # fmt: skip
_TO_WORDS = (
    "涨到", "涨至", "变成", "变", "调到", "调至", "提到", "提高到", "上调到", "上调至", "升到", "到", "至",
)  # fmt: skip
_PER = "[单件笔个盒支条箱斤]"


def _by_length(words: Sequence[str], size: int, template: str) -> str:
    """Alternatives per word length n <= size: ``template`` with {words} and {room} = size - n."""
    return "|".join(
        template.format(words=_any_of([w for w in words if len(w) == n]), room=size - n)
        for n in sorted({len(w) for w in words if len(w) <= size})
    )


def _starts(words: Sequence[str]) -> str:
    """One character wherever one of the words starts, so finditer finds overlapping ones."""
    rests: dict[str, list[str]] = {}
    for w in words:
        rests.setdefault(w[0], []).append(w[1:])
    return "|".join(
        re.escape(c) if "" in r else rf"{re.escape(c)}(?={_any_of(r)})" for c, r in rests.items()
    )


# The weights read windows around each sum (16 characters before it, 8 after) cut out of the
# batch and joined by _SEP: one finditer per pattern over all of them, not a search per sum.
# A match never crosses _SEP, "(?=\x00|\Z)" ends a window and "\x00" starts one. Every pattern
# starts with a literal character or set, so the engine skips ahead in C.
_LOSS_BEFORE = re.compile(_starts(_LOSS_WORDS))  # kept when in the last 8
_LOSS_AFTER = re.compile(  # in the first 4 after
    "\x00(?:" + _by_length(_LOSS_WORDS, 4, "[^\x00]{{0,{room}}}(?:{words})") + ")"
)
_TOTAL_BEFORE = re.compile(_starts(_TOTAL_WORDS))  # kept when in the last 8
_TO = re.compile(  # ends the window within 4 characters
    "|".join(rf"{re.escape(w)}\s{{0,{4 - len(w)}}}(?=\x00|\Z)" for w in _TO_WORDS)
)
_FROM = re.compile(r"[从由]\s{0,2}(?=\x00|\Z)")  # ends the window within 3 characters
_PER_UNIT_BEFORE = re.compile(  # ends the window, kept when in the last 8 (one start can match)
    rf"每{_PER}\s*(?:要|扣|收|是|才|就|都)?\s*(?=\x00|\Z)"
    rf"|一{_PER}\s*(?:要|扣|收|是|才|就|都)?\s*(?=\x00|\Z)|per (?:order|item)\s*(?=\x00|\Z)"
)
_PER_UNIT_AFTER = re.compile(rf"\x00\s*(?:[一每/]{_PER}|per (?:order|item))")  # starts the 8 after
_CUE_CATEGORY = {cue: n for n, cues in enumerate(_CUES.values()) for cue in cues}
_CATEGORY_NUMBER = {category: n for n, category in enumerate(_CUES)}


def _windows(text: str, lo: np.ndarray, hi: np.ndarray) -> tuple[str, np.ndarray]:
    """``text[lo:hi]`` for each pair joined by _SEP, and where each starts."""
    pieces = map(text.__getitem__, map(slice, lo.tolist(), hi.tolist()))
    ends = np.cumsum(hi - lo + 1)
    return _SEP.join(pieces), ends - (hi - lo + 1)


def _hits(
    pattern: re.Pattern[str], text: str, at: np.ndarray, earliest: np.ndarray | None = None
) -> np.ndarray:
    """For each window of ``text`` (starting at ``at``): does the pattern match in it (at or
    after ``earliest`` when given)?"""
    found = np.fromiter(map(re.Match.start, pattern.finditer(text)), dtype=np.int64)
    window = np.searchsorted(at, found, side="right") - 1
    if earliest is not None:
        window = window[found >= earliest[window]]
    out = np.zeros(len(at), dtype=bool)
    out[window] = True
    return out


def _cues(text: str, at: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each window, whether findall of _CUE_RE in it finds a cue, and one of category ``own``."""
    found = list(_CUE_RE.finditer(text))
    where = np.fromiter(map(re.Match.start, found), dtype=np.int64, count=len(found))
    category = np.fromiter(
        map(_CUE_CATEGORY.get, map(re.Match.group, found), repeat(-1)), np.int64, len(found)
    )
    window = np.searchsorted(at, where, side="right") - 1
    any_cue = np.zeros(len(at), dtype=bool)
    any_cue[window] = True
    own_cue = np.zeros(len(at), dtype=bool)
    own_cue[window[category == own[window]]] = True
    return any_cue, own_cue


def main_amounts(texts: Sequence[str], categories: Sequence[str]) -> list[float | None]:
    """The sum in dispute in each text, given each text's predicted category.

    Points for a loss verb (扣, 罚, 退回, 补缴 …) or a money word of the category nearby, a
    total (共计, 加起来), a currency marker and a sum repeated in the text; minus points for a
    per-unit figure (每单3元) when other sums are stated. The first of equals wins.

    >>> main_amounts(["衣服459元，运费10元，平台判仅退款459块", "", "发货3天"], ["arbitrary_refund"] * 3)
    [459.0, None, None]
    """
    if len(texts) != len(categories):
        raise ValueError(f"{len(texts)} texts but {len(categories)} categories")
    joined, starts, found = _scan(texts)
    out: list[float | None] = [None] * len(texts)
    if not found:
        return out
    owner_of, values, begin, end, explicit = zip(*found, strict=True)
    owner = np.array(owner_of, dtype=np.int64)
    head = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])  # each text's first sum
    size = np.diff(np.r_[head, len(found)])
    for k in head[size == 1].tolist():
        out[owner_of[k]] = round(values[k], 2)
    if (size == 1).all():
        return out
    # Texts with several sums: weigh each of their sums. Sorting by (text, value) finds repeats.
    group = np.repeat(np.arange(len(head)), size)
    value = np.array(values, dtype=float)
    order = np.lexsort((value, group))
    same = (value[order][1:] == value[order][:-1]) & (group[order][1:] == group[order][:-1])
    repeated = np.zeros(len(found), dtype=bool)
    repeated[order[1:][same]] = True
    repeated[order[:-1][same]] = True
    distinct = np.add.reduceat(np.r_[True, ~same].astype(np.int64), head)  # heads stay in order
    index = np.flatnonzero(np.repeat(size > 1, size))
    several = (distinct > 1)[group[index]]
    s, e, who = np.array(begin)[index], np.array(end)[index], owner[index]
    bounds = np.array(starts, dtype=np.int64)
    first, stop = bounds[who], bounds[who + 1] - 1
    before, before_at = _windows(joined, np.maximum(first, s - 16), s)
    last8 = before_at + (s - np.maximum(first, s - 16)) - 8  # the 8 before a sum
    after, after_at = _windows(joined, e, np.minimum(stop, e + 8))
    after, after_at = _SEP + after, after_at + 1  # each window after a _SEP
    own = np.array([_CATEGORY_NUMBER.get(categories[i], -2) for i in who.tolist()])
    cue_before, own_before = _cues(before, before_at, own)
    cue_after, own_after = _cues(after, after_at, own)
    points = np.where(own_before | own_after, 2.0, np.where(cue_before | cue_after, 1.0, 0.0))
    loss = _hits(_LOSS_BEFORE, before, before_at, last8) | _hits(_LOSS_AFTER, after, after_at - 1)
    points += np.where(loss, 2.0, 0.0)
    points += np.where(_hits(_TOTAL_BEFORE, before, before_at, last8), 3.0, 0.0)
    to, from_ = _hits(_TO, before, before_at), _hits(_FROM, before, before_at)
    points += np.where(to, 1.0, np.where(from_, -1.0, 0.0))
    points += np.array(explicit, dtype=float)[index]
    points += repeated[index]
    per_unit = _hits(_PER_UNIT_BEFORE, before, before_at, last8)
    per_unit |= _hits(_PER_UNIT_AFTER, after, after_at - 1)
    points -= np.where(per_unit & several, 2.5, 0.0)
    # The first best sum of each text: the first position holding its text's maximum.
    local = group[index]
    heads = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
    top = np.repeat(np.maximum.reduceat(points, heads), np.diff(np.r_[heads, len(index)]))
    best = np.flatnonzero(points == top)
    _, firsts = np.unique(local[best], return_index=True)
    for k in index[best[firsts]].tolist():
        out[owner_of[k]] = round(values[k], 2)
    return out


def main_amount(text: str, category: str | None = None) -> float | None:
    """The sum in dispute in one text: ``main_amounts`` of one.

    >>> main_amount("衣服459元，运费10元，平台判仅退款459块", "arbitrary_refund")
    459.0
    >>> main_amount("保证金2000元，被扣了1500元，请退回1500元", "deposit_withheld")
    1500.0
    """
    return main_amounts([text], [category or ""])[0]
