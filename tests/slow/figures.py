"""Figures the slow tests measure, printed at the end of the run (tests/slow/conftest.py)."""

FIGURES = {}  # name -> one line
