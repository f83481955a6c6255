"""Benchmark of the deadline checks on a million occurrences: see README.md."""
