"""``python -m benchmarks [--quick] [--rows N] [--results PATH]``: run every measurement."""

from benchmarks.run import main

if __name__ == "__main__":
    raise SystemExit(main())
