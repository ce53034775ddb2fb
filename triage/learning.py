"""Learning from corrections: the review queue, validated corrections, gated retraining,
model versions, and the label-noise audit.

The gate: a candidate trained with the corrections replaces the active model only if, on
the same held-out rows (a stratified 20% of the corpus that holds no near-duplicate of a
correction, plus the dev set when present), its macro-F1 is at most ``MAX_MACRO_DROP``
below the baseline's and no class's F1 drops by more than ``MAX_CLASS_DROP``. On small
evaluation sets one row moves F1 by more than that, so a drop must also exceed what two
rows of that set (two of that class, for a class) can move.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from triage.config import ACTIVE_FILE, MODEL_PREFIX
from triage.corpus import load_corpus
from triage.errors import LabelError
from triage.model import SEED, Scores, build_pipeline, score, train
from triage.persistence import LoadedModel, list_models, load_model, save_model
from triage.similarity import near_duplicates
from triage.taxonomy import CATEGORY_IDS
from triage.text import as_text
from triage.training import build_card

MAX_MACRO_DROP = 0.01
MAX_CLASS_DROP = 0.05
HOLDOUT_SHARE = 0.2
CORRECTION_COLUMNS = ("corrected_category", "category")


def review_queue(labelled: pd.DataFrame, triager, text_column: str, n: int = 50) -> pd.DataFrame:
    """The ``n`` rows most worth a human look, with the top three candidates.

    Order: rows flagged ``needs_review`` first, then the least confident, then the closest
    top two. An empty ``corrected_category`` column is left for staff to fill in.
    """
    texts = labelled[text_column].map(as_text).tolist()
    results = list(triager.classify_many(texts))
    proba = np.array([[r.probabilities[c] for c in CATEGORY_IDS] for r in results])
    order = np.argsort(-proba, axis=1)
    queue = labelled.copy()
    for k in range(3):
        queue[f"candidate_{k + 1}"] = [CATEGORY_IDS[i] for i in order[:, k]]
        queue[f"probability_{k + 1}"] = proba[np.arange(len(proba)), order[:, k]].round(4)
    queue["needs_review"] = [r.needs_review for r in results]
    queue["review_reason"] = [r.review_reason for r in results]
    margin = queue["probability_1"] - queue["probability_2"]
    queue["_rank"] = list(zip(~queue["needs_review"], queue["probability_1"], margin, strict=True))
    queue = queue.sort_values("_rank", kind="stable").drop(columns="_rank").head(n)
    queue["corrected_category"] = ""
    return queue


def load_corrections(frame: pd.DataFrame, text_column: str, source: str) -> pd.DataFrame:
    """Validate corrections; raise :class:`LabelError` listing every problem at once."""
    label_col = next((c for c in CORRECTION_COLUMNS if c in frame.columns), None)
    if label_col is None:
        raise LabelError(f"{source}: no corrected_category or category column")
    rows = pd.DataFrame(
        {"text": frame[text_column].map(as_text).str.strip(), "category": frame[label_col]}
    )
    rows = rows[rows["category"].map(as_text).str.strip() != ""]  # rows left for later
    problems = []
    unknown = sorted(set(rows["category"]) - set(CATEGORY_IDS))
    if unknown:
        problems.append(f"unknown categories {unknown}; possible values are {list(CATEGORY_IDS)}")
    empty = [int(i) + 1 for i in rows.index[rows["text"] == ""]]
    if empty:
        problems.append(f"empty text in data rows {empty[:10]}")
    dups = rows[rows.duplicated("text", keep=False) & (rows["text"] != "")]
    if len(dups):
        problems.append(f"{len(dups)} rows repeat a text: {dups['text'].head(3).tolist()}")
    if rows.empty:
        problems.append("no row has a correction")
    if problems:
        raise LabelError(f"{source}: nothing was applied: " + "; ".join(problems))
    return rows.reset_index(drop=True)


def store_corrections(rows: pd.DataFrame, folder: Path, source: Path) -> Path:
    """Write corrections with provenance as their own file under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    out = rows.assign(
        id=[f"C{now:%Y%m%d%H%M%S}-{i + 1:04d}" for i in range(len(rows))],
        corrected_by=os.environ.get("TRIAGE_USER") or getpass.getuser(),
        corrected_at=now.isoformat(timespec="seconds"),
        source_file=source.name,
        source_sha256=digest,
    )
    path = folder / f"corrections-{now:%Y%m%d-%H%M%S}.csv"
    tmp = path.with_suffix(".csv.tmp")
    out.to_csv(tmp, index=False, encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_all_corrections(folder: Path) -> pd.DataFrame:
    """Every stored correction (text, category), oldest first; later ones win."""
    files = sorted(folder.glob("corrections-*.csv")) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=["text", "category"])
    rows = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    return rows[["text", "category"]].drop_duplicates("text", keep="last")


@dataclass
class Comparison:
    """Old and new scores on the same held-out data, and the gate's verdict."""

    evaluations: dict[str, tuple[Scores, Scores]]
    promoted: bool
    reasons: list[str] = field(default_factory=list)
    new_model: Path | None = None


