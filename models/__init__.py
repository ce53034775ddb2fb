"""The shipped model artefacts (installed as the package ``triage.shipped_models``)."""
