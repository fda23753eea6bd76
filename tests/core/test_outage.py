"""The database away: 503 with Retry-After, fast, never 500; back again: served at once."""

import contextlib
import socket
import sqlite3
import threading
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
from tests.servers import free_port

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


class Silent:
    """A TCP server that accepts every connection and never says a word: a database host
    that is up but hung (or a firewall that lets SYN through and drops the rest)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(TimeoutError):
                self.accepted.append(self.listener.accept()[0])

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        for connection in [*self.accepted, self.listener]:
            connection.close()


# libpq and psycopg treat any connect timeout under 2 s as 2 s.
CONNECT_TIMEOUT_S = 2


def test_a_database_host_that_never_answers_is_503_within_the_connect_timeout(app_on, monkeypatch):
    """Without a connect timeout the driver waits for the server's first word for as long
    as TCP lets it: every request (and the pool behind it) would hang."""
    monkeypatch.setenv("HOTLINE_DATABASE_CONNECT_TIMEOUT_S", str(CONNECT_TIMEOUT_S))
    silent = Silent()
    try:
        client = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{silent.port}/hotline")
        started = time.monotonic()
        assert_unavailable(client.post("/calls", json=closed_call(), headers=bearer("hl_x")))
        assert time.monotonic() - started < CONNECT_TIMEOUT_S + 1.5
        started = time.monotonic()
        assert client.get("/readyz").status_code == 503
        assert time.monotonic() - started < CONNECT_TIMEOUT_S + 1.5
        assert silent.accepted, "the requests never reached the silent server"
        assert client.get("/healthz").status_code == 200
    finally:
        get_engine().dispose()
        silent.close()


class Proxy:
    """A TCP proxy to the database that can be cut (every connection dropped, new ones
    refused) and restored on the same port: a database that goes away and comes back."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR
        self.listener.settimeout(0.1)
        self.stopped.clear()
        self.thread = threading.Thread(target=self._accept, args=(self.listener,), daemon=True)
        self.thread.start()

    def cut(self) -> None:
        assert self.listener is not None and self.thread is not None
        self.stopped.set()
        self.thread.join()
        self.listener.close()
        with self.lock:
            connections, self.connections = self.connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@needs_postgresql
def test_the_service_answers_503_while_the_database_is_away_and_serves_when_it_is_back(
    app_on, tmp_path
):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = committed_token(url)
        direct = sa.make_url(url)
        proxy = Proxy((direct.host or "127.0.0.1", direct.port or 5432))
        proxy.restore()
        try:
            via_proxy = direct.set(host="127.0.0.1", port=proxy.port)
            client = app_on(via_proxy.render_as_string(hide_password=False))
            assert client.post("/calls", json=closed_call(), headers=headers).status_code == 201
            assert client.get("/readyz").status_code == 200

            proxy.cut()  # the pooled connections die, and new ones are refused
            started = time.monotonic()
            assert_unavailable(client.post("/calls", json=closed_call(), headers=headers))
            assert_unavailable(client.get("/queue", headers=headers))
            assert client.get("/readyz").status_code == 503
            assert time.monotonic() - started < 5

            proxy.restore()  # same app, same engine and pool: no restart
            created = client.post("/calls", json=closed_call(), headers=headers)
            assert created.status_code == 201, created.text
            assert client.get("/readyz").status_code == 200
            listed = client.get("/calls", headers=headers).json()["items"]
            assert len(listed) == 2 and created.json()["id"] in {c["id"] for c in listed}
        finally:
            get_engine().dispose()
            proxy.cut()
