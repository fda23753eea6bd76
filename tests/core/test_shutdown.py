"""Graceful shutdown: on SIGTERM requests in flight finish, the timers stop, nothing is
half-done."""

import contextlib
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import sqlalchemy as sa

from service import migrations
from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import closed_call, live_call
from tests.servers import Server, admin_headers


def test_sigterm_lets_requests_in_flight_finish_and_stops_cleanly(tmp_path):
    """Traffic flowing when the signal comes. Requests it catches on a kept-alive connection
    the server has not read a request from are cut off (ConnectError, RemoteProtocolError,
    ReadError: which one is a matter of timing); those are never stored. Pinning one
    request in flight is the next test's job."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = admin_headers(url)
        server = Server(url, tmp_path / "serve.log", migrate=False, routing_timer="true",
                        retention_timer="true")  # fmt: skip
        try:
            server.wait_ready()
            # (answer, whether it came before the signal was sent)
            answers: list[tuple[int | str, bool]] = []
            lock = threading.Lock()
            signalled = threading.Event()

            def record_calls() -> None:
                with httpx.Client(base_url=server.base_url, headers=headers, timeout=20) as http:
                    for _ in range(15):
                        try:
                            status = http.post("/calls", json=closed_call()).status_code
                        except httpx.TransportError as exc:
                            status = type(exc).__name__
                        with lock:
                            answers.append((status, not signalled.is_set()))

            threads = [threading.Thread(target=record_calls) for _ in range(6)]
            for thread in threads:
                thread.start()
            while len(answers) < 10:  # requests are flowing
                threading.Event().wait(0.01)
            signalled.set()
            server.process.terminate()
            for thread in threads:
                thread.join(timeout=30)
            exit_code = server.process.wait(timeout=20)
        finally:
            server.stop()
        log = server.log_text()
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                stored = connection.execute(sa.text("SELECT count(*) FROM call")).scalar_one()
        finally:
            engine.dispose()
    # uvicorn shuts down cleanly, then re-raises the signal so the exit says what ended it.
    assert exit_code in (0, -15), log
    assert "Application shutdown complete" in log and "Finished server process" in log
    assert "Traceback" not in log, log
    statuses = [status for status, _ in answers]
    # Whatever the server answered, it answered 201: no 5xx, not even in the last moment.
    assert {s for s in statuses if isinstance(s, int)} == {201}, answers
    # Until the signal the server served as usual: every answer that came before it is 201.
    assert all(status == 201 for status, before in answers if before), answers
    # Every call the server said it recorded is stored, and nothing else.
    assert stored == statuses.count(201)


@contextlib.contextmanager
def write_lock_held(url: str) -> Iterator[Callable[[], bool]]:
    """Hold what a new live call must wait for, from a connection of our own, until the
    block ends; yield a check of whether the server's request is waiting for it.

    PostgreSQL: the routing lock row, which routing a live call updates first. SQLite: the
    database's one write lock (BEGIN IMMEDIATE), which every writing request takes first.
    Both are held for far less than the server waits (lock and busy timeouts of 5 s).
    """
    if sa.make_url(url).get_backend_name() == "sqlite":
        locker = sqlite3.connect(sa.make_url(url).database, isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            # SQLite cannot name its waiters: the request's not being answered must do.
            yield lambda: True
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        return
    engine = create_db_engine(url)
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    try:
        with engine.connect() as holder, engine.connect() as watcher:
            transaction = holder.begin()
            holder.execute(sa.text("SELECT * FROM routing_lock FOR UPDATE"))
            yield lambda: watcher.execute(waiting).scalar_one() > 0
            transaction.rollback()
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"not {what} within {timeout_s} s"
        time.sleep(0.05)


def test_sigterm_waits_for_a_request_in_flight_which_gets_201_and_is_stored(tmp_path):
    """The request is pinned in the server, waiting for a lock we hold, when SIGTERM
    arrives; the server must finish it before it exits, not drop it."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = admin_headers(url)
        # No timers: the only request that can wait for the lock is the one sent here.
        server = Server(url, tmp_path / "serve.log", migrate=False)
        answer: list[httpx.Response] = []
        answered_at: list[float] = []
        try:
            server.wait_ready()
            with write_lock_held(url) as server_waits:
                live = live_call(datetime.now(UTC))  # routed at once: it needs the lock

                def post() -> None:
                    with httpx.Client(base_url=server.base_url, timeout=20) as http:
                        answer.append(http.post("/calls", json=live, headers=headers))
                        answered_at.append(time.monotonic())

                request = threading.Thread(target=post)
                request.start()
                wait_until(server_waits, 5, "waiting for the lock")
                time.sleep(0.5)  # far longer than recording a call takes
                assert request.is_alive(), f"answered despite the lock: {answer[0].text}"
                server.process.terminate()
                time.sleep(0.5)
                assert server.process.poll() is None, "exited with a request in flight"
                assert request.is_alive()
                released_at = time.monotonic()  # the lock goes as the block ends
            request.join(timeout=20)
            exit_code = server.process.wait(timeout=20)
        finally:
            server.stop()
        log = server.log_text()
        assert answer, log
        assert answer[0].status_code == 201, answer[0].text
        assert answered_at[0] > released_at  # it waited for the lock, through the signal
        call_id = answer[0].json()["id"]
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                stored = connection.execute(sa.text("SELECT id FROM call")).scalars().all()
        finally:
            engine.dispose()
    assert exit_code in (0, -15), log
    assert "Traceback" not in log, log
    assert [str(uuid.UUID(str(row))) for row in stored] == [call_id]
