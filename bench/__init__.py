"""The benchmark (python bench/run.py; docs/performance.md)."""
