"""Scoring the rule layer and extractors against a labelled file.

Expected columns (as in the dev set): ``policies`` (ids joined by ``;``), ``region``,
``product_category``, ``amount_yuan``. Each score is computed only where its column exists.
"""

from __future__ import annotations

import math

import pandas as pd


def _blank(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def score_rules(truth: pd.DataFrame, predicted: pd.DataFrame) -> dict:
    """Policy recall and count, region/product accuracy, invented regions, exact amounts.

    ``predicted`` has the columns ``triage label`` adds, row-aligned with ``truth``.
    """
    out: dict[str, float | int] = {}
    if "policies" in truth.columns:
        expected = [
            set(str(p).split(";")) - {""} if not _blank(p) else set() for p in truth["policies"]
        ]
        got = [set(str(p).split(";")) - {""} for p in predicted["policies"]]
        wanted = sum(len(e) for e in expected)
        found = sum(len(e & g) for e, g in zip(expected, got, strict=True))
        out["policy_recall"] = round(found / wanted, 4) if wanted else float("nan")
        out["policies_per_complaint"] = round(sum(len(g) for g in got) / max(len(got), 1), 3)
    if "region" in truth.columns:
        stated = [not _blank(r) for r in truth["region"]]
        pairs = list(zip(truth["region"], predicted["region"], stated, strict=True))
        hits = [str(t) == str(p) for t, p, s in pairs if s]
        invented = [not _blank(p) for _, p, s in pairs if not s]
        out["region_accuracy"] = round(sum(hits) / len(hits), 4) if hits else float("nan")
        out["region_invented_rate"] = round(sum(invented) / len(invented), 4) if invented else 0.0
    if "product_category" in truth.columns:
        pairs = [
            (str(t), str(p))
            for t, p in zip(truth["product_category"], predicted["product_category"], strict=True)
            if not _blank(t)
        ]
        out["product_accuracy"] = (
            round(sum(t == p for t, p in pairs) / len(pairs), 4) if pairs else float("nan")
        )
    if "amount_yuan" in truth.columns:
        pairs = [
            (float(t), p)
            for t, p in zip(truth["amount_yuan"], predicted["amount_yuan"], strict=True)
            if not _blank(t)
        ]
        exact = [not _blank(p) and abs(float(p) - t) < 0.005 for t, p in pairs]
        out["amount_exact"] = round(sum(exact) / len(exact), 4) if exact else float("nan")
    return out
