"""Reading complaint files in chunks: formats, encodings, text-column detection, bad rows.

Every user mistake becomes an :class:`~triage.errors.InputFormatError` that names the file
and, where it can, the line, record or byte offset.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from triage.errors import InputFormatError

FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".xlsx": "xlsx", ".parquet": "parquet"}
STDIO = "-"
#: Column names recognised as the complaint text, in order of preference (lower-cased).
TEXT_COLUMN_NAMES = (
    "text", "content", "complaint", "complaint_text", "description", "body", "message",
    "投诉内容", "投诉详情", "投诉描述", "内容", "问题描述", "诉求", "描述", "详情", "正文", "文本",
)  # fmt: skip
_SNIFF_BYTES = 4 << 20


def file_format(path: str | Path) -> str:
    """The format implied by a path's extension (``-`` is CSV on stdin/stdout).

    >>> file_format("complaints.XLSX"), file_format("-")
    ('xlsx', 'csv')
    """
    if str(path) == STDIO:
        return "csv"
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputFormatError(
            f"{path}: unknown extension {suffix or '(none)'!r}; "
            f"supported: {', '.join(FORMATS)} or - for CSV on stdin"
        )
    return FORMATS[suffix]


def detect_encoding(sample: bytes, complete: bool) -> str:
    """Choose ``utf-8-sig``, ``utf-8`` or ``gb18030`` (a superset of GBK) for a byte sample.

    >>> detect_encoding("投诉".encode("gbk"), True), detect_encoding(b"\\xef\\xbb\\xbfa", True)
    ('gb18030', 'utf-8-sig')
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=complete)
        return "gb18030"
    except UnicodeDecodeError:
        pass
    line = sample[: utf8_error.start].count(b"\n") + 1
    raise InputFormatError(
        f"undecodable bytes at byte offset {utf8_error.start} (line {line}): neither UTF-8 "
        "nor GBK/GB18030; pass --encoding if you know the file's encoding"
    )


@dataclass
class Table:
    """An open complaint file: its columns, how it was decoded, and its rows in chunks."""

    path: str
    fmt: str
    columns: list[str]
    encoding: str | None = None
    size_bytes: int | None = None
    #: Rows in the file when its format says so up front (Parquet, Excel), else None.
    total_rows: int | None = None
    rejected: list[dict] = field(default_factory=list)
    _chunks: Iterator[pd.DataFrame] | None = None
    _position: Callable[[], int] | None = None

    def bytes_read(self) -> int | None:
        """How far into the file reading has got, in bytes (None when unknown, e.g. stdin)."""
        try:
            return self._position() if self._position else None
        except (OSError, ValueError):  # closed at the end
            return self.size_bytes

    def chunks(self) -> Iterator[pd.DataFrame]:
        """The rows as DataFrames of at most ``chunk_size`` rows, index counting from 0."""
        assert self._chunks is not None
        return self._chunks


def _check_columns(path: str, columns: list[str]) -> list[str]:
    columns = [str(c) for c in columns]
    if not columns or columns == [""]:
        raise InputFormatError(f"{path}: the file has no header row")
    seen, dups = set(), []
    for c in columns:
        if c in seen:
            dups.append(c)
        seen.add(c)
    if dups:
        raise InputFormatError(f"{path}: duplicate column names {sorted(set(dups))}")
    return columns


