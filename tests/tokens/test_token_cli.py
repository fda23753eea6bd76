"""`hotline token create` beside a running server: it must not lose the write race on SQLite."""

import sqlite3

import pytest
from typer.testing import CliRunner

from service import migrations
from service.advisers import service as advisers_service
from service.cli import app
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database


@pytest.mark.skipif(
    TEST_DATABASE_URL is not None and not TEST_DATABASE_URL.startswith("sqlite"),
    reason="SQLite's single writer",
)
def test_a_commit_elsewhere_between_its_read_and_its_write_does_not_fail_it(tmp_path, monkeypatch):
    """Found in CI: the routing timer of a running server committed between the command's
    read of the person and its insert, and SQLite refused the insert (database is locked).
    The command now takes the write lock before it reads; the other writer waits instead."""
    with throwaway_database(None, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.2, isolation_level=None)
        refused = []
        real = advisers_service.person_for_email

        def read_then_someone_else_writes(**kwargs):
            person = real(**kwargs)
            try:
                other.execute("UPDATE routing_lock SET id = id")  # what a timer tick does
            except sqlite3.OperationalError as exc:
                refused.append(str(exc))
            return person

        monkeypatch.setattr(advisers_service, "person_for_email", read_then_someone_else_writes)
        result = CliRunner().invoke(
            app,
            ["token", "create", "--email", "ny@example.dk", "--role", "admin",
             "--database-url", url],
        )  # fmt: skip
        other.close()
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("hl_")
    assert refused == ["database is locked"]  # the other writer had to wait its turn
