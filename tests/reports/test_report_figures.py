"""The registry of the report's figures, and mean hold time: the figure added as one entry.

Mean hold time is held and resumed through the desk's own actions, with the test's clock, so
every second of it is known.
"""

import subprocess
import sys

import pytest

from service.reports import case_figures, disclosure, figure_sql, figures, labels
from service.reports.models import Change, Totals
from tests.desk import CLASSIFICATION, Desk
from tests.reports_data import LATER, T0, busy_week, csv_rows, secs, weekly

approx = pytest.approx
WEEK = "2025-W23"


def test_every_name_the_registry_uses_is_known_to_the_sql():
    columns = set(figure_sql.Call.__table__.c.keys())
    for name, aggregate in figures.RAW.items():
        if aggregate.population is not None:
            assert aggregate.population in figure_sql.POPULATIONS, name
        if not isinstance(aggregate, figures.Count):
            assert aggregate.value in figure_sql.call_values() or aggregate.value in columns


def test_the_models_have_one_field_per_figure_in_the_registrys_order():
    names = [figure.name for figure in figures.FIGURES]
    assert list(Totals.model_fields) == [*names, "suppressed"]
    assert list(Change.model_fields) == names
    for figure in figures.FIGURES:
        assert labels.figure(figure.name, "da") == figure.label[0] != figure.name
        assert labels.figure(figure.name, "en") == figure.label[1]
        # A count adds up across the lines; a rate or mean does not.
        assert figure.additive == (figure.unit == "count"), figure.name


def test_the_outcome_counts_are_the_disclosure_tables():
    outcomes = [f.name for f in figures.FIGURES if f.disclosure == figures.Cells("outcomes")]
    assert tuple(outcomes) == disclosure.OUTCOMES
    own = [f.name for f in figures.FIGURES if f.disclosure == figures.Cells("own")]
    assert (*own, "called_back") == disclosure.SEPARATE_COUNTS
    assert set(disclosure.measure_rules()) == {
        *(f.name for f in figures.FIGURES if f.unit != "count"),
        "stress_reported_share",
        *(f.name for f in case_figures.CASE_FIGURES if f.unit != "count"),
    }


def test_the_pure_modules_import_no_database_nor_web_framework():
    pure = [
        "figures",
        "case_figures",
        "kpi",
        "disclosure",
        "weeks",
        "erlang",
        "labels",
        "publishable",
    ]
    code = "; ".join(f"import service.reports.{name}" for name in pure)
    code += "; import sys; print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'fastapi')"
    code += " if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.fixture
def held_week(client, session, clock):
    """2025-W23, Monday from T0 on `stress`: Anna takes six calls one after another, each
    held as given (c3 twice), ends and closes them; then a seventh, held 100 s, still open.
    """
    desk = Desk(client, session, clock)
    t = 0

    def at(seconds: int) -> None:
        nonlocal t
        t += seconds
        clock.set(T0 + secs(t))
        desk.wait(0)

    at(0)
    anna = desk.adviser(name="Anna", lines=["stress"])
    holds = [[], [10], [20], [30, 15], [40], [60]]  # 175 s over 6 ended calls
    for held in [*holds, [100]]:
        at(10)
        call = desk.incoming("stress")["id"]
        at(5)
        desk.ok(call, "accept", anna)
        for seconds in held:
            at(20)
            desk.ok(call, "hold", anna)
            at(seconds)
            desk.ok(call, "resume", anna)
        if held == [100]:
            break  # the seventh call is still in progress: its hold is not in the mean
        at(30)
        desk.ok(call, "end", anna)
        at(10)
        desk.ok(call, "close", anna, **CLASSIFICATION)
    assert desk.call(call)["hold_s"] == 100
    return anna


def test_mean_hold_time_of_answered_calls_that_have_ended(client, held_week):
    report = weekly(client, WEEK)
    # (0 + 10 + 20 + 45 + 40 + 60) / 6 = 29.1666..; the open call's 100 s are not in it.
    assert report["totals"]["answered"] == 7
    assert report["totals"]["mean_hold_s"] == approx(29.167, abs=1e-9)
    assert report["by_line"]["stress"]["mean_hold_s"] == report["totals"]["mean_hold_s"]
    assert report["by_line"]["managers"]["mean_hold_s"] is None  # no call to average
    # Against an empty week before: nothing to compare with.
    assert report["previous_week"]["totals"]["mean_hold_s"] is None
    assert report["previous_week"]["change"]["mean_hold_s"] is None
    definition = report["definitions"]["mean_hold_s"]
    assert definition.startswith("Population: answered calls that have ended.")
    assert "hold_s" in definition and "aht_s" in definition
    assert "mean_hold_s" in report["definitions"]["publishable"]
    # The CSV has it with the other times, in seconds.
    rows = csv_rows(client.get("/reports/weekly.csv", params={"week": WEEK, "language": "en"}))
    (row,) = [r for r in rows if r["dimension"] == "totals" and r["code"] == "mean_hold_s"]
    assert (row["label"], row["value"], row["count"]) == ("Mean hold time (s)", "29.167", "")


def test_the_trend_has_the_weeks_mean_hold_time(client, held_week):
    trend = client.get("/reports/trend", params={"from": "2025-W22", "to": WEEK}).json()
    assert [w["totals"]["mean_hold_s"] for w in trend["weeks"]] == [None, approx(29.167)]


def _week(handled_on_stress: int) -> disclosure.Week:
    """Two lines of 20 calls, every count at least 5; stress with `handled_on_stress`."""
    line = {"received": 20, "answered": 10, "abandoned": 5, "short_abandoned": 5}
    line |= {"waiting": 0, "abandoned_late": 5, "closed": 10, "stress_reported": 5}
    stress, managers = line | {"handled": handled_on_stress}, line | {"handled": 9}
    every = {name: stress[name] + managers[name] for name in line | {"handled": 0}}
    return disclosure.Week(
        lines=("stress", "managers"), totals={"all": every, "stress": stress, "managers": managers}
    )


def test_mean_hold_time_is_withheld_over_fewer_than_five_calls():
    few = disclosure.protect_week(_week(4), threshold=5)
    # Stress has 4 ended calls to average: withheld, and so is the managers' (the smaller
    # of the others), else the all-lines sum less the managers' would give stress's back.
    for scope, expected in (("all", False), ("stress", True), ("managers", True)):
        assert ("mean_hold_s" in few.figures[scope]) is expected, scope
        assert ("aht_s" in few.figures[scope]) is expected, scope
    enough = disclosure.protect_week(_week(5), threshold=5)
    assert not any("mean_hold_s" in enough.figures[scope] for scope in ("all", "stress"))


def test_a_publishable_report_withholds_mean_hold_time_as_the_handle_time(client, clock):
    clock.set(LATER)
    busy_week(client, seed=7)
    for params in ({}, {"line": "stress"}, {"line": "managers"}):
        full = weekly(client, "2025-W24", **params)
        public = weekly(client, "2025-W24", publishable="true", **params)
        for totals, published in [(full["totals"], public["totals"])] + [
            (full["by_line"][line], public["by_line"][line]) for line in full["by_line"]
        ]:
            withheld = "aht_s" in published["suppressed"]
            assert ("mean_hold_s" in published["suppressed"]) is withheld
            assert published["mean_hold_s"] == (None if withheld else totals["mean_hold_s"])
    assert weekly(client, "2025-W24", publishable="true")["totals"]["mean_hold_s"] == 0.0
