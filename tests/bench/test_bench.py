"""scripts/bench.py --quick --json as a user runs it: every figure of issue 8 is there with
its baseline, ratio, target and verdict, and the run leaves nothing behind.

Nothing here is about speed: the quick sizes are too small for the figures to mean anything.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_DATABASE_URL

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench.py"
FIGURES = {
    "intake_rate",
    "intake_p50",
    "intake_p99",
    "report_small",
    "report_big",
    "report_growth",
    "seeding",
    "listing_deep",
    "memory",
    "search_word",
    "search_prefix",
    "search_phrase",
    "search_reference",
    "push_offer",
}
FOR_REFERENCE = {"intake_p50"}  # shown beside its baseline, with no target of its own


def test_a_quick_run_gives_every_figure_beside_its_baseline(tmp_path):
    plans = tmp_path / "plans.txt"
    command = [sys.executable, str(SCRIPT), "--quick", "--json", "--explain", str(plans)]
    if TEST_DATABASE_URL:
        command += ["--database-url", TEST_DATABASE_URL]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run(
        command,
        env=os.environ | {"TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    document = json.loads(result.stdout)  # stdout holds the JSON only; progress is on stderr

    assert document["database"] == ("postgresql" if TEST_DATABASE_URL else "sqlite")
    assert document["mode"] == "quick"
    assert set(document["figures"]) == FIGURES
    for key, figure in document["figures"].items():
        for name in ("value", "baseline", "ratio"):
            assert type(figure[name]) in (int, float) and figure[name] > 0, (key, name)
        assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"], rel=1e-9)
        assert isinstance(figure["unit"], str) and isinstance(figure["baseline_title"], str)
        if key in FOR_REFERENCE:
            assert figure["target"] is None and figure["met"] is None
        else:
            assert isinstance(figure["target"], str) and figure["target"], key
            assert isinstance(figure["met"], bool), key
    missed = [key for key, figure in document["figures"].items() if figure["met"] is False]
    assert sorted(document["targets_missed"]) == sorted(missed)

    text = plans.read_text()
    assert "## summary" in text
    assert "report query 1 of" in text and "listing query 1 of" in text
    assert "floor query 1 of 1" in text

    # Everything made for the run is gone: the data folder and any PostgreSQL database.
    assert list(scratch.iterdir()) == []
    made = re.findall(r"created database (\S+)", result.stderr)
    if TEST_DATABASE_URL:
        assert len(made) == 3
        engine = sa.create_engine(TEST_DATABASE_URL)
        try:
            with engine.connect() as connection:
                left = connection.execute(
                    sa.text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"),
                    {"names": made},
                ).all()
        finally:
            engine.dispose()
        assert left == []
