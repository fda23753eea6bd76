"""A report is one snapshot: calls committed while it is being built do not tear it apart.

Found by the load test on PostgreSQL: under READ COMMITTED each of the report's queries saw
the calls committed since the one before, so a line could be missing from the totals but
present in the percentiles, and the report failed with a 500.
"""

from datetime import timedelta

import sqlalchemy as sa

from service.calls import desk as desk_service
from service.calls.models import CallCreate
from service.clock import utcnow
from service.config import get_settings
from service.db import create_db_engine, get_engine, writing_session
from tests.factories import BASE_TIME, closed_call

WEEK = "2025-W23"  # BASE_TIME is Monday 2 June 2025


def test_calls_committed_during_a_report_do_not_tear_it(committed):
    client, url = committed.client, committed.url
    assert client.post("/calls", json=closed_call(BASE_TIME)).status_code == 201
    other = create_db_engine(url)
    inserted = []

    def commit_a_managers_call_meanwhile(_conn, _cursor, statement, *_args) -> None:
        # Right after the report's first query over the week, as the desk may at any time.
        if not inserted and "week_calls" in statement:
            inserted.append(statement)
            payload = closed_call(BASE_TIME + timedelta(hours=1), line="managers")
            with writing_session(other) as session:
                desk_service.intake(
                    session=session,
                    settings=get_settings(),
                    call_in=CallCreate(**payload),
                    clock=utcnow,
                )

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
