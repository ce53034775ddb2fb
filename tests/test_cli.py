"""CLI wiring: exit codes, files written, stdout vs stderr."""

import json

import pytest
from typer.testing import CliRunner

from triage.cli import app

from .conftest import ASSETS, DEV

FILES = ASSETS / "files"
runner = CliRunner()


def test_version_and_help():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("triage ")
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "label" in result.stdout


def test_label_writes_file_and_keeps_stdout_clean(tmp_path, tiny_model_dir):
    out = tmp_path / "o.csv"
    result = runner.invoke(
        app,
        ["label", str(FILES / "gbk.csv"), "-o", str(out), "--model", str(tiny_model_dir)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert out.exists()
    assert result.stdout == ""
    assert "labelled 3 rows" in result.stderr and "gb18030" in result.stderr


def test_label_to_stdout(tiny_model_dir):
    result = runner.invoke(
        app,
        [
            "label",
            str(FILES / "complaints.tsv"),
            "-o",
            "-",
            "--quiet",
            "--model",
            str(tiny_model_dir),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("id,text,category,category_zh")
    assert result.stderr == ""


def test_label_from_stdin(tiny_model_dir):
    result = runner.invoke(
        app,
        ["label", "-", "--quiet", "--model", str(tiny_model_dir)],
        input="id,text\n1,店被封了\n",
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and result.stdout.count("\n") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["label", str(FILES / "ragged.csv")], "line 3 has 3 fields"),
        (["label", str(FILES / "missing.csv")], "file not found"),
        (["label", str(FILES / "no_text_column.csv")], "--text-column"),
        (["label", str(FILES / "gbk.csv"), "-o", "x.doc"], "unknown extension"),
        (
            ["label", str(FILES / "gbk.csv"), "--model", "/nonexistent/m.joblib"],
            "model file not found",
        ),
        (["policies", "check", "/nonexistent.toml"], "not found"),
    ],
)
def test_user_mistakes_exit_1_with_a_message(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_existing_output_needs_force(tmp_path, tiny_model_dir):
    out = tmp_path / "o.csv"
    out.write_text("keep me", "utf-8")
    args = ["label", str(FILES / "gbk.csv"), "-o", str(out), "--model", str(tiny_model_dir)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "--force" in result.stderr
    assert out.read_text("utf-8") == "keep me"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_usage_error_exits_2():
    assert runner.invoke(app, ["label"]).exit_code == 2
    assert runner.invoke(app, ["label", "x.csv", "--no-such-option"]).exit_code == 2


def test_policies_commands():
    result = runner.invoke(app, ["policies", "list"], catch_exceptions=False)
    assert result.exit_code == 0 and "experience_score" in result.stdout
    result = runner.invoke(app, ["policies", "check"], catch_exceptions=False)
    assert result.exit_code == 0 and "ok" in result.stderr


def test_train_and_evaluate(tmp_path, tiny_corpus):
    data = tmp_path / "d.csv"
    tiny_corpus.to_csv(data, index=False)
    result = runner.invoke(
        app,
        ["train", "--data", str(data), "--output", str(tmp_path / "m"), "--dev", str(data)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    card = json.loads(next((tmp_path / "m").glob("*.json")).read_text("utf-8"))
    assert "dev" in card["metrics"]
    result = runner.invoke(
        app,
        ["evaluate", str(data), "--json", "--model", str(tmp_path / "m")],
        catch_exceptions=False,
    )
    scores = json.loads(result.stdout)
    assert {"macro_f1", "accuracy", "per_class", "confusion"} <= set(scores)
    assert set(scores["per_class"]["other"]) == {"precision", "recall", "f1", "support"}


@pytest.mark.skipif(not DEV.is_file(), reason="dev set absent")
def test_evaluate_table_renders():
    result = runner.invoke(app, ["evaluate", str(DEV)], catch_exceptions=False)
    assert result.exit_code == 0 and "macro-F1" in result.stdout
