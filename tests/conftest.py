"""Shared fixtures: paths, a tiny model trained in about a second, the shipped triager."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(__file__).parent / "data"
TRAIN = ROOT / "data" / "train" / "complaints.csv"
DEV = ROOT.parent / "shared" / "eval" / "dev.csv"


@pytest.fixture(scope="session")
def corpus() -> pd.DataFrame:
    return pd.read_csv(TRAIN, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def tiny_corpus(corpus) -> pd.DataFrame:
    """25 rows per category: enough for a model that trains in about a second."""
    return corpus.groupby("category", group_keys=False).head(25).reset_index(drop=True)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_corpus, tmp_path_factory) -> Path:
    from triage.training import train_and_save

    data = tmp_path_factory.mktemp("tiny-data") / "tiny.csv"
    tiny_corpus.to_csv(data, index=False)
    out = tmp_path_factory.mktemp("tiny-model")
    train_and_save(data, out, dev=None, stem="triage-tiny")
    return out


@pytest.fixture(scope="session")
def triager():
    """The shipped model with the built-in catalogue."""
    import triage

    return triage.load()


@pytest.fixture(scope="session")
def dev() -> pd.DataFrame:
    if not DEV.is_file():
        pytest.skip(f"dev set {DEV} is absent: dev-set checks SKIPPED")
    return pd.read_csv(DEV, dtype={"region": str})


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files in tests/golden/ from the current output.",
    )


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))
