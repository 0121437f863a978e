"""Per-request cost of tracing: ``python benchmarks/bench.py`` (or ``make bench``)."""
