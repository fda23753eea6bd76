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
from openpyxl import load_workbook
from sqlmodel import Session

from service import migrations
from service.db import create_db_engine, get_session
from service.main import create_app
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import BASE_TIME, as_admin, closed_call, live_call
from tests.reports.test_reports_xlsx import sheet_values

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
    result.raw = result.stdout
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


@pytest.mark.parametrize(
    ("args", "params"),
    [
        (("--line", "stress"), {"line": "stress"}),
        (("--language", "en", "--publishable"), {"language": "en", "publishable": "true"}),
    ],
)
def test_csv_output_is_the_endpoints_csv_byte_for_byte(filled, args, params):
    url, client = filled
    result = _run(url, "--format", "csv", *args)
    assert result.returncode == 0, result.stderr
    served = client.get("/reports/weekly.csv", params={"week": WEEK, **params})
    assert served.status_code == 200, served.text
    # The byte-order mark and the CRLF line ends included.
    assert result.raw == served.content
    assert result.raw.startswith(b"\xef\xbb\xbfweek,line,") and b"\r\n" in result.raw
    rows = list(csv.DictReader(io.StringIO(result.stdout.removeprefix("\ufeff"), newline="")))
    received = next(r for r in rows if r["dimension"] == "totals" and r["code"] == "received")
    # Withheld in the publishable one: 4 calls are fewer than 5.
    expected = "" if "publishable" in params else "4"
    assert (received["line"], received["count"]) == (params.get("line", "all"), expected)


def test_csv_and_xlsx_outputs_to_a_file_are_the_endpoints_downloads(filled, tmp_path):
    url, client = filled
    params = {"week": WEEK, "line": "stress", "language": "en"}
    csv_file, xlsx_file = tmp_path / "week.csv", tmp_path / "week.xlsx"
    options = ("--line", "stress", "--language", "en")
    for output_format, path in (("csv", csv_file), ("xlsx", xlsx_file)):
        result = _run(url, "--format", output_format, "--output", str(path), *options)
        assert result.returncode == 0, result.stderr
        assert result.raw == b""  # nothing on standard output
    assert csv_file.read_bytes() == client.get("/reports/weekly.csv", params=params).content
    served = client.get("/reports/weekly.xlsx", params=params)
    assert served.status_code == 200, served.text
    # The same workbook; only the moment of writing in its properties differs.
    assert sheet_values(xlsx_file.read_bytes()) == sheet_values(served.content)
    totals = load_workbook(xlsx_file)["Totals"]
    assert (totals["A2"].value, totals["C2"].value) == ("Calls received", 4)


def test_xlsx_needs_an_output_file(filled):
    url, _ = filled
    result = _run(url, "--format", "xlsx")
    assert result.returncode == 2
    assert "--output" in result.stderr
    assert result.raw == b""


def test_an_output_file_that_cannot_be_written_is_an_error(filled, tmp_path):
    url, _ = filled
    result = _run(url, "--format", "csv", "--output", str(tmp_path / "nowhere" / "week.csv"))
    assert result.returncode == 1
    assert "cannot write" in result.stderr


def test_table_output_shows_the_figures(filled):
    url, _ = filled
    result = _run(url)
    assert result.returncode == 0, result.stderr
    assert f"Hotline weekly report {WEEK}" in result.stdout
    received = next(line for line in result.stdout.splitlines() if "received" in line)
    assert "4" in received
    assert "Employee" in result.stdout  # a caller-type label in the breakdown tables
    assert "Calls received" in result.stdout
    danish = _run(url, "--language", "da")
    assert danish.returncode == 0, danish.stderr
    assert "Modtagne opkald" in danish.stdout and "Opkaldertype" in danish.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--line", "nowhere"), "line"),
        (("--format", "pdf"), "format"),
        (("--language", "de"), "language"),
    ],
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
