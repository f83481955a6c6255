"""Benchmarks of the service against a bare baseline: see docs/performance.md and `python -m bench --help`."""
