"""Fault injection and hostile files: a clear message, a non-zero exit, the input untouched,
no partial output and no stray temporary file."""

import errno
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from triage.api import Triager
from triage.cli import app
from triage.errors import InputFormatError, OutputError
from triage.labelling import label_file
from triage.output import _Writer
from triage.tables import read_table

runner = CliRunner()


@pytest.fixture()
def big_input(tmp_path, corpus):
    path = tmp_path / "in.csv"
    corpus[["id", "text"]].head(120).to_csv(path, index=False)
    return path


def _only(tmp_path, *names):
    return sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_disk_full_mid_file(tmp_path, big_input, tiny_model_dir, monkeypatch):
    original = _Writer.write
    calls = {"n": 0}

    def failing(self, frame):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, frame)

    monkeypatch.setattr(_Writer, "write", failing)
    before = big_input.read_bytes()
    with pytest.raises(OutputError, match="No space left on device"):
        label_file(
            str(big_input), str(tmp_path / "out.csv"), chunk_size=40, model=str(tiny_model_dir)
        )
    assert big_input.read_bytes() == before
    assert _only(tmp_path, "in.csv")


def test_ctrl_c_mid_run(tmp_path, big_input, tiny_model_dir, monkeypatch):
    original = Triager.label_texts
    calls = {"n": 0}

    def interrupted(self, texts):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(self, texts)

    monkeypatch.setattr(Triager, "label_texts", interrupted)
    with pytest.raises(KeyboardInterrupt):  # mid-run: after the first chunk was written
        label_file(
            str(big_input), str(tmp_path / "out.csv"), chunk_size=40, model=str(tiny_model_dir)
        )
    assert _only(tmp_path, "in.csv")
    calls["n"] = 1  # the CLI reads one chunk: interrupt it there
    args = [
        "label",
        str(big_input),
        "-o",
        str(tmp_path / "out.csv"),
        "--model",
        str(tiny_model_dir),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 130 and "nothing was written" in result.stderr
    assert _only(tmp_path, "in.csv")


def test_worker_crash(tmp_path, big_input, tiny_model_dir):
    models = tmp_path / "m"
    shutil.copytree(tiny_model_dir, models)
    model_file = next(models.glob("*.joblib"))

    def replace_model_before_workers_start(table):
        model_file.write_bytes(b"not a model any more")

    with pytest.raises(OutputError, match="worker process crashed"):
        label_file(str(big_input), str(tmp_path / "out.csv"), chunk_size=40, workers=2,
                   model=str(models), on_start=replace_model_before_workers_start)  # fmt: skip
    assert not (tmp_path / "out.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_truncated_model_and_broken_catalogue_exit_1(tmp_path, big_input, tiny_model_dir):
    models = tmp_path / "m"
    shutil.copytree(tiny_model_dir, models)
    model_file = next(models.glob("*.joblib"))
    model_file.write_bytes(model_file.read_bytes()[:1000])
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["label", str(big_input), "-o", str(out), "--model", str(models)])
    assert result.exit_code == 1 and "SHA-256" in result.stderr and not out.exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[[policy]]\nid = 'x'\n", "utf-8")
    result = runner.invoke(
        app,
        [
            "label",
            str(big_input),
            "-o",
            str(out),
            "--model",
            str(tiny_model_dir),
            "--policies",
            str(bad),
        ],
    )
    assert result.exit_code == 1 and "policy catalogue" in result.stderr and not out.exists()


def test_two_runs_writing_the_same_output(tmp_path, big_input, tiny_model_dir):
    out = tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "triage", "label", str(big_input), "-o", str(out), "--force",
           "--quiet", "--model", str(tiny_model_dir)]  # fmt: skip
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE) for _ in range(2)]
    codes = [p.wait(timeout=120) for p in procs]
    # Each run renames a complete file into place; whichever finishes last wins.
    assert 0 in codes
    frame = read_table(out)
    assert len(frame) == 120 and frame["id"].tolist() == read_table(big_input)["id"].tolist()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_hostile_files(tmp_path, tiny_model_dir):
    huge = tmp_path / "huge.csv"
    huge.write_text("id,text\n1," + "罚" * 2_000_000 + "\n2,ok\n", "utf-8")
    summary = label_file(str(huge), str(tmp_path / "huge.out.csv"), model=str(tiny_model_dir))
    assert summary.rows == 2

    wide = tmp_path / "wide.csv"
    header = ["text", *(f"c{i}" for i in range(10_000))]
    wide.write_text(
        ",".join(header) + "\n" + ",".join(["店被封了"] + ["x"] * 10_000) + "\n", "utf-8"
    )
    out = tmp_path / "wide.out.csv"
    label_file(str(wide), str(out), model=str(tiny_model_dir))
    assert read_table(out).shape == (1, 10_001 + 11)

    nested = tmp_path / "nested.jsonl"
    nested.write_text(
        '{"text": "ok"}\n' + '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "utf-8"
    )
    with pytest.raises(InputFormatError, match="line 2"):
        label_file(str(nested), str(tmp_path / "n.out.jsonl"), model=str(tiny_model_dir))
    assert not (tmp_path / "n.out.jsonl").exists()

    formulas = tmp_path / "f.jsonl"
    formulas.write_text(
        "\n".join(json.dumps({"text": t}) for t in ['=HYPERLINK("http://x")', "@SUM(A1)", "+1"]),
        "utf-8",
    )
    xlsx = tmp_path / "f.xlsx"
    label_file(str(formulas), str(xlsx), model=str(tiny_model_dir))
    import openpyxl

    cells = [
        row[0]
        for row in openpyxl.load_workbook(xlsx).active.iter_rows(min_row=2, values_only=False)
    ]
    assert all(c.data_type == "s" for c in cells)
    assert pd.read_excel(xlsx)["text"].tolist()[0] == '=HYPERLINK("http://x")'
