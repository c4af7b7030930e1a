"""wfq benchmark suite: `python -m benchmarks.run` (see README.md)."""
