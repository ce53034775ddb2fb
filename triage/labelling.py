"""Label a complaint file end to end: read in chunks, label, write atomically, summarise."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from triage.allocator import collect_garbage_less, keep_freed_memory
from triage.api import ADDED_COLUMNS, Triager, load
from triage.errors import InputFormatError, OutputError
from triage.output import atomic_writer
from triage.persistence import verify_model
from triage.policies import load_catalog
from triage.tables import STDIO, Table, file_format, find_text_column, open_table

#: Files larger than this are labelled by worker processes on every core.
PARALLEL_MIN_BYTES = 32 << 20


@dataclass
class LabelSummary:
    """What a labelling run did."""

    input: str
    output: str
    encoding: str | None
    text_column: str
    rows: int = 0
    by_category: Counter = field(default_factory=Counter)
    needs_review: int = 0
    rejected: int = 0
    rejected_path: str | None = None
    seconds: float = 0.0
    workers: int = 1
    model_version: str = ""


def default_output(input_path: str) -> str:
    """``<stem>.labelled.<ext>`` beside the input; stdout for stdin.

    >>> default_output("in/complaints.xlsx")
    'in/complaints.labelled.xlsx'
    """
    if input_path == STDIO:
        return STDIO
    p = Path(input_path)
    return str(p.with_name(f"{p.stem}.labelled{p.suffix}"))


# Worker processes keep their own Triager, built once by the pool initialiser.
_WORKER: Triager | None = None


def _init_worker(model: str, policies: str | None) -> None:
    global _WORKER
    keep_freed_memory()
    _WORKER = load(model, policies)
    collect_garbage_less()


def _label_in_worker(texts: list) -> pd.DataFrame:
    assert _WORKER is not None
    return _WORKER.label_texts(texts)


def label_file(
    input_path: str,
    output_path: str | None = None,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    model: str | None = None,
    policies: str | None = None,
    force: bool = False,
    prefix: str = "",
    encoding: str | None = None,
    output_encoding: str = "utf-8-sig",
    sheet: str | None = None,
    skip_bad_lines: bool = False,
    escape_formulas: bool = False,
    chunk_size: int = 20_000,
    batch_size: int = 2_500,
    workers: int | None = None,
    on_start: Callable[[Table], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> LabelSummary:
    """Label every row of ``input_path`` into ``output_path``; return a summary.

    The output has exactly the input's rows and columns, in order, plus
    :data:`~triage.api.ADDED_COLUMNS`; it appears only when every row is written. Rows are
    read and written ``chunk_size`` at a time and labelled ``batch_size`` at a time (small
    batches keep each worker's peak memory low, at no cost in speed).
    """
    started = time.perf_counter()
    output_path = output_path or default_output(input_path)
    file_format(output_path)  # unknown output extension: fail before reading anything
    if output_path != STDIO and input_path != STDIO:
        if Path(output_path).resolve() == Path(input_path).resolve():
            raise OutputError(f"{output_path}: refusing to overwrite the input file")
        if Path(output_path).exists() and not force:
            raise OutputError(f"{output_path} already exists; pass --force to overwrite it")
    table = open_table(
        input_path, sheet=sheet, encoding=encoding, chunk_size=chunk_size,
        skip_bad_lines=skip_bad_lines,
    )  # fmt: skip
    column = find_text_column(table.columns, text_column)
    if id_column is not None and id_column not in table.columns:
        raise InputFormatError(f"no id column {id_column!r}; the columns are {table.columns}")
    clash = [prefix + c for c in ADDED_COLUMNS if prefix + c in table.columns]
    if clash:
        raise InputFormatError(
            f"the input already has column(s) {clash}, which labelling adds; "
            "pass --prefix (e.g. --prefix triage_) to write the added columns under a prefix"
        )
    n_workers = workers or (
        min(2, os.cpu_count() or 1) if (table.size_bytes or 0) >= PARALLEL_MIN_BYTES else 1
    )
    if n_workers > 1:
        # Only the workers load the model (and scikit-learn); a bad model or catalogue
        # still fails here, before any worker starts.
        model_path, _ = verify_model(model)
        load_catalog(policies)
        triager, version = None, model_path.stem
    else:
        triager = load(model, policies)
        model_path, version = triager.model.path, triager.version
    summary = LabelSummary(input=input_path, output=output_path, encoding=table.encoding,
                           text_column=column, model_version=version, workers=n_workers)  # fmt: skip
    if on_start:
        on_start(table)
    pool = None
    try:
        with atomic_writer(
            output_path, encoding=output_encoding, escape=escape_formulas, force=force,
            protect=input_path,
        ) as writer:  # fmt: skip
            chunks = table.chunks()
            if triager is None:
                import multiprocessing as mp
                from concurrent.futures import ProcessPoolExecutor

                pool = ProcessPoolExecutor(
                    n_workers, mp.get_context("spawn"), _init_worker, (str(model_path), policies)
                )
                pending = (
                    (c, [_submit(pool, b) for b in _batches(c[column], batch_size)])
                    for c in chunks
                )
                # Enough batches in flight to keep every worker busy while this process
                # writes a chunk: three per worker, in at least two chunks.
                in_flight = max(2, -(-n_workers * 3 * batch_size // chunk_size))
                labelled = (
                    (c, _concat([_result(f) for f in futures]))
                    for c, futures in _window(pending, in_flight)
                )
            else:
                labelled = (
                    (c, _concat([triager.label_texts(b) for b in _batches(c[column], batch_size)]))
                    for c in chunks
                )
            for chunk, added in labelled:
                added.columns = [prefix + c for c in ADDED_COLUMNS]
                added.index = chunk.index
                writer.write(pd.concat([chunk, added], axis=1))
                summary.rows += len(chunk)
                summary.by_category.update(added[prefix + "category"].value_counts().to_dict())
                summary.needs_review += int(added[prefix + "needs_review"].sum())
                if on_progress:
                    on_progress(len(chunk))
            if summary.rows == 0:
                raise InputFormatError(f"{input_path}: the file has a header but no rows")
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    if table.rejected:
        summary.rejected = len(table.rejected)
        summary.rejected_path = _write_rejected(output_path, table)
    summary.seconds = time.perf_counter() - started
    return summary


_WORKER_CRASHED = (
    "a labelling worker process crashed (or could not load the model); nothing was "
    "written. Run again, or with --workers 1 to label in one process"
)


def _submit(pool, texts: list):
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(_label_in_worker, texts)
    except BrokenProcessPool:
        raise OutputError(_WORKER_CRASHED) from None


def _result(future) -> pd.DataFrame:
    """A worker's labels; a crashed worker becomes a clear error (nothing is written)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise OutputError(_WORKER_CRASHED) from None


def _batches(texts: pd.Series, size: int) -> list[list]:
    """The texts in lists of ``size``; an empty chunk gives one empty batch."""
    values = texts.tolist()
    return [values[i : i + size] for i in range(0, max(len(values), 1), size)]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _window(pending, size: int):
    """Keep at most ``size`` chunks in flight, yielding them in input order."""
    from collections import deque

    queue: deque = deque()
    for item in pending:
        queue.append(item)
        if len(queue) >= size:
            yield queue.popleft()
    while queue:
        yield queue.popleft()


def _write_rejected(output_path: str, table: Table) -> str:
    base = "rejected" if output_path == STDIO else output_path
    path = f"{base}.rejected.csv"
    frame = pd.DataFrame(table.rejected)
    with atomic_writer(path, force=True) as writer:
        writer.write(frame)
    return path
