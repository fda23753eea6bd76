"""Figure 6: search latency at a million calls, GET /search beside the same index asked
directly.

Four typical queries (a word, a prefix, a phrase, a case reference), each sent `samples`
times after a warm-up; the figure is the 95th percentile. The baseline is the bare SQL of
the same index on the same database, first page and ranking included: FTS5's MATCH with
bm25 on SQLite, the three `search_vector @@ tsquery` with ts_rank on PostgreSQL (a
reference: the unique index on `case_file.reference`). What the HTTP figure adds on top is
the service's work: parsing, visibility filters, the hits' records, snippets, the audit rows
and the JSON.
"""

import statistics

import sqlalchemy as sa
from sqlalchemy import Engine

from bench.common import BenchError, client, get, say, timed_ms
from bench.figures import Figure
from bench.server import Server

TARGET_MS = 100.0
# Words the seeder's notes hold (service/demo/assumptions.py), in about 1 to 10 % of calls.
QUERIES = {
    "word": "hjertebanken",
    "prefix": "sygemeld*",
    "phrase": '"ny arbejdsgang"',
    "reference": None,  # a case reference from the database, the newest
}
SQLITE_TEXT = (
    "SELECT d.kind, d.record_id, page.score FROM (SELECT rowid AS tie, -bm25(search_fts) "
    "AS score FROM search_fts WHERE search_fts MATCH :match ORDER BY score DESC, tie DESC "
    "LIMIT :limit) AS page JOIN search_document AS d ON d.id = page.tie "
    "ORDER BY page.score DESC, page.tie DESC"
)
SQLITE_MATCH = {"word": '"hjertebanken"', "prefix": '"sygemeld"*', "phrase": '"ny arbejdsgang"'}
POSTGRESQL_TSQUERY = {
    "word": "plainto_tsquery('danish', 'hjertebanken')",
    "prefix": "(to_tsquery('simple', 'sygemeld:*') || to_tsquery('danish', 'sygemeld:*'))",
    "phrase": "phraseto_tsquery('danish', 'ny arbejdsgang')",
}
POSTGRESQL_TEXT = (
    "SELECT * FROM ("
    + " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, id, CAST(ts_rank(search_vector, q, 1) AS float8) AS score "
        f"FROM {table} CROSS JOIN (SELECT {{tsquery}} AS q) AS query WHERE search_vector @@ q"
        for kind, table in (("call", "call"), ("case", "case_file"), ("case_note", "case_note"))
    )
    + ") AS matched ORDER BY score DESC, id DESC LIMIT :limit"
)
REFERENCE_SQL = "SELECT id FROM case_file WHERE reference = :reference"


def measure(
    server: Server, token: str, engine: Engine, *, samples: int, limit: int
) -> list[Figure]:
    """p95 of `GET /search?q=…&limit=…` and of the bare SQL, for each typical query."""
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        reference = connection.execute(
            sa.text("SELECT reference FROM case_file ORDER BY created_at DESC, id DESC LIMIT 1")
        ).scalar()
    if reference is None:
        raise BenchError("the database has no cases to search by reference")
    figures = []
    with client(server.base_url, token) as http, engine.connect() as connection:
        for name, q in QUERIES.items():
            q = q or reference
            statement, params = _bare(name, postgresql, limit, reference)

            def bare(s: sa.TextClause = statement, p: dict[str, object] = params) -> list[object]:
                try:
                    return list(connection.execute(s, p).all())
                finally:
                    connection.rollback()

            def through_http(q: str = q) -> object:
                return get(http, "/search", q=q, limit=limit)

            page = through_http().json()["items"]  # type: ignore[attr-defined]
            if not page or len(page) != len(bare()):
                raise BenchError(f"search {q!r}: {len(page)} hits over HTTP, {len(bare())} bare")
            matches = _matches(connection, name, postgresql, reference)
            http_ms = timed_ms(through_http, samples)
            bare_ms = timed_ms(bare, samples)
            value, baseline = _p95(http_ms), _p95(bare_ms)
            say(f"search {name} {q!r} ({matches:,} matches): p95 {value:.1f} ms, "
                f"bare SQL {baseline:.1f} ms")  # fmt: skip
            figures.append(
                Figure(
                    f"search_{name}",
                    f"GET /search p95, {name}: {q}",
                    "ms",
                    value,
                    baseline,
                    "p95 of the same index queried directly",
                    f"p95 < {TARGET_MS:g} ms",
                    value < TARGET_MS,
                    {
                        "q": q,
                        "matches": matches,
                        "limit": limit,
                        "samples": samples,
                        "http_ms_runs": http_ms,
                        "bare_ms_runs": bare_ms,
                        "http_median_ms": statistics.median(http_ms),
                    },
                )
            )
    return figures


def _bare(
    name: str, postgresql: bool, limit: int, reference: str
) -> tuple[sa.TextClause, dict[str, object]]:
    if name == "reference":
        return sa.text(REFERENCE_SQL), {"reference": reference}
    if postgresql:
        sql = POSTGRESQL_TEXT.replace("{tsquery}", POSTGRESQL_TSQUERY[name])
        return sa.text(sql), {"limit": limit}
    return sa.text(SQLITE_TEXT), {"match": SQLITE_MATCH[name], "limit": limit}


def _matches(connection: sa.Connection, name: str, postgresql: bool, reference: str) -> int:
    """How many records the query matches in all (what the ranking had to score)."""
    statement, params = _bare(name, postgresql, 10**9, reference)
    count = sa.select(sa.func.count()).select_from(statement.columns().subquery())
    try:
        return int(connection.execute(count, params).scalar_one())
    finally:
        connection.rollback()


def _p95(samples: list[float]) -> float:
    """The 95th percentile (inclusive method: a value between two samples)."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]
