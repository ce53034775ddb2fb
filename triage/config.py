"""Paths and defaults. Pure constants: no I/O at import."""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming a model file (or a folder of models) to use by default.
MODEL_ENV = "TRIAGE_MODEL"
#: Environment variable naming the development set (default: ``../shared/eval/dev.csv``).
DEV_SET_ENV = "TRIAGE_DEV_SET"

MODEL_PREFIX = "triage-"
ACTIVE_FILE = "ACTIVE"  # a models folder may name its active model stem in this file

DEFAULT_TRAIN_DIR = Path("data/train")
DEFAULT_MODELS_DIR = Path("models")
DEFAULT_CORRECTIONS_DIR = Path("data/corrections")


def dev_set_path() -> Path:
    """Where the development set is expected (it is read, never copied into the repo)."""
    return Path(os.environ.get(DEV_SET_ENV, "../shared/eval/dev.csv"))
