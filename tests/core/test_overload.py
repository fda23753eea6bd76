"""Overload is not an outage: a burst of requests queues for the database, and past a short
wait is told "busy" at once (503, Retry-After: 1), never "the database cannot be reached".

Before, 80 clients on a healthy database got 503 "cannot be reached" after waiting 5 s for
a pooled connection in the thread pool.
"""

import asyncio
import contextlib
import time

import pytest

from service import db
from service.config import get_settings
from tests.factories import assert_problem


@pytest.fixture
def two_at_once(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "database_requests", 2)
    monkeypatch.setattr(settings, "database_queue_timeout_s", 0.2)
    return settings


def test_requests_past_the_limit_wait_their_turn_then_are_shed_quickly(engine, two_at_once):
    async def burst() -> tuple[list[str], float]:
        outcomes: list[str] = []
        released = asyncio.Event()

        async def holder() -> None:
            async with db.request_gate(engine):
                outcomes.append("in")
                await released.wait()

        async def latecomer() -> float:
            began = time.monotonic()
            with contextlib.suppress(db.Busy):
                async with db.request_gate(engine):
                    outcomes.append("late in")
                    return time.monotonic() - began
            outcomes.append("busy")
            return time.monotonic() - began

        holders = [asyncio.create_task(holder()) for _ in range(2)]
        await asyncio.sleep(0.01)
        waited = await latecomer()  # both slots taken for longer than the queue timeout
        # One that comes while a slot frees within the wait is let in.
        later = asyncio.create_task(latecomer())
        await asyncio.sleep(0.05)
        released.set()
        await asyncio.gather(*holders)
        await later
        return outcomes, waited

    outcomes, waited = asyncio.run(burst())
    assert outcomes == ["in", "in", "busy", "late in"]
    assert 0.2 <= waited < 1.0


def test_busy_is_a_503_that_says_so(committed, monkeypatch):
    @contextlib.asynccontextmanager
    async def full(engine):
        raise db.Busy
        yield

    monkeypatch.setattr(db, "request_gate", full)
    response = committed.client.get("/calls")
    body = assert_problem(response, 503)
    assert body["type"].endswith("busy") and "busy" in body["title"].lower()
    assert "cannot be reached" not in body["detail"]
    assert response.headers["retry-after"] == "1"


def test_postgresql_keeps_a_connection_for_each_request_let_in(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's connections are files, opened at no cost")
    fresh = db.create_db_engine(engine.url.render_as_string(hide_password=False))
    try:
        assert fresh.pool.size() == get_settings().database_requests + 2
        assert fresh.pool._max_overflow == 0
    finally:
        fresh.dispose()
