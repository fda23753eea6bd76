"""The benchmark of issue 8: each figure of the desk beside a baseline measured in the same run.

A tool beside the product, not in it: `service` never imports it, except `hotline bench`,
which runs `main.main` as `scripts/bench.py` does. `main` orchestrates: `workspace`
(throwaway databases, migrating, seeding), `server` (real `hotline serve` processes; the
tests' harness too), `load` (the concurrent HTTP client), one module per measurement
(`intake`, `report` with the memory figure, `seeding`, `listing`), `figures` (a figure with
its baseline, ratio and target; the table and the JSON) and `explain` (the report's and
listing's query plans).
"""
