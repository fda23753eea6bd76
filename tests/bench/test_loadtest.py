"""A short run of scripts/loadtest.py against a real server: no 5xx, nothing lost or doubled."""

import json
import subprocess
import sys
import time
from pathlib import Path

from service import migrations
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.servers import Server, running_server

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "loadtest.py"


def test_a_short_load_run_loses_and_doubles_nothing(tmp_path):
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        with running_server(url, tmp_path / "serve.log") as server:
            result = subprocess.run(
                [sys.executable, str(SCRIPT), "--base-url", server.base_url,
                 "--database-url", url, "--clients", "8", "--seconds", "4", "--json"],
                capture_output=True, text=True, check=False, timeout=120,
            )  # fmt: skip
            # A failure names the server's errors, not only the counts of them.
            errors = [line for line in server.log_text().splitlines() if "ERROR" in line
                      or "WARNI" in line or "unhandled" in line]  # fmt: skip
    assert result.returncode == 0, "\n".join([result.stdout, result.stderr, *errors[-20:]])
    summary = json.loads(result.stdout)
    assert summary["server_errors"] == 0
    assert summary["lost"] == summary["duplicates"] == 0
    assert summary["calls_stored"] == summary["calls_created"] > 0
    assert summary["retries_answered_with_the_same_call"] > 0
    assert set(summary["by_kind"]) >= {"create", "retry", "read", "patch", "list", "report"}
    assert summary["p99_ms"] > 0


def test_a_load_run_rides_out_a_restart_of_the_service(tmp_path):
    """The script used to die when the service restarted: 4 resends in 0.3 s, then gone."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        first = Server(url, tmp_path / "first.log")
        first.wait_ready()
        load = subprocess.Popen(
            [sys.executable, str(SCRIPT), "--base-url", first.base_url,
             "--database-url", url, "--clients", "4", "--seconds", "8", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            time.sleep(2)
            first.stop()  # SIGTERM: in-flight requests finish, new ones are refused
            time.sleep(1)
            second = Server(url, tmp_path / "second.log", port=first.port)
            try:
                second.wait_ready()
                stdout, stderr = load.communicate(timeout=120)
            finally:
                second.stop()
        finally:
            if load.poll() is None:
                load.kill()
    assert load.returncode == 0, stdout + stderr
    summary = json.loads(stdout)
    assert summary["resent_after_a_dropped_connection"] > 0  # it did see the service go
    assert summary["server_errors"] == 0
    assert summary["lost"] == summary["duplicates"] == 0
    assert summary["calls_stored"] == summary["calls_created"] > 0
