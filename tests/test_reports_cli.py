"""`hotline report` prints the same figures as GET /reports/weekly, as a user would run it."""

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import migrations
from service.db import create_db_engine, get_session
from service.main import create_app
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import BASE_TIME, as_admin, closed_call, live_call

HOTLINE = str(Path(sys.executable).parent / "hotline")
WEEK = "2025-W23"  # BASE_TIME is Monday 2 June 2025


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Iterator[tuple[str, TestClient]]:
    """A database of its own with committed calls, and an API client on it."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path_factory.mktemp("report")) as url:
        migrations.upgrade("head", database_url=url)
        engine = create_db_engine(url)

        def session_for_request() -> Iterator[Session]:
            with Session(engine) as session:
                yield session

        app = create_app()
        app.dependency_overrides[get_session] = session_for_request
        as_admin(app)
        client = TestClient(app)
        for minutes in (0, 30, 90):
            received = BASE_TIME + timedelta(minutes=minutes)
            assert client.post("/calls", json=closed_call(received)).status_code == 201
        ended = BASE_TIME + timedelta(minutes=1)
        abandoned = live_call(BASE_TIME) | {"ended_at": ended.isoformat()}
        assert client.post("/calls", json=abandoned).status_code == 201
        try:
            yield url, client
        finally:
            engine.dispose()


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [HOTLINE, "report", "--week", WEEK, *args],
        env=os.environ | {"HOTLINE_DATABASE_URL": url},
        capture_output=True,
        check=False,
    )
    # Decoded by hand: text mode would turn the CSV's CRLF line ends into LF.
    result.stdout, result.stderr = result.stdout.decode(), result.stderr.decode()
    return result


def _without_moment(body: dict) -> dict:
    # by_adviser's time on the desk runs until "now"; nothing else depends on when it ran.
    return body | {"by_adviser": None}


def test_json_output_is_the_endpoints_report(filled):
    url, client = filled
    result = _run(url, "--format", "json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    served = client.get("/reports/weekly", params={"week": WEEK}).json()
    assert _without_moment(printed) == _without_moment(served)
    assert printed["totals"]["received"] == 4
    assert printed["totals"]["answered"] == 3


def test_csv_output_is_the_endpoints_csv(filled):
    url, client = filled
    result = _run(url, "--format", "csv", "--line", "stress")
    assert result.returncode == 0, result.stderr
    served = client.get("/reports/weekly.csv", params={"week": WEEK, "line": "stress"}).text
    assert result.stdout == served.removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    received = next(r for r in rows if r["dimension"] == "totals" and r["code"] == "received")
    assert (received["line"], received["count"]) == ("stress", "4")


def test_table_output_shows_the_figures(filled):
    url, _ = filled
    result = _run(url)
    assert result.returncode == 0, result.stderr
    assert f"Hotline weekly report {WEEK}" in result.stdout
    received = next(line for line in result.stdout.splitlines() if "received" in line)
    assert "4" in received
    assert "Employee" in result.stdout  # a caller-type label in the breakdown tables


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--line", "nowhere"), "line"), (("--format", "pdf"), "format")],
)
def test_bad_options_are_refused_with_a_message(filled, args, message):
    url, _ = filled
    result = _run(url, *args)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_week_that_does_not_exist_is_refused(filled):
    url, _ = filled
    result = subprocess.run(
        [HOTLINE, "report", "--week", "2025-W53"],
        env=os.environ | {"HOTLINE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "no week 53" in result.stderr
