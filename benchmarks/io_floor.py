"""The I/O floor: read a CSV in chunks with pandas and write it back, labelling nothing.

Reads the way ``triage label`` does (strings only, no NA parsing, 20,000-row chunks) and
writes with pandas ``to_csv`` (UTF-8 with BOM, CRLF rows, one string per chunk), as issue #4
defines the floor. ``triage label`` writes the same bytes through ``csv.writer``
(:func:`triage.output.csv_text`), which takes about a quarter less CPU than ``to_csv``.

    python -m benchmarks.io_floor INPUT OUTPUT [--chunk-size N] [--max-seconds S]

Prints one JSON line: rows copied and seconds spent inside the loop.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable, Iterator

import pandas as pd

CHUNK_SIZE = 20_000


def copy_csv(
    input_path: str,
    output_path: str,
    chunk_size: int = CHUNK_SIZE,
    transform: Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]] | None = None,
    max_seconds: float = 0.0,
) -> dict:
    """Copy ``input_path`` to ``output_path`` chunk by chunk, through ``transform`` if given.

    ``transform`` maps the stream of chunks to the stream of chunks to write, in order.
    With ``max_seconds`` > 0, stop after the chunk during which that much time has passed.
    """
    started = time.perf_counter()
    rows = 0
    first = True
    options = dict(dtype=object, keep_default_na=False, na_filter=False, chunksize=chunk_size)
    with (
        open(output_path, "w", encoding="utf-8-sig", newline="") as fh,
        pd.read_csv(input_path, encoding="utf-8", **options) as reader,
    ):
        for out in transform(iter(reader)) if transform else reader:
            # Each chunk rendered to one string and written at once, as triage's writer does.
            fh.write(
                out.to_csv(
                    index=False, header=first, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
                )
            )
            first = False
            rows += len(out)
            if max_seconds and time.perf_counter() - started >= max_seconds:
                break
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 4)}


def parse_args(description: str, argv=None, model: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    if model:
        parser.add_argument("model", help="joblib file of a fitted scikit-learn pipeline")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--max-seconds", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=1, help="processes that transform chunks")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args("Copy a CSV in chunks with pandas (the I/O floor).", argv)
    result = copy_csv(args.input, args.output, args.chunk_size, max_seconds=args.max_seconds)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
