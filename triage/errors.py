"""Exceptions a caller can act on; all derive from :class:`TriageError`."""


class TriageError(Exception):
    """Base class of every error triage raises on purpose."""


class ModelLoadError(TriageError):
    """The model file is missing, corrupt, tampered with or from another version."""


class PolicyCatalogError(TriageError):
    """A policy catalogue (or another rules file) failed validation."""


class InputFormatError(TriageError):
    """An input file cannot be read as a complaint table."""


class OutputError(TriageError):
    """The output cannot be written (exists, is the input, disk full, ...)."""


class LabelError(TriageError):
    """A labelled file has labels that are not taxonomy ids."""
