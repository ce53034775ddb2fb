"""Reproducible benchmarks for triage: ``python -m benchmarks [--quick]`` (see ``run.py``)."""
