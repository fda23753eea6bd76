"""The `hotline` command, run as a user would: migrate, then serve over real HTTP."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import closed_call

HOTLINE = str(Path(sys.executable).parent / "hotline")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(url: str) -> dict[str, str]:
    return os.environ | {"HOTLINE_DATABASE_URL": url}


def test_migrate_brings_an_empty_database_to_head(tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        result = subprocess.run(
            [HOTLINE, "migrate"], env=_env(url), capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                count = connection.execute(sa.text("SELECT COUNT(*) FROM line")).scalar_one()
            assert count == 2
        finally:
            engine.dispose()


def test_serve_migrates_prints_the_docs_url_and_records_calls(tmp_path):
    port = _free_port()
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [HOTLINE, "serve", "--migrate", "--port", str(port)],
                env=_env(url),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)

            assert f"http://127.0.0.1:{port}/docs" in log.read_text()
            assert httpx.get(f"{base}/docs").status_code == 200
            created = httpx.post(f"{base}/calls", json=closed_call())
            assert created.status_code == 201, created.text
            fetched = httpx.get(f"{base}{created.headers['location']}")
            assert fetched.json() == created.json()
        finally:
            server.terminate()
            server.wait(timeout=15)
