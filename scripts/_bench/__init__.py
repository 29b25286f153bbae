"""Benchmarks of the client and the mock, each figure beside a baseline measured in the same run.

Run through ``scripts/bench`` (``--quick`` for a small subset, ``--help`` for the options). Each
section is a function returning :class:`~_bench.results.Figure` rows; ``__main__`` runs them,
prints the table, and writes ``results.json`` and ``bench.png``.
"""