def _open_binary(path: str) -> io.BufferedReader:
    if path == STDIO:
        return io.BufferedReader(sys.stdin.buffer, buffer_size=_SNIFF_BYTES)
    try:
        return open(path, "rb", buffering=_SNIFF_BYTES)
    except FileNotFoundError:
        raise InputFormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputFormatError(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise InputFormatError(f"{path}: permission denied") from None


def _delimited(
    path: str,
    sep: str,
    encoding: str | None,
    chunk_size: int,
    skip_bad: bool,
    usecols: list[str] | None = None,
) -> Table:
    raw = _open_binary(path)
    sample = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if not sample.strip():
        raw.close()
        raise InputFormatError(f"{path}: the file is empty")
    complete = len(sample) < _SNIFF_BYTES
    try:
        enc = encoding or detect_encoding(sample, complete)
        codecs.lookup(enc)
    except InputFormatError as exc:
        raw.close()
        raise InputFormatError(f"{path}: {exc}") from None
    except LookupError:
        raw.close()
        raise InputFormatError(f"{path}: unknown encoding {enc!r}") from None
    stream = io.TextIOWrapper(raw, encoding=enc, errors="strict", newline="")
    try:
        header = next(csv.reader(io.StringIO(stream.readline()), delimiter=sep), [])
    except UnicodeDecodeError as exc:
        raise InputFormatError(f"{path}: header is not valid {enc}: {exc.reason}") from None
    columns = _check_columns(path, header)
    table = Table(path=path, fmt="tsv" if sep == "\t" else "csv", columns=columns, encoding=enc)
    if path != STDIO:
        table.size_bytes, table._position = Path(path).stat().st_size, raw.tell
    table._chunks = _delimited_chunks(table, stream, sep, chunk_size, skip_bad, usecols)
    return table


def _delimited_chunks(
    table: Table,
    stream: io.TextIOWrapper,
    sep: str,
    chunk_size: int,
    skip_bad: bool,
    usecols: list[str] | None = None,
) -> Iterator[pd.DataFrame]:
    record = 0  # data records read so far (the header is record 0)

    def on_bad(fields: list[str]) -> None:
        table.rejected.append({"fields": len(fields), "raw": sep.join(fields)})
        return None

    options = dict(
        sep=sep, header=None, names=table.columns, dtype=object, keep_default_na=False,
        na_filter=False, chunksize=chunk_size, quoting=csv.QUOTE_MINIMAL, usecols=usecols,
    )  # fmt: skip
    source: io.TextIOWrapper | io.BufferedReader = stream
    if table.path != STDIO and not skip_bad:
        # A binary file lets the C parser decode the bytes itself: more than twice as fast
        # as reading through a Python text stream. The parser skips the header record.
        stream.close()
        source = open(table.path, "rb")  # noqa: SIM115 (closed below, after the last chunk)
        table._position = source.tell
        options.update(header=0, encoding=table.encoding, encoding_errors="strict")
    if skip_bad:
        options.update(engine="python", on_bad_lines=on_bad)
    else:
        options.update(engine="c", on_bad_lines="error")
    try:
        with source, pd.read_csv(source, **options) as reader:
            for chunk in reader:
                # A row with fewer fields than the header is padded with empty cells, as
                # spreadsheet programs write and read it; a row with more is an error.
                chunk.index = pd.RangeIndex(record, record + len(chunk))
                record += len(chunk)
                yield chunk
    except pd.errors.ParserError as exc:
        raise InputFormatError(
            f"{table.path}: malformed {table.fmt.upper()}: "
            f"{_file_lines(str(exc), header_counted=source is not stream)}".rstrip()
            + "; fix the file or pass --skip-bad-lines"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputFormatError(
            f"{table.path}: undecodable bytes after data record {record} "
            f"(not valid {table.encoding}: {exc.reason}); pass --encoding"
        ) from None


def _file_lines(message: str, header_counted: bool) -> str:
    """The parser's message with line numbers counted from the top of the file."""
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if not found:
        return message.replace("Error tokenizing data. C error: ", "")
    expected, line, saw = (int(g) for g in found.groups())
    line += 0 if header_counted else 1  # a stream starts after the header triage read
    return f"line {line} has {saw} fields, the header has {expected}"


def _jsonl(path: str, chunk_size: int) -> Table:
    raw = _open_binary(path)
    first = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if not first.strip():
        raw.close()
        raise InputFormatError(f"{path}: the file is empty")
    stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict")
    rows_iter = _jsonl_records(path, stream)
    try:
        head = next(rows_iter)
    except StopIteration:
        raise InputFormatError(f"{path}: the file has no records") from None
    columns = _check_columns(path, list(head[1].keys()))
    table = Table(path=path, fmt="jsonl", columns=columns, encoding="utf-8")
    table.size_bytes, table._position = Path(path).stat().st_size, raw.tell
    table._chunks = _jsonl_chunks(table, head, rows_iter, chunk_size)
    return table


def _jsonl_records(path: str, stream: io.TextIOWrapper) -> Iterator[tuple[int, dict]]:
    with stream:
        try:
            for lineno, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputFormatError(
                        f"{path}: line {lineno} is not JSON: {exc.msg}"
                    ) from None
                except RecursionError:
                    raise InputFormatError(f"{path}: line {lineno} is nested too deeply") from None
                if not isinstance(obj, dict):
                    raise InputFormatError(
                        f"{path}: line {lineno} is a JSON {type(obj).__name__}, not an object"
                    )
                yield lineno, obj
        except UnicodeDecodeError as exc:
            raise InputFormatError(f"{path}: not valid UTF-8 ({exc.reason})") from None


def _cell(value: object) -> object:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _jsonl_chunks(table: Table, head, rows_iter, chunk_size: int) -> Iterator[pd.DataFrame]:
    start, buffer = 0, [head]
    known = set(table.columns)

    def flush(items):
        for lineno, obj in items:
            extra = set(obj) - known
            if extra:
                raise InputFormatError(
                    f"{table.path}: line {lineno} has keys {sorted(extra)} not in the first record"
                )
        data = [[_cell(obj.get(c)) for c in table.columns] for _, obj in items]
        frame = pd.DataFrame(data, columns=table.columns, dtype=object)
        frame.index = pd.RangeIndex(start, start + len(frame))
        return frame

    for item in rows_iter:
        buffer.append(item)
        if len(buffer) >= chunk_size:
            yield flush(buffer)
            start += len(buffer)
            buffer = []
    if buffer:
        yield flush(buffer)


def _xlsx(path: str, sheet: str | None, chunk_size: int) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputFormatError(f"{path}: file not found") from None
    except Exception as exc:  # zipfile / XML errors of a damaged workbook
        raise InputFormatError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    if not book.sheetnames:
        raise InputFormatError(f"{path}: the workbook has no sheets")
    if sheet is not None and sheet not in book.sheetnames:
        raise InputFormatError(f"{path}: no sheet {sheet!r}; sheets are {book.sheetnames}")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InputFormatError(f"{path}: sheet {ws.title!r} is empty")
    while header and header[-1] is None:
        header = header[:-1]
    columns = _check_columns(path, ["" if h is None else str(h) for h in header])
    table = Table(path=path, fmt="xlsx", columns=columns, size_bytes=Path(path).stat().st_size)
    if ws.max_row:  # from the sheet's dimension record; blank rows may still be skipped
        table.total_rows = max(ws.max_row - 1, 0)

    def chunks() -> Iterator[pd.DataFrame]:
        start, buffer = 0, []
        width = len(columns)
        for row in rows:
            if row is None or all(v is None for v in row):
                continue
            buffer.append((list(row) + [None] * width)[:width])
            if len(buffer) >= chunk_size:
                yield pd.DataFrame(
                    buffer, columns=columns, index=range(start, start + len(buffer))
                )
                start, buffer = start + len(buffer), []
        if buffer:
            yield pd.DataFrame(buffer, columns=columns, index=range(start, start + len(buffer)))
        book.close()

    table._chunks = chunks()
    return table


def _parquet(path: str, chunk_size: int) -> Table:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputFormatError(f"{path}: file not found") from None
    except Exception as exc:
        raise InputFormatError(f"{path}: not a readable Parquet file ({exc})") from None
    columns = _check_columns(path, parquet.schema_arrow.names)
    table = Table(path=path, fmt="parquet", columns=columns, size_bytes=Path(path).stat().st_size)
    table.total_rows = parquet.metadata.num_rows

    def chunks() -> Iterator[pd.DataFrame]:
        start = 0
        for batch in parquet.iter_batches(batch_size=chunk_size):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame

    table._chunks = chunks()
    return table


def open_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    chunk_size: int = 20_000,
    skip_bad_lines: bool = False,
    usecols: list[str] | None = None,
) -> Table:
    """Open a complaint file for reading in chunks; raise InputFormatError on a bad file.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> _ = open(p, "w", encoding="gbk").write("id,投诉内容\\n1,仅退款\\n")
    >>> t = open_table(p)
    >>> t.encoding, t.columns, len(next(t.chunks()))
    ('gb18030', ['id', '投诉内容'], 1)
    """
    path = str(path)
    fmt = file_format(path)
    if fmt in ("csv", "tsv"):
        sep = "\t" if fmt == "tsv" else ","
        return _delimited(path, sep, encoding, chunk_size, skip_bad_lines, usecols)
    if path != STDIO and not Path(path).exists():
        raise InputFormatError(f"{path}: file not found")
    if fmt == "jsonl":
        return _jsonl(path, chunk_size)
    if fmt == "xlsx":
        return _xlsx(path, sheet, chunk_size)
    return _parquet(path, chunk_size)


def read_table(path: str | Path, **options) -> pd.DataFrame:
    """Read a whole complaint file into one DataFrame (see :func:`open_table`).

    ``usecols`` keeps only those columns (CSV/TSV parse only them).
    """
    usecols = options.get("usecols")
    table = open_table(path, **options)
    frames = [f[usecols] if usecols else f for f in table.chunks()]
    if not frames:
        return pd.DataFrame(columns=table.columns)
    return pd.concat(frames)


def find_text_column(columns: list[str], requested: str | None = None) -> str:
    """The complaint-text column: ``requested`` if given, else the one usual name present.

    >>> find_text_column(["工单号", "投诉内容", "日期"])
    '投诉内容'
    """
    if requested is not None:
        if requested not in columns:
            raise InputFormatError(f"no column {requested!r}; the columns are {columns}")
        return requested
    found = [c for c in columns if c.strip().lower() in TEXT_COLUMN_NAMES]
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputFormatError(
            f"cannot tell which column holds the complaint text; the columns are {columns}. "
            "Pass --text-column NAME"
        )
    raise InputFormatError(
        f"several columns could hold the complaint text: {found}. Pass --text-column NAME"
    )
