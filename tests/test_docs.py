"""Documentation is checked: doctests run, every command has help and is in the README."""

import doctest
import importlib
import pkgutil
import re

import pytest
import typer

import triage
from triage.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")
MODULES = sorted(
    m.name for m in pkgutil.iter_modules(triage.__path__, "triage.") if m.name != "triage.__main__"
)


@pytest.mark.parametrize("name", ["triage", *MODULES])
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def _commands(group, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            out += _commands(command, f"{prefix}{name} ")
        else:
            out.append((f"{prefix}{name}", command))
    return out


COMMANDS = _commands(typer.main.get_command(app))


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name, command):
    assert command.help and "Example: triage " in command.help
    assert f"triage {name}" in README


def test_public_api_has_docstrings_with_examples():
    for name in ("load", "Triager", "label_file", "load_catalog"):
        obj = getattr(triage, name)
        assert obj.__doc__, name
    for method in ("classify", "classify_many", "label_frame"):
        assert getattr(triage.Triager, method).__doc__


def test_readme_setup_commands_are_the_ones_ci_runs():
    blocks = re.findall(r"```bash\n(.+?)\n```", README, re.S)
    assert len(blocks) >= 2
    main_job, tests = blocks[0], blocks[1]
    assert "triage label data/examples/" in main_job
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert tests.strip() in ci


def test_readme_quickstart_runs(tmp_path):
    from triage.labelling import label_file
    from triage.tables import read_table

    out = tmp_path / "out.csv"
    summary = label_file(str(ROOT / "data" / "examples" / "complaints.csv"), str(out))
    assert summary.rows == len(read_table(out)) == 12
