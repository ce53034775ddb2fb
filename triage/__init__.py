"""triage: classify merchant complaints, map them to platform policies, report weekly.

>>> import triage
>>> result = triage.load().classify("退店三个月了保证金还没退")
>>> result.category, result.category_zh
('deposit_withheld', '保证金不退')

Names are imported lazily so that ``triage --help`` stays fast.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "load": "triage.api",
    "Triager": "triage.api",
    "TriageResult": "triage.api",
    "ADDED_COLUMNS": "triage.api",
    "PolicyMatch": "triage.policies",
    "load_catalog": "triage.policies",
    "label_file": "triage.labelling",
    "evaluate_file": "triage.training",
    "weekly_report": "triage.report",
    "weekly_report_from_file": "triage.report",
    "Report": "triage.report",
    "read_table": "triage.tables",
    "TriageError": "triage.errors",
    "ModelLoadError": "triage.errors",
    "PolicyCatalogError": "triage.errors",
    "InputFormatError": "triage.errors",
    "OutputError": "triage.errors",
    "LabelError": "triage.errors",
    "CATEGORIES": "triage.taxonomy",
    "CATEGORY_IDS": "triage.taxonomy",
    "POLICY_IDS": "triage.taxonomy",
    "PRODUCT_CATEGORIES": "triage.taxonomy",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'triage' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
