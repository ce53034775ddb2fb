"""The ``triage`` command line: parse arguments, call the library, render with rich.

Exit codes: 0 done; 1 a problem with an input, output, model or rules file (the message
says which); 2 a usage error (unknown option, missing argument); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    help="Triage merchant complaints: classify, map to platform policies, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policies_app = typer.Typer(help="Inspect and validate the policy catalogue.", no_args_is_help=True)
app.add_typer(policies_app, name="policies")

out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages stay on one line: greppable


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"triage {version('merchant-triage')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Triage merchant complaints against 抖音电商 / TikTok Shop.

    Exit codes: 0 done, 1 input/output/model/rules problem, 2 usage error, 130 interrupted.
    """


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    return typer.Exit(code=1)


def _guard(func, *args, **kwargs):
    """Run a library call; turn expected failures into a message and exit code."""
    from triage.errors import TriageError

    try:
        return func(*args, **kwargs)
    except TriageError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]: nothing was written")
        raise typer.Exit(code=130) from None


ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", help="Model file or folder (default: $TRIAGE_MODEL or the shipped model)."
    ),
]
PoliciesOpt = Annotated[
    Path | None,
    typer.Option("--policies", help="A catalogue TOML adding to or overriding the built-in one."),
]


@app.command()
def label(
    input: Annotated[
        str,
        typer.Argument(
            help="Complaint file (.csv .tsv .jsonl .xlsx .parquet) or - for CSV on stdin."
        ),
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file (default: <input stem>.labelled.<ext>); - for stdout.",
        ),
    ] = None,
    text_column: Annotated[
        str | None,
        typer.Option(
            "--text-column", help="Column holding the complaint text (default: found by name)."
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Column holding the complaint id.")
    ] = None,
    model: ModelOpt = None,
    policies: PoliciesOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing output file.")
    ] = False,
    prefix: Annotated[
        str,
        typer.Option(
            "--prefix", help="Prefix for the added columns, when the input already has such names."
        ),
    ] = "",
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Excel sheet to read (default: the first).")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Input encoding (default: detected: UTF-8, UTF-8 BOM or GBK/GB18030).",
        ),
    ] = None,
    output_encoding: Annotated[
        str,
        typer.Option(
            "--output-encoding",
            help="CSV/TSV output encoding (default utf-8-sig so Excel shows Chinese).",
        ),
    ] = "utf-8-sig",
    skip_bad_lines: Annotated[
        bool,
        typer.Option(
            "--skip-bad-lines",
            help="Keep going past malformed CSV rows; they go to <output>.rejected.csv.",
        ),
    ] = False,
    escape_formulas: Annotated[
        bool,
        typer.Option(
            "--escape-formulas",
            help="Prefix CSV cells starting with = + - @ with ' so spreadsheets do not run them.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")
    ] = False,
) -> None:
    """Label every complaint in a file with category, policies, region, product, amount, priority.

    Example: triage label data/examples/complaints.csv -o labelled.csv
    """
    from triage.labelling import label_file
    from triage.views import render_label_summary

    progress = None if quiet or not err.is_terminal else _Progress()
    summary = _guard(
        label_file, input, output, text_column=text_column, id_column=id_column, model=model,
        policies=str(policies) if policies else None, force=force, prefix=prefix,
        encoding=encoding, output_encoding=output_encoding, sheet=sheet,
        skip_bad_lines=skip_bad_lines, escape_formulas=escape_formulas,
        on_start=progress.start if progress else None,
        on_progress=progress.advance if progress else None,
    )  # fmt: skip
    if progress:
        progress.stop()
    if not quiet:
        err.print(render_label_summary(summary))


class _Progress:
    """A rich progress bar on stderr (rows, rows/s, ETA by bytes when the size is known)."""

    def start(self, table) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )  # fmt: skip

        self.progress = Progress(
            TextColumn("labelling"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn(),
            console=err, transient=True,
        )  # fmt: skip
        self.progress.start()
        self.task = self.progress.add_task("label", total=None, rate="-")

    def advance(self, n: int) -> None:
        task = self.progress.tasks[0]
        self.progress.advance(self.task, n)
        elapsed = task.elapsed or 0
        rate = f"{task.completed / elapsed:,.0f}" if elapsed else "-"
        self.progress.update(self.task, rate=rate)

    def stop(self) -> None:
        if hasattr(self, "progress"):
            self.progress.stop()


@app.command()
def train(
    data: Annotated[
        Path, typer.Option("--data", help="Training corpus: a CSV file or a folder of CSVs.")
    ] = Path("data/train"),
    output: Annotated[
        Path, typer.Option("--output", help="Folder to write the model and its card into.")
    ] = Path("models"),
    dev: Annotated[
        Path | None,
        typer.Option(
            "--dev",
            help="Labelled dev set to score (default: ../shared/eval/dev.csv when present).",
        ),
    ] = None,
) -> None:
    """Train the classifier (5-fold cross-validated) and write the model with its JSON card.

    Example: triage train --data data/train --output models/
    """
    from triage.config import dev_set_path
    from triage.training import train_and_save

    dev = dev or dev_set_path()
    with err.status("training (5-fold cross-validation, then the final fit)…"):
        path, card = _guard(train_and_save, data, output, dev if dev.is_file() else None)
    metrics = card["metrics"]
    err.print(f"wrote [bold]{path}[/] and its card {path.with_suffix('.json')}")
    cv = metrics["cross_validation"]
    err.print(f"cross-validated macro-F1 {cv['macro_f1']:.3f}, accuracy {cv['accuracy']:.3f}")
    if "dev" in metrics:
        err.print(
            f"dev set macro-F1 {metrics['dev']['macro_f1']:.3f}, accuracy {metrics['dev']['accuracy']:.3f}"
        )
    else:
        err.print("[yellow]no dev set found: dev-set scores not recorded[/]")


@app.command()
def evaluate(
    file: Annotated[
        str, typer.Argument(help="Labelled file with the true labels in a 'category' column.")
    ],
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column holding the complaint text.")
    ] = None,
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Score the model on a labelled file: per-class precision/recall/F1, macro-F1, confusion.

    Example: triage evaluate ../shared/eval/dev.csv --json
    """
    from triage.api import load
    from triage.training import evaluate_texts, load_labelled
    from triage.views import render_scores

    texts, labels = _guard(load_labelled, file, text_column)
    scores = _guard(evaluate_texts, _guard(load, model), texts, labels)
    if as_json:
        print(json.dumps(scores.to_dict(), ensure_ascii=False))
    else:
        out.print(render_scores(scores))


@policies_app.command("list")
def policies_list(
    policies: Annotated[
        Path | None, typer.Argument(help="Catalogue TOML to add to the built-in one.")
    ] = None,
) -> None:
    """Show the policy catalogue as a table.

    Example: triage policies list
    """
    from triage.policies import load_catalog
    from triage.views import render_catalog

    out.print(render_catalog(_guard(load_catalog, policies)))


@policies_app.command("check")
def policies_check(
    policies: Annotated[
        Path | None, typer.Argument(help="Catalogue TOML to validate (default: the built-in one).")
    ] = None,
) -> None:
    """Validate a policy catalogue; list every problem and exit 1 if there is any.

    Example: triage policies check my-policies.toml
    """
    from triage.policies import load_catalog

    catalog = _guard(load_catalog, policies)
    err.print(f"[green]ok[/]: {len(catalog.policies)} policies ({catalog.source})")
