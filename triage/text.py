"""Text normalisation shared by the model and the rule layer.

A whole batch is normalised at once: joined into one string, mapped as an array of code
points with NumPy, passed once through each C-level step, and split again. Per-text Python
calls would otherwise dominate the cost of labelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache

import numpy as np

_SEP = "\x1f"  # joins a batch; a separator inside a text is turned into a space first


def _code_point_map() -> np.ndarray:
    """Lookup table for the Basic Multilingual Plane; other planes pass through unchanged."""
    table = np.arange(0x10000, dtype=np.uint32)
    fullwidth = np.arange(0xFF01, 0xFF5F)
    table[fullwidth] = fullwidth - 0xFEE0  # ！ → !, Ａ → A, ０ → 0
    blanks = [*range(0x00, 0x20), *range(0x7F, 0xA1), 0x3000, 0x200B, 0x200E, 0x200F, 0xFEFF]
    blanks += [*range(0x2028, 0x202F), *range(0x2066, 0x206A)]  # separators and bidi controls
    table[blanks] = 0x20
    table[0xD800:0xE000] = 0xFFFD  # lone surrogates from broken decoders
    table[ord(_SEP)] = ord(_SEP)
    upper = np.arange(ord("A"), ord("Z") + 1)
    table[upper] = upper + 32
    return table


_MAP = _code_point_map()


@cache
def _t2s():
    import opencc  # imported lazily: `triage --help` must not pay for it

    return opencc.OpenCC("t2s")


@cache
def _t2s_triggers() -> np.ndarray | None:
    """Per code point: can it make t2s change a text? None when the installed dictionaries
    are not those ``rules/t2s_triggers.txt`` was made from (then every text is converted)."""
    import hashlib
    from importlib import resources
    from pathlib import Path

    import opencc

    lines = resources.files("triage.rules").joinpath("t2s_triggers.txt").read_text("utf-8")
    folder = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    chars = []
    for line in lines.splitlines():
        if line.startswith("# sha256 "):
            _, _, name, digest = line.split()
            try:
                if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
                    return None
            except OSError:
                return None
        elif not line.startswith("#"):
            chars.append(line)
    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in "".join(chars)]] = True
    return table


def _to_simplified(joined: str, cps: np.ndarray | None = None) -> str:
    """t2s over a batch joined by _SEP (``cps``: its code points, when known), run only on
    the texts that hold a trigger."""
    triggers = _t2s_triggers()
    if triggers is None:
        return _t2s().convert(joined)
    if cps is None:
        cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    hit = triggers[cps]
    if not hit.any():
        return joined
    texts = joined.split(_SEP)
    # A hit's text is the number of separators before it.
    separators = np.flatnonzero(cps == ord(_SEP))
    chosen = np.unique(np.searchsorted(separators, np.flatnonzero(hit))).tolist()
    converted = _t2s().convert(_SEP.join([texts[i] for i in chosen])).split(_SEP)
    if len(converted) != len(chosen):  # the converter produced a separator
        return _t2s().convert(joined)
    for i, text in zip(chosen, converted, strict=True):
        texts[i] = text
    return _SEP.join(texts)


def as_text(value: object) -> str:
    """Return ``value`` as a string; missing values (None, NaN, NA) become ``""``.

    >>> as_text(None), as_text(float("nan")), as_text(12)
    ('', '', '12')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return ""
    if type(value).__name__ in {"NAType", "NaTType"}:
        return ""
    return str(value)


def normalize_many(texts: Sequence[object]) -> list[str]:
    """Normalise texts for matching: NFKC, Traditional → Simplified, lower case, tidy spaces.

    Control characters, line breaks, bidi marks and lone surrogates become spaces, and runs
    of spaces fold to one. The result has exactly one string per input.

    >>> normalize_many(["ＡＢＣ 運費險！！", None, "line\\r\\nbreak"])
    ['abc 运费险!!', '', 'line break']
    """
    items = [t if type(t) is str else as_text(t) for t in texts]
    if not items:
        return []
    joined = _SEP.join(items)
    if joined.count(_SEP) != len(items) - 1:
        items = [t.replace(_SEP, " ") for t in items]
        joined = _SEP.join(items)
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = cps < 0x10000
    mapped = np.where(bmp, _MAP[np.where(bmp, cps, 0)], cps).astype(np.uint32)
    joined = mapped.tobytes().decode("utf-32-le")
    if not unicodedata.is_normalized("NFKC", joined):
        mapped = None
        # Normalise only the texts that need it: one stray ① or … would otherwise send the
        # whole batch through NFKC, which costs more than every other step together.
        joined = _SEP.join(
            t if unicodedata.is_normalized("NFKC", t) else unicodedata.normalize("NFKC", t)
            for t in joined.split(_SEP)
        )
    joined = _to_simplified(joined, mapped).lower()
    while "  " in joined:  # fold runs of spaces: a few C passes beat a regex substitution
        joined = joined.replace("  ", " ")
    out = joined.split(_SEP)
    if len(out) != len(items):  # NFKC or the converter produced a separator: go one by one
        return [normalize_many([t])[0] for t in items]
    return [s.strip() for s in out]


def normalize(text: object) -> str:
    """Normalise one text (see :func:`normalize_many`).

    >>> normalize("  我們的店鋪被凍結了  ")
    '我们的店铺被冻结了'
    """
    return normalize_many([text])[0]


def is_unusable(normalized: str) -> bool:
    """True when a normalised text has no letter, digit or CJK character to classify.

    >>> is_unusable(""), is_unusable("!!! 😡😡"), is_unusable("退款")
    (True, True, False)
    """
    return not any(unicodedata.category(ch)[0] in "LN" for ch in normalized)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def language_of(text: object) -> str:
    """``zh-Hans``, ``zh-Hant``, ``en`` or ``mixed`` (more Latin letters than Chinese).

    >>> language_of("运费险"), language_of("運費險"), language_of("refund"), language_of("")
    ('zh-Hans', 'zh-Hant', 'en', 'en')
    """
    text = as_text(text)
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if cjk == 0:
        return "en"
    if _t2s().convert(text) != text:
        return "zh-Hant"
    return "mixed" if latin > cjk else "zh-Hans"