def _holdout(corpus: pd.DataFrame, corrections: pd.DataFrame) -> np.ndarray:
    """Boolean mask of held-out corpus rows: stratified, no near-duplicate of a correction."""
    rng = np.random.default_rng(SEED)
    held = np.zeros(len(corpus), dtype=bool)
    for _, idx in corpus.groupby("category").indices.items():
        chosen = rng.choice(idx, size=max(1, int(len(idx) * HOLDOUT_SHARE)), replace=False)
        held[chosen] = True
    near = {
        i for i, _, _ in near_duplicates(corpus["text"].tolist(), corrections["text"].tolist())
    }
    held[list(near)] = False
    return held


def _gate(old: Scores, new: Scores, where: str) -> list[str]:
    reasons = []
    total = sum(m["support"] for m in old.per_class.values())
    if new.macro_f1 < old.macro_f1 - max(MAX_MACRO_DROP, 2 / max(total, 1)):
        reasons.append(
            f"{where}: macro-F1 {old.macro_f1:.3f} -> {new.macro_f1:.3f} drops more than {MAX_MACRO_DROP}"
        )
    for c in CATEGORY_IDS:
        before, after = old.per_class[c]["f1"], new.per_class[c]["f1"]
        support = old.per_class[c]["support"]
        if support and after < before - max(MAX_CLASS_DROP, 2 / support):
            reasons.append(
                f"{where}: {c} F1 {before:.3f} -> {after:.3f} drops more than {MAX_CLASS_DROP}"
            )
    return reasons


def learn(
    corrections: pd.DataFrame,
    data: Path,
    corrections_dir: Path,
    models: Path,
    dev: pd.DataFrame | None = None,
) -> Comparison:
    """Retrain with ``corrections`` (plus earlier stored ones); promote only past the gate.

    The active model of ``models`` changes only when the gate passes and the new model is
    completely written: the ``ACTIVE`` pointer is replaced last, atomically.
    """
    corpus = load_corpus(data)
    earlier = load_all_corrections(corrections_dir)
    all_corr = pd.concat([earlier, corrections]).drop_duplicates("text", keep="last")
    held = _holdout(corpus, all_corr)
    fit = corpus[~held]
    base = build_pipeline().fit(fit["text"], fit["category"])
    cand_rows = pd.concat([fit[["text", "category"]], all_corr], ignore_index=True)
    cand = build_pipeline().fit(cand_rows["text"], cand_rows["category"])
    sets = {"held-out corpus": corpus[held]}
    if dev is not None:
        sets["dev set"] = dev
    evaluations, reasons = {}, []
    for where, frame in sets.items():
        texts = frame["text"].astype(str)
        old = score(frame["category"], base.predict(texts))
        new = score(frame["category"], cand.predict(texts))
        evaluations[where] = (old, new)
        reasons += _gate(old, new, where)
    comparison = Comparison(evaluations=evaluations, promoted=not reasons, reasons=reasons)
    if reasons:
        return comparison
    full = pd.concat([corpus[["text", "category"]], all_corr], ignore_index=True)
    result = train(full["text"], full["category"])
    now = datetime.now(UTC)
    card = build_card(
        result, data, corpus, now,
        corrections={"path": str(corrections_dir), "rows": len(all_corr)},
    )  # fmt: skip
    card["metrics"]["gate"] = {
        w: {"old": o.macro_f1, "new": n.macro_f1} for w, (o, n) in evaluations.items()
    }
    stem = f"{MODEL_PREFIX}{now:%Y%m%d-%H%M%S}"
    comparison.new_model = save_model(result.pipeline, card, models, stem)
    use_model(models, stem)
    return comparison


def use_model(models: Path, version: str) -> Path:
    """Make ``version`` the active model of ``models`` (atomic pointer swap)."""
    path = models / f"{version}.joblib"
    if not path.is_file():
        known = [p.stem for p in list_models(models)]
        raise LabelError(f"no model {version!r} in {models}; known versions: {known}")
    load_model(path)  # refuse to activate a model that would not load
    tmp = models / f".{ACTIVE_FILE}.tmp"
    tmp.write_text(version + "\n", "utf-8")
    os.replace(tmp, models / ACTIVE_FILE)
    return path


def model_versions(models: Path) -> list[tuple[LoadedModel | None, Path, bool, str]]:
    """Every model in ``models``: (loaded or None, path, active?, problem)."""
    from triage.persistence import resolve_model_path

    try:
        active = resolve_model_path(models)
    except Exception:
        active = None
    out = []
    for path in list_models(models):
        try:
            out.append((load_model(path), path, path == active, ""))
        except Exception as exc:  # a broken model is listed, not fatal
            out.append((None, path, path == active, str(exc)))
    return out


def audit(data: Path, min_confidence: float = 0.8) -> pd.DataFrame:
    """Training rows whose label disagrees with a confident out-of-fold prediction."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    corpus = load_corpus(data)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    proba = cross_val_predict(
        build_pipeline(), corpus["text"], corpus["category"], cv=folds, method="predict_proba"
    )
    classes = np.array(sorted(set(corpus["category"])))
    predicted = classes[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    suspect = (predicted != corpus["category"].to_numpy()) & (confidence >= min_confidence)
    out = corpus.loc[suspect, ["id", "text", "category"]].copy()
    out["predicted"] = predicted[suspect]
    out["confidence"] = confidence[suspect].round(4)
    return out.sort_values("confidence", ascending=False).reset_index(drop=True)
