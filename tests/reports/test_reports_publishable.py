"""Publishable reports through the API: what every output shows, attacked as a whole.

The attacker (tests/disclosure_attack.py) gets every publishable output of the week: the
weekly report for all lines and for each line, the abandoned list of each, the trend and the
previous-week block, and tries every relation between them.
"""

import pytest

from service.reports.export import BREAKDOWNS
from service.reports.models import TOTAL_COUNTS
from tests.disclosure_attack import Published, attack
from tests.reports_data import (
    LATER,
    busy_week,
    get_ok,
    live_monday,
    publishable_week,
    tuesday_calls,
    weekly,
)

LINES = ("stress", "managers")
COUNTS = TOTAL_COUNTS
MEASURES = ("abandonment_rate", "service_level", "asa_s", "aht_s", "mean_hold_s")


def published_outputs(client, week: str) -> tuple[Published, dict[str, dict]]:
    """Every publishable output of `week`, gathered as the attacker reads them."""
    scopes = {"all": None, **{line: line for line in LINES}}
    reports, counts, measures, cells, shares, waiting = {}, {}, {}, {}, {}, {}
    for scope, line in scopes.items():
        params = {"publishable": "true"} | ({"line": line} if line else {})
        report = weekly(client, week, **params)
        full = weekly(client, week, **({"line": line} if line else {}))
        reports[scope] = report
        gone = get_ok(client, "/reports/abandoned", week=week, **params)
        trend = get_ok(client, "/reports/trend", **{"from": week, "to": week}, **params)
        # Every output that carries a figure carries the same one.
        assert trend["weeks"][0]["totals"] == report["totals"]
        assert gone["abandoned"] == report["totals"]["abandoned"]
        assert gone["short_abandoned"] == report["totals"]["short_abandoned"]
        assert gone["calls"] == []
        totals = report["totals"]
        for name in COUNTS:
            counts[(name, scope)] = totals[name]
        counts[("called_back", scope)] = gone["called_back"]
        for name in MEASURES:
            measures[(name, scope)] = totals[name]
        measures[("stress_reported_share", scope)] = report["stress_reported_share"]
        t = full["totals"]
        # Calls still waiting: given to the attacker, as if it knew them.
        waiting[scope] = t["received"] - t["answered"] - t["abandoned"] - t["short_abandoned"]
        for name in BREAKDOWNS:
            for row in report[name]:
                cells[(name, row["code"], scope)] = row["count"]
                if row["code"] is not None:
                    shares[(name, row["code"], scope)] = row["share"]
        for weekday, hours in enumerate(report["arrivals_by_hour"], start=1):
            for hour, count in enumerate(hours):
                cells[("arrivals", (weekday, hour), scope)] = count
        for slot in report["staffing"]:
            assert slot["arrivals"] == report["arrivals_by_hour"][slot["weekday"] - 1][slot["hour"]]
    for line in LINES:
        assert reports["all"]["by_line"][line] == reports[line]["totals"]
    published = Published(
        lines=LINES,
        waiting=waiting,
        counts=counts,
        measures=measures,
        cells=cells,
        shares=shares,
    )
    return published, reports


def assert_nothing_recovered(published: Published) -> None:
    breaches = attack(published, 5)
    assert breaches == [], breaches[:5]
    assert all(v is None or v >= 5 for v in published.counts.values())
    assert all(v is None or v >= 5 for v in published.cells.values())


@pytest.mark.parametrize("seed", [1, 2])
def test_no_withheld_figure_of_a_busy_week_is_recovered(client, clock, seed):
    clock.set(LATER)
    busy_week(client, seed)
    published, reports = published_outputs(client, "2025-W24")
    assert_nothing_recovered(published)
    # Not everything is withheld: the complements are as few and as small as will do, so
    # the all-lines figures (the biggest) stay.
    assert reports["all"]["totals"]["received"] is not None
    assert any(row["count"] is not None for row in reports["all"]["by_sector"])


def test_no_withheld_figure_of_the_mixed_live_week_is_recovered(client, session, clock):
    live_monday(client, session, clock)
    clock.set(LATER)
    tuesday_calls(client)
    published, _ = published_outputs(client, "2025-W23")
    assert_nothing_recovered(published)


def test_a_line_without_calls_takes_the_all_lines_figures_with_it(client, session, clock):
    """2025-W24 all on stress: the all-lines figures are the stress line's, so publishing
    both would give the managers' zeros away; one of each pair is withheld."""
    publishable_week(client, session, clock)
    published, reports = published_outputs(client, "2025-W24")
    assert_nothing_recovered(published)
    for name in COUNTS:
        pair = [reports[scope]["totals"][name] for scope in ("all", "stress")]
        assert None in pair, name
    assert reports["stress"]["totals"]["received"] == 9
    assert reports["managers"]["totals"]["received"] is None


def test_the_previous_week_block_withholds_what_that_weeks_report_does(client, clock):
    clock.set(LATER)
    busy_week(client, 3)
    for line in (None, *LINES):
        params = {"publishable": "true"} | ({"line": line} if line else {})
        this = weekly(client, "2025-W25", **params)
        last = weekly(client, "2025-W24", **params)
        assert this["previous_week"]["totals"] == last["totals"]
        change = this["previous_week"]["change"]
        for name in COUNTS:
            now, before = this["totals"][name], last["totals"][name]
            expected = None if now is None or before is None else now - before
            assert change[name] == expected
            assert expected is None or isinstance(change[name], int)


def test_the_definitions_name_each_figures_population_and_the_method(client):
    definitions = weekly(client, "2025-W24")["definitions"]
    for name in (*COUNTS, *MEASURES, "wait_p90_s", "breakdowns", "stress_reported_share"):
        text = definitions[name]
        assert any(
            p in text for p in ("Population:", "Inbound calls", "received calls", "answered calls")
        ), name
    method = definitions["publishable"]
    assert "secondary (complementary) suppression" in method
    for relation in ("sum of the lines", "received = answered + abandoned", "= answered"):
        assert relation in method
