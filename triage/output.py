"""Writing labelled tables: atomically, chunk by chunk, in the format the extension names.

Output goes to a temporary file beside the target and is renamed into place only when
complete, so an interrupted run leaves neither a partial output nor a stray temporary file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from triage.errors import OutputError
from triage.tables import STDIO, file_format

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'``.

    >>> escape_formulas(pd.DataFrame({"a": ["=HYPERLINK(1)", "ok", "-3"]}))["a"].tolist()
    ["'=HYPERLINK(1)", 'ok', "'-3"]
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            values = out[col]
            risky = values.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
            out.loc[risky, col] = "'" + values[risky]
    return out


def csv_text(frame: pd.DataFrame, sep: str, lineterminator: str, header: bool) -> str:
    """``frame.to_csv(...)`` (no index, minimal quoting), the same text.

    When every column holds only strings, bools or floats (missing floats in a nullable
    column), the cells go straight to :func:`csv.writer`, a quarter faster than pandas,
    which formats them the same way (``str``; a missing value is empty). Other columns
    (dates, ints, mixed objects) are left to pandas.

    >>> frame = pd.DataFrame({"a": ["x,y", "z"], "b": [True, False],
    ...                       "c": pd.array([1.5, None], dtype="Float64")})
    >>> csv_text(frame, ",", "\\n", True) == frame.to_csv(index=False, lineterminator="\\n")
    True
    """
    columns = []
    for i in range(frame.shape[1]):
        cells = _plain_cells(frame.iloc[:, i])
        if cells is None:
            return frame.to_csv(
                sep=sep, index=False, header=header, lineterminator=lineterminator,
                quoting=csv.QUOTE_MINIMAL,
            )  # fmt: skip
        columns.append(cells)
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=sep, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL
    )
    if header:
        writer.writerow([str(c) for c in frame.columns])
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue()


def _plain_cells(column: pd.Series) -> list | None:
    """The cells as csv.writer formats them as pandas would; None when it would not."""
    dtype = column.dtype
    if dtype == np.dtype(object):
        values = column.tolist()
        return values if all(type(v) is str for v in values) else None
    if dtype == np.dtype(bool) or (dtype == np.float64 and not column.isna().any()):
        return column.tolist()
    if isinstance(dtype, pd.Float64Dtype):
        missing = column.isna().to_numpy()
        values = column.to_numpy(dtype=np.float64, na_value=0.0).tolist()
        for i in np.flatnonzero(missing).tolist():
            values[i] = ""
        return values
    return None


class _Writer:
    """Append chunks to an open temporary file in one format."""

    def __init__(self, fh, fmt: str, encoding: str, escape: bool):
        self.fh, self.fmt, self.encoding, self.escape = fh, fmt, encoding, escape
        self.first = True
        self._xlsx = self._parquet = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt in ("csv", "tsv"):
            data = escape_formulas(frame) if self.escape else frame
            # One string per chunk, written at once: to_csv on the file would write (and
            # encode, for utf-8-sig through a Python-level encoder) row by row.
            self.fh.write(
                csv_text(
                    data,
                    sep="\t" if self.fmt == "tsv" else ",",
                    lineterminator="\r\n" if self.fmt == "csv" else "\n",
                    header=self.first,
                )
            )
        elif self.fmt == "jsonl":
            for record in frame.to_dict(orient="records"):
                clean = {k: (None if _missing(v) else v) for k, v in record.items()}
                self.fh.write(json.dumps(clean, ensure_ascii=False, default=str) + "\n")
        elif self.fmt == "xlsx":
            self._write_xlsx(frame)
        else:
            self._write_parquet(frame)
        self.first = False

    def _write_xlsx(self, frame: pd.DataFrame) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        if self._xlsx is None:
            self._xlsx = Workbook(write_only=True)
            self._sheet = self._xlsx.create_sheet("labelled")
            self._sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            cells = []
            for value in row:
                if _missing(value):
                    value = None
                elif not isinstance(value, int | float | bool | str):
                    value = str(value)
                cell = WriteOnlyCell(self._sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text: "=HYPERLINK(...)" is not a formula
                cells.append(cell)
            self._sheet.append(cells)

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self.fh, self._schema)
        else:
            table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._xlsx is not None:
            self._xlsx.save(self.fh)
        if self._parquet is not None:
            self._parquet.close()


def _missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@contextlib.contextmanager
def atomic_file(
    path: str | Path,
    mode: str = "wb",
    *,
    force: bool = False,
    protect: str | Path | None = None,
    **open_options,
):
    """Yield a file object whose content lands in ``path`` only if the block completes.

    Refuses to overwrite ``protect`` (the input) and, without ``force``, any existing file.
    The data goes to a temporary file in the same folder, renamed into place at the end.
    """
    target = Path(path)
    if protect is not None and str(protect) != STDIO:
        protected = Path(protect)
        if protected.exists() and target.exists() and target.resolve() == protected.resolve():
            raise OutputError(f"{target}: refusing to overwrite the input file")
    if target.exists() and not force:
        raise OutputError(f"{target} already exists; pass --force to overwrite it")
    if not target.parent.exists():
        raise OutputError(f"{target.parent}: output folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **open_options) as fh:
            yield fh
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(
            f"{target}: cannot write output ({exc.strerror or exc}); nothing written"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_writer(
    path: str | Path,
    *,
    encoding: str = "utf-8-sig",
    escape: bool = False,
    force: bool = False,
    protect: str | Path | None = None,
) -> Iterator[_Writer]:
    """Yield a writer whose chunks land in ``path`` only if the block completes.

    Refuses to overwrite ``protect`` (the input) and, without ``force``, any existing file.
    """
    path = str(path)
    fmt = file_format(path)
    if path == STDIO:
        writer = _Writer(sys.stdout, fmt, encoding, escape)
        yield writer
        writer.close()
        sys.stdout.flush()
        return
    binary = fmt in ("xlsx", "parquet")
    text_options = {} if binary else {"encoding": encoding, "newline": ""}
    with atomic_file(
        path, "wb" if binary else "w", force=force, protect=protect, **text_options
    ) as fh:
        writer = _Writer(fh, fmt, encoding, escape)
        yield writer
        writer.close()
