"""The plain scikit-learn pipeline labelling a CSV: category only, chunked like ``triage label``.

The pipeline (``TfidfVectorizer(analyzer="char", ngram_range=(1, 3))`` + ``LinearSVC``) is
trained by the harness and saved with joblib; this script loads it, reads the CSV in
20,000-row chunks, adds a ``category`` column and writes the rows back (as the I/O floor does).

    python -m benchmarks.plain_pipeline MODEL INPUT OUTPUT [--chunk-size N] [--max-seconds S]

Prints one JSON line: rows labelled and seconds spent inside the loop.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import joblib
import pandas as pd

from benchmarks.io_floor import copy_csv, parse_args

_PIPELINE = None


def _load(path: str) -> None:
    global _PIPELINE
    _PIPELINE = joblib.load(path)


def _predict(texts: list[str]) -> list[str]:
    return _PIPELINE.predict(texts).tolist()


def main(argv=None) -> None:
    args = parse_args("Label a CSV with the plain scikit-learn pipeline.", argv, model=True)

    def label(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        if args.workers == 1:
            _load(args.model)
            for chunk in chunks:
                yield chunk.assign(category=_predict(chunk[args.text_column].tolist()))
            return
        # Like `triage label` with workers: each process loads the model once, and the
        # chunks in flight come back in input order.
        pool = ProcessPoolExecutor(args.workers, initializer=_load, initargs=(args.model,))
        pending: deque = deque()
        try:
            for chunk in chunks:
                pending.append((chunk, pool.submit(_predict, chunk[args.text_column].tolist())))
                if len(pending) >= 2 * args.workers:
                    done, future = pending.popleft()
                    yield done.assign(category=future.result())
            while pending:
                done, future = pending.popleft()
                yield done.assign(category=future.result())
        finally:  # stopped at --max-seconds: do not wait for the chunks still in flight
            pool.shutdown(wait=False, cancel_futures=True)

    result = copy_csv(
        args.input, args.output, args.chunk_size, transform=label, max_seconds=args.max_seconds
    )
    print(json.dumps({**result, "workers": args.workers}))


if __name__ == "__main__":
    main()
