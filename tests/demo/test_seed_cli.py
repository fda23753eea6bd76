"""`hotline seed` and scripts/seed_demo.py as a user runs them: checks, refusals, output."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from service import migrations
from service.cli import app
from service.db import create_db_engine
from service.reports.weeks import IsoWeek
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database

HOTLINE = str(Path(sys.executable).parent / "hotline")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "seed_demo.py"
TABLES = (
    "adviser",
    "adviser_line",
    "adviser_language",
    "adviser_expertise",
    "call",
    "call_issue_category",
    "call_advice",
    "call_offer",
    "call_event",
    "presence_event",
)
ONE_WEEK = ("--from", "2025-W10", "--to", "2025-W10", "--calls-per-week", "60")
OTHER_WEEKS = ("--from", "2025-W20", "--to", "2025-W21", "--calls-per-week", "40", "--seed", "5")


def run(
    *command: str, url: str, cwd: Path, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run a command with HOTLINE_DATABASE_URL set to `url`, in `cwd`."""
    return subprocess.run(
        command,
        env=os.environ | {"HOTLINE_DATABASE_URL": url, "COLUMNS": "200"},
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        check=False,
    )


def seed(url: str, *args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    return run(HOTLINE, "seed", *args, url=url, cwd=cwd, input=input)


def message(result: subprocess.CompletedProcess) -> str:
    """stderr with the error box's frame and line breaks taken out."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())


@contextlib.contextmanager
def database(folder: Path, revision: str | None = "head") -> Iterator[str]:
    """A throwaway database migrated to `revision` (None: left empty)."""
    with throwaway_database(TEST_DATABASE_URL, folder) as url:
        if revision is not None:
            migrations.upgrade(revision, database_url=url)
        yield url


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the tables seeding fills, in a full order."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = {}
            for table in TABLES:
                width = len(sa.inspect(engine).get_columns(table))
                order = ", ".join(str(n) for n in range(1, width + 1))
                query = f'SELECT * FROM "{table}" ORDER BY {order}'
                rows[table] = [tuple(row) for row in connection.exec_driver_sql(query)]
            return rows
    finally:
        engine.dispose()


def counts(url: str) -> dict[str, int]:
    return {table: len(rows) for table, rows in snapshot(url).items()}


def call_ids(url: str) -> list:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text("SELECT id FROM call")).scalars())
    finally:
        engine.dispose()


def inbound_per_week(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            received = connection.execute(
                sa.text("SELECT received_at FROM call WHERE direction = 'inbound'")
            ).scalars()
            weeks: dict[str, int] = {}
            for moment in received:
                if isinstance(moment, str):  # SQLite: UTC text
                    moment = datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("UTC"))
                week = str(IsoWeek.of(moment.astimezone(ZoneInfo("Europe/Copenhagen")).date()))
                weeks[week] = weeks.get(week, 0) + 1
            return weeks
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("seed_cli")


@pytest.fixture(scope="module")
def empty(folder) -> Iterator[str]:
    """A migrated database without calls or advisers, which refused runs must leave so."""
    with database(folder / "empty") as url:
        yield url


@pytest.fixture(scope="module")
def filled(folder) -> Iterator[tuple[str, subprocess.CompletedProcess]]:
    """A database seeded by an ordinary run, and that run."""
    with database(folder / "filled") as url:
        result = seed(url, *ONE_WEEK, "--seed", "1", cwd=folder)
        assert result.returncode == 0, result.stderr
        yield url, result


@pytest.fixture(scope="module")
def reference(folder) -> Iterator[tuple[str, subprocess.CompletedProcess]]:
    """A database seeded with OTHER_WEEKS by a quiet run given --database-url, and that run."""
    decoy = f"sqlite:///{folder / 'decoy' / 'hotline.db'}"
    with database(folder / "reference") as url:
        command = (HOTLINE, "seed", *OTHER_WEEKS, "--quiet", "--database-url", url)
        result = run(*command, url=decoy, cwd=folder)
        assert result.returncode == 0, result.stderr
        yield url, result


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", [None, "0002"])
def test_an_unmigrated_database_is_refused_with_a_pointer_to_migrate(tmp_path, revision):
    with database(tmp_path, revision) as url:
        result = seed(url, *ONE_WEEK, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr  # one line, no traceback
        assert "hotline migrate" in message(result), result.stderr
        engine = create_db_engine(url)
        try:
            with engine.connect() as connection:
                current = migrations.current_revisions(connection)
                tables = set(sa.inspect(connection).get_table_names())
        finally:
            engine.dispose()
    assert current == ({revision} if revision else set())
    assert "adviser" not in tables  # nothing created behind the user's back


def test_weeks_and_a_range_together_are_refused(empty, folder):
    result = seed(empty, "--weeks", "2", "--from", "2025-W10", "--to", "2025-W11", cwd=folder)
    assert result.returncode != 0
    assert "give either --weeks N or both --from and --to" in message(result), result.stderr
    assert not any(counts(empty).values())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--weeks", "2", "--from", "2025-W10"), "either --weeks"),
        (("--from", "2025-W10"), "both --from and --to"),
        (("--to", "2025-W10"), "both --from and --to"),
        ((), "either --weeks"),
        (("--from", "2025-W13", "--to", "2025-W10"), "--to is before --from"),
        (("--from", "2025-W54", "--to", "2025-W55"), "2025 has no week 54"),
        (("--from", "2025-10", "--to", "2025-W11"), "2025-W23"),
        (("--weeks", "0"), "at least 1"),
        (("--weeks", "9999999"), "before year 1"),
        (("--weeks", "1", "--calls-per-week", "-1"), "--calls-per-week"),
        (("--weeks", "1", "--total", "-5"), "--total"),
    ],
)
def test_bad_ranges_and_sizes_are_refused_before_touching_the_database(empty, args, expected):
    # Refused while the options are read, so in-process is as good as a subprocess here.
    result = CliRunner().invoke(app, ["seed", *args, "--database-url", empty])
    assert result.exit_code == 2, result.output
    assert expected in " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())
    assert not any(counts(empty).values())


def test_a_database_with_data_is_refused_without_reset(filled, folder):
    url, _ = filled
    before = snapshot(url)
    result = seed(url, *OTHER_WEEKS, cwd=folder)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "hotline seed: the database already has calls or advisers; use --reset to replace them"
    ]
    assert result.stdout == ""
    assert snapshot(url) == before


def test_reset_asks_first_and_a_no_changes_nothing(filled, folder):
    url, _ = filled
    before = snapshot(url)
    result = seed(url, *OTHER_WEEKS, "--reset", cwd=folder, input="n\n")
    assert result.returncode == 1, result.stderr
    assert "Delete every call and adviser first?" in result.stdout + result.stderr
    assert "hotline seed" not in result.stderr, result.stderr  # no stray "hotline seed: 1"
    assert snapshot(url) == before


def test_if_empty_leaves_a_database_with_data_alone(filled, folder):
    url, _ = filled
    before = snapshot(url)
    result = seed(url, *OTHER_WEEKS, "--if-empty", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "already has data" in message(result)
    assert snapshot(url) == before


# -- seeding --------------------------------------------------------------------------------


def test_an_ordinary_run_reports_what_it_seeded_and_its_rate(filled):
    url, result = filled
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "calls/s" in line]
    assert len(lines) == 1, result.stdout
    rows = counts(url)
    match = re.search(r"seeded (\d+) calls and (\d+) advisers over 1 weeks", lines[0])
    assert match, lines[0]
    assert (int(match[1]), int(match[2])) == (rows["call"], rows["adviser"])
    assert "2025-W10 to 2025-W10" in lines[0]
    assert inbound_per_week(url) == {"2025-W10": 60}


def test_quiet_prints_nothing_and_database_url_wins_over_the_environment(reference, folder):
    url, result = reference
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""
    assert all(counts(url).values()), counts(url)
    assert not (folder / "decoy" / "hotline.db").exists()


def test_reset_with_yes_replaces_the_data(reference, tmp_path):
    reference_url, _ = reference
    with database(tmp_path) as url:
        assert seed(url, *ONE_WEEK, "--quiet", cwd=tmp_path).returncode == 0
        old_calls = set(call_ids(url))
        result = seed(url, *OTHER_WEEKS, "--reset", "--yes", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "calls/s" in result.stdout
        assert counts(url) == counts(reference_url)
        assert not old_calls & set(call_ids(url))
        assert inbound_per_week(url) == {"2025-W20": 40, "2025-W21": 40}


def test_total_spreads_the_inbound_calls_over_the_weeks(tmp_path):
    with database(tmp_path) as url:
        args = ("--from", "2025-W10", "--to", "2025-W11", "--total", "500", "--seed", "3")
        result = seed(url, *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert inbound_per_week(url) == {"2025-W10": 250, "2025-W11": 250}
        calls = counts(url)["call"]
    assert calls > 500  # the callbacks come on top
    assert f"seeded {calls} calls" in result.stdout


def test_weeks_on_an_empty_database_seeds_the_weeks_before_this_one_as_serve_does(tmp_path):
    with database(tmp_path) as url:
        first = seed(url, "--weeks", "2", "--calls-per-week", "30", "--if-empty", cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        this_week = IsoWeek.of(datetime.now(ZoneInfo("Europe/Copenhagen")).date())
        expected = {str(this_week.shifted(-2)), str(this_week.shifted(-1))}
        weeks = inbound_per_week(url)
    # A week with every weekday closed gets no calls; no week of the year is like that.
    assert set(weeks) == expected, weeks
    assert set(weeks.values()) == {30}


def test_the_script_seeds_the_same_as_the_command(reference, tmp_path):
    reference_url, _ = reference
    with database(tmp_path) as url:
        result = run(sys.executable, str(SCRIPT), *OTHER_WEEKS, url=url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "calls/s" in result.stdout
        assert snapshot(url) == snapshot(reference_url)


def _child(pid: int, marker: str, *, timeout_s: float) -> int:
    """The id of the child process of `pid` whose command line contains `marker`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for listing in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in listing.read_text().split():
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    if marker in Path(f"/proc/{child}/cmdline").read_text():
                        return int(child)
        time.sleep(0.02)
    pytest.fail(f"no child process with {marker!r} within {timeout_s} s")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_seeding_stops_with_an_error_when_the_generating_process_dies_and_changes_nothing(
    tmp_path,
):
    """The rows are generated in a child process; if it dies (the OOM killer, say), the
    command must fail, not wait for its batches for ever, and leave the database as it was,
    the reset and the days written before included: a seed is all or nothing (issue 16)."""
    with database(tmp_path) as url:
        assert seed(url, *ONE_WEEK, "--quiet", cwd=tmp_path).returncode == 0
        before = snapshot(url)
        command = [HOTLINE, "seed", "--from", "2025-W01", "--to", "2025-W26", "--total",
                   "100000", "--quiet", "--reset", "--yes"]  # fmt: skip
        process = subprocess.Popen(
            command,
            env=os.environ | {"HOTLINE_DATABASE_URL": url},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            child = _child(process.pid, "spawn_main", timeout_s=30)
            time.sleep(1)  # some days in (100,000 calls take several seconds)
            os.kill(child, signal.SIGKILL)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pytest.fail("`hotline seed` still waits 10 s after its generating process died")
        finally:
            if process.poll() is None:
                process.kill()
            _, stderr = process.communicate()
        assert process.returncode == 1, stderr
        assert stderr.splitlines() == ["hotline seed: demo data generation stopped (exit code -9)"]
        assert snapshot(url) == before
