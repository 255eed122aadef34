"""Fuzz targets for aiblint: run by atheris (``fuzz/run.py``) and by the test suite (hypothesis)."""
