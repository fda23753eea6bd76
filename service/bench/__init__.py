"""The benchmark of issue 8: each figure of the desk beside a baseline measured in the same run.

`hotline bench` and `scripts/bench.py` run `main.main`, which orchestrates: `workspace`
(throwaway databases, migrating, seeding), `server` (a real `hotline serve` process),
`load` (the concurrent HTTP client), one module per measurement (`intake`, `report` with
the memory figure, `seeding`, `listing`), `figures` (a figure with its baseline, ratio
and target; the table and the JSON) and `explain` (the report's and listing's query plans).
"""
