"""Figure 4: a page deep into the call listing beside its first page (keyset pagination)."""

import statistics

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bench.common import BenchError, client, get, say, timed_ms
from bench.figures import Figure
from bench.server import Server
from service.calls.models import Call
from service.pagination import encode_cursor


def page_cursor(engine: Engine, page: int, limit: int) -> str | None:
    """The cursor that asks for `page` (from 1): the sort key of page - 1's last row."""
    if page == 1:
        return None
    with Session(engine) as session:
        row = session.exec(
            select(Call.received_at, Call.id)
            .order_by(col(Call.received_at).desc(), col(Call.id).desc())
            .offset((page - 1) * limit - 1)
            .limit(1)
        ).first()
    if row is None:
        raise BenchError(f"the database has fewer than {page - 1} pages of {limit} calls")
    return encode_cursor(at=row[0], id=row[1])


def measure(
    server: Server,
    token: str,
    engine: Engine,
    *,
    deep_page: int,
    limit: int,
    check_pages: int,
    repeats: int,
) -> tuple[Figure, str]:
    """Page 1 and page `deep_page` of `GET /calls?limit=…`, and the deep page's cursor.

    The deep cursor is computed from the database (the API would take `deep_page` requests
    to hand it out); the API is first walked for `check_pages` pages to show that cursors
    computed so are the ones it gives.
    """
    deep_cursor = page_cursor(engine, deep_page, limit)
    if deep_cursor is None:
        raise BenchError("the deep page must come after page 1")
    with client(server.base_url, token) as http:
        cursor = None
        for page in range(1, check_pages + 1):
            params: dict[str, str | int] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            cursor = get(http, "/calls", **params).json()["next_cursor"]
            if cursor != page_cursor(engine, page + 1, limit):
                raise BenchError(f"the API's cursor after page {page} is not the computed one")
        items = get(http, "/calls", limit=limit, cursor=deep_cursor).json()["items"]
        if len(items) != limit:
            raise BenchError(f"page {deep_page} has {len(items)} calls, not {limit}")
        first_ms = timed_ms(lambda: get(http, "/calls", limit=limit), repeats)
        deep_ms = timed_ms(lambda: get(http, "/calls", limit=limit, cursor=deep_cursor), repeats)
    first, deep = statistics.median(first_ms), statistics.median(deep_ms)
    say(f"listing: page 1 {first:.1f} ms, page {deep_page:,} {deep:.1f} ms")
    details = {
        "limit": limit,
        "deep_page": deep_page,
        "pages_checked_against_the_api": check_pages,
        "first_ms_runs": first_ms,
        "deep_ms_runs": deep_ms,
    }
    figure = Figure("listing_deep", f"GET /calls?limit={limit}, page {deep_page:,}", "ms", deep,
                    first, "page 1, same listing", "≤ 1.5x page 1", deep / first <= 1.5,
                    details)  # fmt: skip
    return figure, deep_cursor
