"""Benchmarks (BENCHMARKS.md): run by hand or `make bench`, never by the test suite."""
