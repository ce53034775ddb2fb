"""The ``triage`` command line: parse arguments, call the library, render with rich.

Exit codes: 0 done; 1 a problem with an input, output, model or rules file (the message
says which); 2 a usage error (unknown option, missing argument); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from triage.config import DEFAULT_CORRECTIONS_DIR, DEFAULT_MODELS_DIR, DEFAULT_TRAIN_DIR

app = typer.Typer(
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~150 ms per start
    help=(
        "Triage merchant complaints: classify, map to platform policies, report.\n\n"
        "Exit codes: 0 done; 1 a problem with an input, output, model or rules file (the "
        "message names it); 2 a usage error; 130 interrupted (nothing is written)."
    ),
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
IdColumnOpt = Annotated[
    str | None, typer.Option("--id-column", help="Column holding the complaint id.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]


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
    id_column: IdColumnOpt = None,
    model: ModelOpt = None,
    policies: PoliciesOpt = None,
    force: ForceOpt = False,
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
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Worker processes (default: 2 over 32 MB, else 1)."),
    ] = None,
) -> None:
    """Label every complaint in a file with category, policies, region, product, amount, priority.

    Example: triage label data/examples/complaints.csv -o labelled.csv
    """
    from triage.allocator import keep_freed_memory
    from triage.labelling import label_file
    from triage.views import render_label_summary

    keep_freed_memory()  # this process only reads and writes chunks: a loop of equal allocations
    progress = None if quiet or not err.is_terminal else _Progress()
    summary = _guard(
        label_file, input, output, text_column=text_column, id_column=id_column, model=model,
        policies=str(policies) if policies else None, force=force, prefix=prefix,
        encoding=encoding, output_encoding=output_encoding, sheet=sheet,
        skip_bad_lines=skip_bad_lines, escape_formulas=escape_formulas, workers=workers,
        on_start=progress.start if progress else None,
        on_progress=progress.advance if progress else None,
    )  # fmt: skip
    if progress:
        progress.stop()
    if not quiet:
        err.print(render_label_summary(summary))


class _Progress:
    """A rich progress bar on stderr: rows, rows/s and an ETA.

    The bar and the ETA follow the rows when the file says how many it has (Parquet,
    Excel), else the bytes read (CSV, TSV, JSONL); from stdin there is no ETA.
    """

    def start(self, table) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )  # fmt: skip

        self.table = table
        self.by_bytes = table.total_rows is None and table.bytes_read() is not None
        total = table.total_rows or (table.size_bytes if self.by_bytes else None)
        self.rows = 0
        self.progress = Progress(
            TextColumn("labelling"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
            TextColumn("{task.fields[rate]} rows/s"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=err, transient=True,
        )  # fmt: skip
        self.progress.start()
        self.task = self.progress.add_task("label", total=total, rows=0, rate="-")

    def advance(self, n: int) -> None:
        self.rows += n
        task = self.progress.tasks[0]
        elapsed = task.elapsed or 0
        rate = f"{self.rows / elapsed:,.0f}" if elapsed else "-"
        done = self.table.bytes_read() if self.by_bytes else self.rows
        self.progress.update(self.task, completed=done, rows=self.rows, rate=rate)

    def stop(self) -> None:
        if hasattr(self, "progress"):
            self.progress.stop()


@app.command()
def train(
    data: Annotated[
        Path, typer.Option("--data", help="Training corpus: a CSV file or a folder of CSVs.")
    ] = DEFAULT_TRAIN_DIR,
    output: Annotated[
        Path, typer.Option("--output", help="Folder to write the model and its card into.")
    ] = DEFAULT_MODELS_DIR,
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


model_app = typer.Typer(
    help="List the trained models and switch the active one.", no_args_is_help=True
)
app.add_typer(model_app, name="model")
ModelsDirOpt = Annotated[Path, typer.Option("--models", help="Folder of model versions.")]


@app.command()
def review(
    labelled_file: Annotated[
        str, typer.Argument(help="A file written by `triage label` (or any complaint file).")
    ],
    n: Annotated[int, typer.Option("-n", help="How many rows to queue.")] = 50,
    output: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", help="Queue file (.csv or .xlsx; default <input stem>.review.csv)."
        ),
    ] = None,
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column holding the complaint text.")
    ] = None,
    model: ModelOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing queue file.")
    ] = False,
) -> None:
    """Write the rows most worth a human look, with the top three candidates, to correct.

    Example: triage review complaints.labelled.csv -n 50 -o queue.xlsx
    """
    from triage.api import load
    from triage.learning import review_queue
    from triage.output import atomic_writer
    from triage.tables import find_text_column, read_table

    frame = _guard(read_table, labelled_file)
    column = _guard(find_text_column, [str(c) for c in frame.columns], text_column)
    queue = review_queue(frame, _guard(load, model), column, n=n)
    target = output or str(Path(labelled_file).with_name(Path(labelled_file).stem + ".review.csv"))
    with _guard(atomic_writer, target, force=force) as writer:
        writer.write(queue)
    err.print(f"wrote {len(queue)} rows to review → {target} (fill in corrected_category)")


@app.command()
def learn(
    corrections_file: Annotated[
        str, typer.Argument(help="Rows with a text and a corrected_category (or category).")
    ],
    data: Annotated[Path, typer.Option("--data", help="The training corpus.")] = DEFAULT_TRAIN_DIR,
    models: ModelsDirOpt = DEFAULT_MODELS_DIR,
    corrections_dir: Annotated[
        Path, typer.Option("--corrections-dir", help="Where corrections are stored.")
    ] = DEFAULT_CORRECTIONS_DIR,
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column holding the complaint text.")
    ] = None,
    dev: Annotated[
        Path | None,
        typer.Option(
            "--dev", help="Dev set for the gate (default ../shared/eval/dev.csv when present)."
        ),
    ] = None,
) -> None:
    """Store corrections, retrain, and promote the new model only if it is not worse.

    Example: triage learn queue.xlsx --models models/
    """
    from triage.config import dev_set_path
    from triage.learning import learn as run_learn
    from triage.learning import load_corrections, store_corrections
    from triage.tables import find_text_column, read_table
    from triage.views import render_comparison

    frame = _guard(read_table, corrections_file)
    column = _guard(find_text_column, [str(c) for c in frame.columns], text_column)
    rows = _guard(load_corrections, frame, column, corrections_file)
    dev = dev or dev_set_path()
    dev_frame = _guard(read_table, dev) if dev.is_file() else None
    with err.status(f"retraining with {len(rows)} corrections and comparing…"):
        comparison = _guard(run_learn, rows, data, corrections_dir, models, dev_frame)
    out.print(render_comparison(comparison))
    if not comparison.promoted:
        err.print("[yellow]kept the current model[/]: " + "; ".join(comparison.reasons))
        raise typer.Exit(code=1)
    stored = store_corrections(rows, corrections_dir, Path(corrections_file))
    err.print(f"[green]promoted[/] {comparison.new_model}; corrections stored in {stored}")


@model_app.command("list")
def model_list(models: ModelsDirOpt = DEFAULT_MODELS_DIR) -> None:
    """Show the model versions with their cards; the active one is marked.

    Example: triage model list --models models/
    """
    from triage.learning import model_versions
    from triage.views import render_models

    out.print(render_models(_guard(model_versions, models)))


@model_app.command("use")
def model_use(
    version: Annotated[
        str, typer.Argument(help="Model version (file stem), e.g. triage-20251122.")
    ],
    models: ModelsDirOpt = DEFAULT_MODELS_DIR,
) -> None:
    """Make a model version the active one (loads it first to be sure it works).

    Example: triage model use triage-20251122 --models models/
    """
    from triage.learning import use_model

    path = _guard(use_model, models, version)
    err.print(f"active model: {path}")


@app.command()
def audit(
    data: Annotated[Path, typer.Option("--data", help="The training corpus.")] = DEFAULT_TRAIN_DIR,
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", help="Out-of-fold confidence to flag.")
    ] = 0.8,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write the list to a file too.")
    ] = None,
) -> None:
    """List training rows whose label disagrees with a confident out-of-fold prediction.

    Example: triage audit --data data/train -o suspects.csv
    """
    from triage.learning import audit as run_audit
    from triage.output import atomic_writer
    from triage.views import render_audit

    with err.status("cross-validating the corpus…"):
        suspects = _guard(run_audit, data, min_confidence)
    out.print(render_audit(suspects))
    if output:
        with _guard(atomic_writer, output, force=True) as writer:
            writer.write(suspects)


ReportFormat = Literal["terminal", "markdown", "html", "json", "xlsx"]


def _check_week(value: str | None) -> str | None:
    from triage.report import parse_week

    if value is not None:
        try:
            parse_week(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
def report(
    input: Annotated[
        str,
        typer.Argument(
            help="Complaint file as `triage label` reads it, labelled or not; - for stdin."
        ),
    ],
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            callback=_check_week,
            help="ISO week to report, e.g. 2025-W31 (default: the latest complete week in the data).",
        ),
    ] = None,
    weeks_back: Annotated[
        int, typer.Option("--weeks-back", min=2, help="Weeks in the trend, this one included.")
    ] = 8,
    date_column: Annotated[
        str | None,
        typer.Option("--date-column", help="Column holding the date (default: found by name)."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = "terminal",
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Output file (default: stdout; html/xlsx: <input stem>.report.<ext>); - for stdout.",
        ),
    ] = None,
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Column holding the complaint text.")
    ] = None,
    id_column: IdColumnOpt = None,
    model: ModelOpt = None,
    policies: PoliciesOpt = None,
    force: ForceOpt = False,
) -> None:
    """Weekly distribution report: counts and shares by category, region, product and policy,
    the trend, alerts on unusual rises, typical cases and data-quality notes.

    Labels already in a `category` column win; anything missing is labelled by the model.

    Example: triage report complaints.csv --week 2025-W31 --format html -o week31.html
    """
    import io
    import sys

    from triage.report import report_output_path, weekly_report_from_file, write_report_file

    output = _guard(report_output_path, input, fmt, output, force)  # None: stdout
    triager = None
    if model or policies:
        from triage.api import load

        triager = _guard(load, model, policies)
    with err.status("building the report…"):
        result = _guard(
            weekly_report_from_file, input, week=week, weeks_back=weeks_back,
            date_column=date_column, text_column=text_column, id_column=id_column,
            triager=triager,
        )  # fmt: skip
    if fmt == "terminal":
        from triage.views import render_report

        if output is None:
            out.print(render_report(result))
            return
        buffer = Console(file=io.StringIO(), width=120, color_system=None)
        buffer.print(render_report(result))
        data: str | bytes = buffer.file.getvalue()
    else:
        data = result.render(fmt)
    if output is None:
        sys.stdout.write(data)
        sys.stdout.flush()
        return
    _guard(write_report_file, output, data, force=force, protect=input)
    err.print(f"wrote the {result.week} report ({result.total} complaints, {fmt}) → {output}")
