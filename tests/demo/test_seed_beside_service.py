"""`hotline seed` beside a running `hotline serve` on the same database (issue 16).

The service acknowledges calls with 201 while the seed would run; a seed that deleted or
mixed in with them lost calls the service had promised to keep. A seed needs the database
to itself: beside the service it refuses with one line and exit code 2, and changes
nothing. Run against a real server process, whose pool holds its connections as in use.
"""

import subprocess
import threading
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

from service import migrations
from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import closed_call
from tests.servers import HOTLINE, Server, admin_headers, server_env

ONE_WEEK = ("--from", "2025-W10", "--to", "2025-W10", "--calls-per-week", "60", "--quiet")
REFUSAL = ["hotline seed: the service is using this database; stop it first"]


def seed(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HOTLINE, "seed", *args],
        env=server_env(url) | {"COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def stored(url: str) -> dict[str, object]:
    """The calls and the idempotency keys in the database, as sets."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            calls = {
                uuid.UUID(str(value))
                for value in connection.execute(sa.text("SELECT id FROM call")).scalars()
            }
            keys = set(connection.execute(sa.text("SELECT key FROM idempotency_key")).scalars())
            advisers = connection.execute(sa.text("SELECT count(*) FROM adviser")).scalar_one()
        return {"calls": calls, "keys": keys, "advisers": advisers}
    finally:
        engine.dispose()


def post_calls(server: Server, headers: dict, keys: list[str]) -> dict[str, tuple[int, str]]:
    """POST one call per key; each key's status and the call's id."""
    answers = {}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
        for key in keys:
            response = http.post("/calls", json=closed_call(), headers={"Idempotency-Key": key})
            answers[key] = (response.status_code, response.json().get("id", ""))
    return answers


def test_a_seed_beside_the_running_service_is_refused_and_a_reset_after_forgets_the_keys(
    tmp_path,
):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        headers = admin_headers(url)
        server = Server(url, tmp_path / "serve.log", migrate=False)
        try:
            server.wait_ready()
            # An empty database, the service up: seeding it would write beside the desk.
            result = seed(url, *ONE_WEEK, cwd=tmp_path)
            assert result.returncode == 2, result.stderr
            assert result.stderr.splitlines() == REFUSAL
            assert stored(url)["calls"] == set()

            before = post_calls(server, headers, [f"first-{n}" for n in range(20)])
            assert {status for status, _ in before.values()} == {201}, before
            # Calls keep coming while `seed --reset --yes` runs: none may be lost.
            during: dict[str, tuple[int, str]] = {}
            done = threading.Event()

            def keep_calling() -> None:
                n = 0
                while not done.is_set():
                    during.update(post_calls(server, headers, [f"during-{n}"]))
                    n += 1

            caller = threading.Thread(target=keep_calling)
            caller.start()
            try:
                result = seed(url, *ONE_WEEK, "--reset", "--yes", cwd=tmp_path)
            finally:
                done.set()
                caller.join(timeout=60)
            assert result.returncode == 2, result.stderr
            assert result.stderr.splitlines() == REFUSAL
            assert during and {status for status, _ in during.values()} == {201}, during
            acknowledged = {uuid.UUID(call_id) for _, call_id in (before | during).values()}
            assert stored(url)["calls"] == acknowledged
            # Every key still answers with its call.
            again = post_calls(server, headers, list(before))
            assert again == before
        finally:
            server.stop()
        assert "Traceback" not in server.log_text(), server.log_text()

        # The service stopped, the reset goes ahead, and takes the calls' keys with them.
        result = seed(url, *ONE_WEEK, "--reset", "--yes", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        after = stored(url)
        assert not after["calls"] & acknowledged and after["calls"]
        assert after["keys"] == set()
        assert after["advisers"] > 1  # the seeded ones, and the admin who holds a token

        server = Server(url, tmp_path / "serve-again.log", migrate=False)
        try:
            server.wait_ready()
            retried = post_calls(server, headers, list(before))
        finally:
            server.stop()
    # A retry of a key whose call the reset deleted records the call anew (not 404).
    assert {status for status, _ in retried.values()} == {201}, retried
    assert not {uuid.UUID(call_id) for _, call_id in retried.values()} & acknowledged


def test_a_seed_is_refused_while_another_connection_has_the_database_open(tmp_path):
    """Not only the service: any open connection could be one that writes."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1 FROM call").all()
                connection.commit()
                result = seed(url, *ONE_WEEK, cwd=tmp_path)
        finally:
            engine.dispose()
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines() == REFUSAL
        assert stored(url)["calls"] == set()
