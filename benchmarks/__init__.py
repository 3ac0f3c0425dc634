"""Benchmarks: `make bench` (python -m benchmarks) prints speed and memory numbers per stage."""
