"""Saving and loading models: a joblib artefact plus a JSON card with the same stem.

A ``.joblib`` file runs code when it is loaded, so a model is loaded only when its SHA-256
matches the one recorded in its card, and only with the library versions it was built with.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from triage.config import ACTIVE_FILE, MODEL_ENV, MODEL_PREFIX
from triage.errors import ModelLoadError
from triage.scorer import LinearScorer


@dataclass
class LoadedModel:
    """A model with its card and the path it came from.

    Predictions use the exported weights (:class:`~triage.scorer.LinearScorer`) when the
    card lists them; the scikit-learn pipeline is then unpickled only when asked for.
    """

    card: dict
    path: Path
    scorer: LinearScorer | None = None
    _pipeline: Any = None

    @property
    def version(self) -> str:
        """The model's stem, e.g. ``triage-20251122``."""
        return self.path.stem

    @property
    def pipeline(self) -> Any:
        """The fitted scikit-learn pipeline (unpickled on first use)."""
        if self._pipeline is None:
            self._pipeline = _load_pipeline(verify_model(self.path)[0])
        return self._pipeline

    @property
    def classes(self) -> list[str]:
        """Class names, in the order of :meth:`predict_proba`'s columns."""
        if self.scorer is not None:
            return list(self.scorer.classes)
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, normalized: list[str]) -> np.ndarray:
        """Class probabilities of normalised texts (see :func:`triage.text.normalize_many`)."""
        if self.scorer is not None:
            return self.scorer.predict_proba(normalized)
        X = self.pipeline.named_steps["ngrams"].transform(normalized, normalized=True)
        return self.pipeline[1:].predict_proba(X)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def card_path(model_path: Path) -> Path:
    """The JSON card that travels with a model file."""
    return model_path.with_suffix(".json")


def weights_path(model_path: Path) -> Path:
    """The exported weights (``.weights.npz``) that travel with a model file."""
    return model_path.with_suffix(".weights.npz")


def save_model(pipeline: Any, card: dict, folder: Path, stem: str) -> Path:
    """Write ``<stem>.joblib``, its weights ``<stem>.weights.npz`` (when the pipeline has the
    shape :class:`~triage.scorer.LinearScorer` reads) and ``<stem>.json`` into ``folder``;
    return the model path.

    Every file is written to a temporary name first and renamed into place, the card last,
    so a crash never leaves a model without its card or a card naming missing weights.
    """
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    model_path = folder / f"{stem}.joblib"
    tmp_model = folder / f".{stem}.joblib.tmp"
    tmp_weights = folder / f".{stem}.weights.npz.tmp"
    tmp_card = folder / f".{stem}.json.tmp"
    try:
        joblib.dump(pipeline, tmp_model, compress=3)
        card = {**card, "model_file": model_path.name, "model_sha256": sha256_file(tmp_model)}
        scorer = LinearScorer.from_pipeline(pipeline)
        if scorer is not None:
            scorer.save(tmp_weights)
            card["weights_file"] = weights_path(model_path).name
            card["weights_sha256"] = sha256_file(tmp_weights)
        tmp_card.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", "utf-8")
        os.replace(tmp_model, model_path)
        if scorer is not None:
            os.replace(tmp_weights, weights_path(model_path))
        os.replace(tmp_card, card_path(model_path))
    finally:
        for tmp in (tmp_model, tmp_weights, tmp_card):
            tmp.unlink(missing_ok=True)
    return model_path


def shipped_models_dir() -> Path:
    """The folder of shipped models: installed as ``triage.shipped_models`` by ``pip install``.

    When ``triage`` is imported from a source checkout instead (tests run from the repository
    root), that package does not exist there, and the checkout's ``models/`` is used.
    """
    try:
        return Path(str(resources.files("triage.shipped_models")))
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parent.parent / "models"
        if checkout.is_dir():
            return checkout
        raise ModelLoadError(
            "no shipped model is installed; pass --model or set $TRIAGE_MODEL"
        ) from None


def list_models(folder: Path) -> list[Path]:
    """Model files in ``folder``, oldest first."""
    return sorted(folder.glob(f"{MODEL_PREFIX}*.joblib"))


def resolve_model_path(model: str | Path | None = None) -> Path:
    """The model file to load: ``model`` (a file or a folder), ``$TRIAGE_MODEL``, or shipped.

    In a folder, the stem named in its ``ACTIVE`` file wins, else the newest model.
    """
    choice = model if model is not None else os.environ.get(MODEL_ENV)
    path = Path(choice) if choice else shipped_models_dir()
    if path.is_dir():
        active = path / ACTIVE_FILE
        if active.is_file():
            stem = active.read_text("utf-8").strip()
            candidate = path / f"{stem}.joblib"
            if not candidate.is_file():
                raise ModelLoadError(f"{active} names {stem!r}, but {candidate} does not exist")
            return candidate
        found = list_models(path)
        if not found:
            raise ModelLoadError(
                f"no model ({MODEL_PREFIX}*.joblib) in {path}; train one with `triage train`"
            )
        return found[-1]
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}")
    return path


def verify_model(model: str | Path | None = None) -> tuple[Path, dict]:
    """The model file and its card, after checking the file against the card's SHA-256.

    Cheap next to :func:`load_model` (no unpickling, no scikit-learn import): a process
    that only hands the model to workers checks it with this.
    """
    path = resolve_model_path(model)
    cpath = card_path(path)
    try:
        card = json.loads(cpath.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"model card {cpath} is missing; refusing to load {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"model card {cpath} is not valid JSON: {exc}") from None
    _check_sha256(path, card.get("model_sha256"))
    return path, card


def _check_sha256(path: Path, expected: str | None) -> None:
    actual = sha256_file(path)
    if expected != actual:
        raise ModelLoadError(
            f"{path} does not match the SHA-256 in its card (expected {expected}, got {actual}); "
            "the file is corrupt or was replaced. Retrain with `triage train` or restore it."
        )


def load_model(model: str | Path | None = None) -> LoadedModel:
    """Load a model after checking it against its card's SHA-256 (and, when its pipeline
    is unpickled, the library versions it was built with)."""
    path, card = verify_model(model)
    scorer = _load_weights(path, card)
    return LoadedModel(card, path, scorer, None if scorer else _load_pipeline(path))


def _load_weights(path: Path, card: dict) -> LinearScorer | None:
    """The model's exported weights, or None when its card lists none (an older model)."""
    expected = card.get("weights_sha256")
    wpath = weights_path(path)
    if expected is None or not wpath.is_file():
        return None
    _check_sha256(wpath, expected)
    try:
        return LinearScorer.load(wpath)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load {wpath}: {type(exc).__name__}: {exc}") from None


def _load_pipeline(path: Path) -> Any:
    import joblib
    from sklearn.exceptions import InconsistentVersionWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            return joblib.load(path)
    except InconsistentVersionWarning as exc:
        raise ModelLoadError(
            f"{path} was built with scikit-learn {exc.original_sklearn_version}, this is "
            f"{exc.current_sklearn_version}; retrain with `triage train`"
        ) from None
    except Exception as exc:  # joblib raises many types for a damaged file
        raise ModelLoadError(f"cannot load {path}: {type(exc).__name__}: {exc}") from None
