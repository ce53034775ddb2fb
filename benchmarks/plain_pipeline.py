"""The plain scikit-learn pipeline labelling a CSV: category only, chunked like ``triage label``.

The pipeline (``TfidfVectorizer(analyzer="char", ngram_range=(1, 3))`` + ``LinearSVC``) is
trained by the harness and saved with joblib; this script loads it, reads the CSV in
20,000-row chunks, adds a ``category`` column and writes the rows back (as the I/O floor does).

    python -m benchmarks.plain_pipeline MODEL INPUT OUTPUT [--chunk-size N] [--max-seconds S]

Prints one JSON line: rows labelled and seconds spent inside the loop.
"""

from __future__ import annotations

import json

import joblib
import pandas as pd

from benchmarks.io_floor import copy_csv, parse_args


def main(argv=None) -> None:
    args = parse_args("Label a CSV with the plain scikit-learn pipeline.", argv, model=True)
    pipeline = joblib.load(args.model)

    def label(chunk: pd.DataFrame) -> pd.DataFrame:
        return chunk.assign(category=pipeline.predict(chunk[args.text_column].tolist()))

    result = copy_csv(
        args.input, args.output, args.chunk_size, transform=label, max_seconds=args.max_seconds
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
