"""The database away: 503 with Retry-After, fast, never 500; back again: served at once."""

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import migrations
from service.config import get_settings
from service.db import create_db_engine, get_engine
from service.main import create_app
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import bearer, closed_call, live_call, make_token

ON_POSTGRESQL = bool(TEST_DATABASE_URL) and TEST_DATABASE_URL.startswith("postgresql")
needs_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason="a database server to lose")


@pytest.fixture
def app_on(monkeypatch) -> Iterator[Callable[[str], TestClient]]:
    """A client of the real app (no overrides) on the database at a URL."""

    def make(url: str) -> TestClient:
        monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        return TestClient(create_app(), raise_server_exceptions=False)

    yield make
    get_engine.cache_clear()
    get_settings.cache_clear()


def committed_token(url: str) -> dict[str, str]:
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            return bearer(make_token(session, "admin"))
    finally:
        engine.dispose()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert "Nothing was changed" in response.json()["detail"]


@needs_postgresql
def test_an_unreachable_database_is_503_fast_and_readyz_says_so(app_on):
    client = app_on("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    started = time.monotonic()
    assert_unavailable(client.get("/queue", headers=bearer("hl_anything")))
    assert_unavailable(client.post("/calls", json=closed_call(), headers=bearer("hl_x")))
    assert time.monotonic() - started < 10
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200  # the process itself is fine


@needs_postgresql
def test_connections_killed_by_the_server_are_replaced_without_a_restart(app_on, tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = committed_token(url)
        client = app_on(url)
        assert client.get("/queue", headers=headers).status_code == 200
        admin = create_db_engine(TEST_DATABASE_URL)
        try:
            with admin.begin() as connection:
                killed = connection.execute(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": sa.make_url(url).database},
                ).scalar_one()
        finally:
            admin.dispose()
        assert killed >= 1, "the app's pooled connection should have been killed"
        created = client.post("/calls", json=closed_call(), headers=headers)
        assert created.status_code == 201, created.text
        assert client.get("/readyz").status_code == 200
        get_engine().dispose()


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's own lock")
def test_a_database_locked_past_the_busy_timeout_is_503_not_500(app_on, tmp_path):
    with throwaway_database(None, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = committed_token(url)
        client = app_on(url)
        locker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")
            assert_unavailable(client.post("/calls", json=closed_call(), headers=headers))
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert client.post("/calls", json=closed_call(), headers=headers).status_code == 201
        get_engine().dispose()


@needs_postgresql
def test_a_lock_held_too_long_elsewhere_is_503_after_the_lock_timeout(
    app_on, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOTLINE_DATABASE_LOCK_TIMEOUT_S", "1")
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = committed_token(url)
        client = app_on(url)
        holder = create_db_engine(url)
        try:
            with holder.begin() as connection:
                # Whoever routes next must wait for this row: every new call does.
                connection.execute(sa.text("SELECT * FROM routing_lock FOR UPDATE"))
                started = time.monotonic()
                waiting = live_call(datetime.now(UTC))  # a live call is routed at once
                assert_unavailable(client.post("/calls", json=waiting, headers=headers))
                assert time.monotonic() - started < 5
            assert client.post("/calls", json=closed_call(), headers=headers).status_code == 201
        finally:
            holder.dispose()
            get_engine().dispose()
