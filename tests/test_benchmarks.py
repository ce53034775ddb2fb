"""The benchmark harness runs end to end on a tiny size. No timing assertions here."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from benchmarks.data import MAX_CHARS, MIN_CHARS, generate_chunks, write_csv

from .conftest import ROOT

SECTIONS = (
    "# Benchmark results",
    "## Machine",
    "## Input",
    "## Accuracy",
    "## Throughput: `triage label`",
    "## Latency: the Python API",
    "## Cold start",
    "## Training and model size",
    "## `triage report`",
    "## Method",
)


def test_generated_input_is_deterministic_and_realistic(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    info = write_csv(a, 500)
    write_csv(b, 500)
    assert a.read_bytes() == b.read_bytes()
    frame = pd.read_csv(a, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["id", "date", "text"] and len(frame) == 500
    assert frame["id"].is_unique
    lengths = frame["text"].str.len()
    assert lengths.min() >= MIN_CHARS and lengths.max() <= MAX_CHARS
    assert frame["date"].nunique() > 50  # spread over many weeks
    assert frame["text"].str.contains(r"[A-Za-z]{4}").any()  # English and mixed texts too
    assert frame["text"].str.contains(r"[\u4e00-\u9fff]").mean() > 0.5
    assert info["rows"] == 500 and info["latest_week"].startswith("2025-W")


def test_chunks_do_not_change_the_rows():
    whole = pd.concat(list(generate_chunks(120, chunk_size=120)), ignore_index=True)
    assert len(whole) == 120 and whole["id"].iloc[-1] == "B0000120"


def test_harness_smoke(tmp_path):
    pytest.importorskip("psutil")
    results = tmp_path / "RESULTS.md"
    cmd = [
        sys.executable, "-m", "benchmarks", "--quick", "--rows", "300", "--repeats", "1",
        "--calls", "10", "--train-rows", "70", "--results", str(results),
        "--workdir", str(tmp_path / "work"),
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    text = results.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert section in text, section
    assert "`triage label` rows/s >= 3x the plain pipeline's" in text
    assert "`triage label` time <= 6x the I/O floor's" in text
    assert "failed (exit" not in text, text
    # The scratch folder given with --workdir keeps no multi-row copies of the input.
    assert not (tmp_path / "work" / "complaints.csv").exists()
