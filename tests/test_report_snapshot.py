"""A report is one snapshot: calls committed while it is being built do not tear it apart.

Found by the load test on PostgreSQL: under READ COMMITTED each of the report's queries saw
the calls committed since the one before, so a line could be missing from the totals but
present in the percentiles, and the report failed with a 500.
"""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from service import migrations
from service.calls import service as calls_service
from service.calls.models import CallCreate
from service.config import get_settings
from service.db import create_db_engine, get_engine, utcnow, writing_session
from service.main import create_app
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import BASE_TIME, bearer, closed_call, make_token

WEEK = "2025-W23"  # BASE_TIME is Monday 2 June 2025


@pytest.fixture
def client_and_url(tmp_path, monkeypatch) -> Iterator[tuple[TestClient, str]]:
    """The real app, sessions and all, on a database of its own with committed data."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            with writing_session(get_engine()) as session:
                token = make_token(session, "admin", days=1)
            with TestClient(create_app()) as client:
                client.headers.update(bearer(token))
                yield client, url
        finally:
            get_engine().dispose()
            get_engine.cache_clear()
            get_settings.cache_clear()


def test_calls_committed_during_a_report_do_not_tear_it(client_and_url):
    client, url = client_and_url
    assert client.post("/calls", json=closed_call(BASE_TIME)).status_code == 201
    other = create_db_engine(url)
    inserted = []

    def commit_a_managers_call_meanwhile(_conn, _cursor, statement, *_args) -> None:
        # Right after the report's first query over the week, as the desk may at any time.
        if not inserted and "week_calls" in statement:
            inserted.append(statement)
            payload = closed_call(BASE_TIME + timedelta(hours=1), line="managers")
            with writing_session(other) as session:
                calls_service.create(session=session, call_in=CallCreate(**payload), now=utcnow())

    sa.event.listen(get_engine(), "after_cursor_execute", commit_a_managers_call_meanwhile)
    try:
        response = client.get("/reports/weekly", params={"week": WEEK})
    finally:
        sa.event.remove(get_engine(), "after_cursor_execute", commit_a_managers_call_meanwhile)
        other.dispose()

    assert inserted, "the report ran no query over the week"
    assert response.status_code == 200, response.text
    report = response.json()
    # The report saw the week as it was when it began: one stress call, nothing else.
    assert report["totals"]["received"] == 1
    assert report["by_line"]["stress"]["received"] == 1
    assert report["by_line"]["managers"]["received"] == 0
    assert report["by_line"]["managers"]["wait_p90_s"] is None
    # The call committed meanwhile is there for the next report.
    again = client.get("/reports/weekly", params={"week": WEEK}).json()
    assert again["by_line"]["managers"]["received"] == 1
