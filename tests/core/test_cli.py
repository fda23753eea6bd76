"""The `hotline` command, run as a user would: migrate, then serve over real HTTP."""

import subprocess

import httpx
import sqlalchemy as sa

from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import as_read, closed_call
from tests.servers import HOTLINE, admin_headers, running_server, server_env


def test_migrate_brings_an_empty_database_to_head(tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        result = subprocess.run(
            [HOTLINE, "migrate"], env=server_env(url), capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                count = connection.execute(sa.text("SELECT COUNT(*) FROM line")).scalar_one()
            assert count == 2
        finally:
            engine.dispose()


def test_serve_migrates_prints_the_pages_and_docs_urls_and_records_calls(tmp_path):
    with (
        throwaway_database(TEST_DATABASE_URL, tmp_path) as url,
        running_server(url, tmp_path / "serve.log") as server,
    ):
        base = server.base_url
        assert f"http://127.0.0.1:{server.port}/docs" in server.log_text()
        # The quick start's address of the pages, and the pages are there behind it.
        assert f"http://127.0.0.1:{server.port}/web/" in server.log_text()
        signin = httpx.get(f"{base}/web/", follow_redirects=True)
        assert signin.status_code == 200
        assert 'name="token"' in signin.text
        assert httpx.get(f"{base}/docs").status_code == 200
        assert httpx.post(f"{base}/calls", json=closed_call()).status_code == 401
        # The first admin's token, as the README tells a new user to make it.
        headers = admin_headers(url)
        created = httpx.post(f"{base}/calls", json=closed_call(), headers=headers)
        assert created.status_code == 201, created.text
        fetched = httpx.get(f"{base}{created.headers['location']}", headers=headers)
        assert fetched.json() == as_read(created.json())
