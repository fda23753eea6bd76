"""Graceful shutdown: on SIGTERM requests in flight finish, the timers stop, nothing is
half-done."""

import threading

import httpx
import sqlalchemy as sa

from service import migrations
from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import closed_call
from tests.servers import Server, admin_headers


def test_sigterm_lets_requests_in_flight_finish_and_stops_cleanly(tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = admin_headers(url)
        server = Server(url, tmp_path / "serve.log", migrate=False, routing_timer="true",
                        retention_timer="true")  # fmt: skip
        try:
            server.wait_ready()
            answers: list[int | str] = []
            lock = threading.Lock()

            def record_calls() -> None:
                with httpx.Client(base_url=server.base_url, headers=headers, timeout=20) as http:
                    for _ in range(15):
                        try:
                            status = http.post("/calls", json=closed_call()).status_code
                        except httpx.TransportError as exc:  # refused after the signal
                            status = type(exc).__name__
                        with lock:
                            answers.append(status)

            threads = [threading.Thread(target=record_calls) for _ in range(6)]
            for thread in threads:
                thread.start()
            while len(answers) < 10:  # requests are flowing
                threading.Event().wait(0.01)
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
    assert all(status in (201, "ConnectError", "RemoteProtocolError") for status in answers)
    assert 201 in answers
    # Every call the server said it recorded is stored, and nothing else.
    assert stored == answers.count(201)
