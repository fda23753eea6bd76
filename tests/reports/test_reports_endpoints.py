"""The report endpoints: weeks in Copenhagen time, validation, publishable reports, the CSV
table, the trend and the abandoned calls. Every expected figure is worked out by hand."""

import pytest

from tests.desk import CLASSIFICATION, Desk
from tests.factories import assert_problem, parse_time
from tests.reports_data import (
    LATER,
    T0,
    TOTAL_KEYS,
    add_callback,
    answered,
    csv_rows,
    figures,
    get_ok,
    hung_up,
    number,
    publishable_week,
    secs,
    totals_of,
    tuesday_calls,
    utc,
    weekly,
)

approx = pytest.approx
CELLS = ("code", "count", "share", "value")
TOTAL_RATES = ("abandonment_rate", "service_level")
BREAKDOWNS = (
    "by_caller_type",
    "by_sector",
    "by_issue_category",
    "primary_issue_category",
    "by_advice_type",
    "by_workplace_size",
)


def grid_cells(report: dict) -> dict[tuple[int, int], int]:
    """The non-zero cells of arrivals_by_hour as {(ISO weekday, local hour): count}."""
    grid = report["arrivals_by_hour"]
    assert len(grid) == 7 and all(len(day) == 24 for day in grid)
    return {(d + 1, h): n for d, day in enumerate(grid) for h, n in enumerate(day) if n}


def test_spring_week_has_167_hours_and_no_local_2_oclock(client):
    # Sunday 30 March 2025 at 01:00 UTC, 02:00 CET became 03:00 CEST.
    for moment in (
        utc(2025, 3, 23, 22, 59, 59),  # Sunday 23:59:59 CET: still 2025-W12
        utc(2025, 3, 23, 23, 0, 0),  # Monday 00:00 CET: first moment of W13
        utc(2025, 3, 30, 0, 30),  # Sunday 01:30 CET
        utc(2025, 3, 30, 1, 30),  # Sunday 03:30 CEST
        utc(2025, 3, 30, 21, 59, 59),  # Sunday 23:59:59 CEST: last moment of W13
        utc(2025, 3, 30, 22, 0, 0),  # Monday 00:00 CEST: 2025-W14
    ):
        answered(client, moment, 0, 60)
    report = weekly(client, "2025-W13")
    assert (report["start"], report["end"]) == (
        "2025-03-24T00:00:00+01:00",
        "2025-03-31T00:00:00+02:00",
    )
    assert report["timezone"] == "Europe/Copenhagen"
    assert report["totals"]["received"] == 4
    assert grid_cells(report) == {(1, 0): 1, (7, 1): 1, (7, 3): 1, (7, 23): 1}
    assert [(s["weekday"], s["hour"]) for s in report["staffing"]] == [
        (1, 0),
        (7, 1),
        (7, 3),
        (7, 23),
    ]
    assert grid_cells(weekly(client, "2025-W12")) == {(7, 23): 1}
    assert grid_cells(weekly(client, "2025-W14")) == {(1, 0): 1}


def test_autumn_week_has_169_hours_and_local_2_oclock_twice(client):
    # Sunday 26 October 2025 at 01:00 UTC, 03:00 CEST became 02:00 CET.
    for moment in (
        utc(2025, 10, 19, 21, 59, 59),  # Sunday 23:59:59 CEST: 2025-W42
        utc(2025, 10, 19, 22, 0, 0),  # Monday 00:00 CEST: W43
        utc(2025, 10, 26, 0, 30),  # Sunday 02:30 CEST
        utc(2025, 10, 26, 1, 30),  # Sunday 02:30 CET, the same local hour again
        utc(2025, 10, 26, 2, 30),  # Sunday 03:30 CET
        utc(2025, 10, 26, 22, 59, 59),  # Sunday 23:59:59 CET: last moment of W43
        utc(2025, 10, 26, 23, 0, 0),  # Monday 00:00 CET: 2025-W44
    ):
        answered(client, moment, 0, 60)
    report = weekly(client, "2025-W43")
    assert (report["start"], report["end"]) == (
        "2025-10-20T00:00:00+02:00",
        "2025-10-27T00:00:00+01:00",
    )
    assert report["totals"]["received"] == 5
    assert grid_cells(report) == {(1, 0): 1, (7, 2): 2, (7, 3): 1, (7, 23): 1}
    assert [(s["weekday"], s["hour"], s["arrivals"]) for s in report["staffing"]] == [
        (1, 0, 1),
        (7, 2, 2),
        (7, 3, 1),
        (7, 23, 1),
    ]
    assert weekly(client, "2025-W42")["totals"]["received"] == 1
    assert grid_cells(weekly(client, "2025-W44")) == {(1, 0): 1}


def test_weeks_end_at_local_midnight_not_utc_midnight(client):
    answered(client, utc(2025, 6, 8, 21, 59, 59), 0, 60)  # Sunday 23:59:59 CEST: W23
    answered(client, utc(2025, 6, 8, 22, 0, 0), 0, 60)  # Monday 00:00 CEST: W24
    w23, w24 = weekly(client, "2025-W23"), weekly(client, "2025-W24")
    assert (w23["start"], w23["end"]) == ("2025-06-02T00:00:00+02:00", "2025-06-09T00:00:00+02:00")
    assert grid_cells(w23) == {(7, 23): 1} and w23["totals"]["received"] == 1
    assert grid_cells(w24) == {(1, 0): 1} and w24["totals"]["received"] == 1


def test_iso_week_53_of_2026(client, clock):
    clock.set(utc(2027, 2, 1, 12, 0))
    answered(client, utc(2026, 12, 27, 22, 59, 59), 0, 60)  # Sunday 27 Dec 23:59:59: 2026-W52
    answered(client, utc(2026, 12, 27, 23, 0, 0), 0, 60)  # Monday 28 Dec 00:00: W53
    answered(client, utc(2027, 1, 1, 10, 0), 0, 60)  # Friday 1 January 2027 11:00: W53
    answered(client, utc(2027, 1, 3, 23, 0, 0), 0, 60)  # Monday 4 January 00:00: 2027-W01
    report = weekly(client, "2026-W53")
    assert (report["start"], report["end"]) == (
        "2026-12-28T00:00:00+01:00",
        "2027-01-04T00:00:00+01:00",
    )
    assert grid_cells(report) == {(1, 0): 1, (5, 11): 1}
    assert report["previous_week"]["week"] == "2026-W52"
    assert report["previous_week"]["totals"]["received"] == 1
    following = weekly(client, "2027-W01")
    assert following["previous_week"]["week"] == "2026-W53"
    assert following["previous_week"]["totals"]["received"] == 2
    assert following["totals"]["received"] == 1


def test_a_week_without_calls(client):
    report = weekly(client, "2025-W30")
    empty = figures(0, 0, 0, 0, None, None, None, None, None, 0, 0, 0, None)
    assert totals_of(report["totals"]) == empty
    assert {line: totals_of(t) for line, t in report["by_line"].items()} == {
        "stress": empty,
        "managers": empty,
    }
    assert totals_of(report["previous_week"]["totals"]) == empty
    assert totals_of(report["previous_week"]["change"]) == figures(
        0, 0, 0, 0, None, None, None, None, None, 0, 0, 0, None
    )
    for name in BREAKDOWNS:
        assert {(r["count"], r["share"]) for r in report[name]} == {(0, None)}
    assert report["stress_reported_share"] is None
    assert report["by_adviser"] == [] and report["staffing"] == []
    assert report["arrivals_by_hour"] == [[0] * 24] * 7


@pytest.mark.parametrize("week", ["2025-23", "2025-W00", "2025-W5", "2025-W53", "2025-W054", ""])
@pytest.mark.parametrize("path", ["/reports/weekly", "/reports/weekly.csv", "/reports/abandoned"])
def test_a_malformed_or_missing_week_is_refused(client, path, week):
    assert_problem(client.get(path, params={"week": week}), 422, "week")


@pytest.mark.parametrize("path", ["/reports/weekly", "/reports/abandoned"])
def test_parameters_are_checked(client, path):
    assert_problem(client.get(path), 422, "week")
    assert_problem(client.get(path, params={"week": "2025-W23", "colour": "red"}), 422, "colour")
    assert_problem(client.get(path, params={"week": "2025-W23", "line": "sales"}), 422, "line")
    response = client.get(path, params={"week": "2025-W23", "publishable": "perhaps"})
    assert_problem(response, 422, "publishable")


def test_trend_parameters_are_checked(client):
    def trend(**params):
        return client.get("/reports/trend", params=params)

    assert_problem(trend(**{"from": "2025-W23", "to": "2025-W22"}), 422, "to")
    assert_problem(trend(**{"from": "2025-W23", "to": "2025-W53"}), 422, "to")
    assert_problem(trend(**{"from": "2022-W01", "to": "2025-W23"}), 422, "to")  # > 160 weeks
    assert_problem(trend(**{"from": "2025-W10"}), 422, "to")
    assert_problem(trend(**{"from": "2025-10", "to": "2025-W23"}), 422, "from")
    params = {"from": "2025-W10", "to": "2025-W23"}
    assert_problem(trend(**params, week="2025-W23"), 422, "week")
    assert_problem(trend(**params, line="sales"), 422, "line")


def test_the_trend_repeats_each_weeks_totals(client, clock):
    clock.set(LATER)
    # 2025-W22: managers (wait 12, talk 240); stress (3, 100) and a caller who hung up at 30 s.
    answered(client, utc(2025, 5, 27, 8, 0), 12, 240, line="managers")
    answered(client, utc(2025, 5, 27, 9, 0), 3, 100)
    hung_up(client, utc(2025, 5, 27, 10, 0), 30)
    # 2025-W23: three stress calls, (wait 5, talk 60), (25, 120), (40, 500).
    for i, (wait, talk) in enumerate(((5, 60), (25, 120), (40, 500))):
        answered(client, utc(2025, 6, 4, 8, i), wait, talk)
    trend = get_ok(client, "/reports/trend", **{"from": "2025-W21", "to": "2025-W24"})
    assert [w["week"] for w in trend["weeks"]] == ["2025-W21", "2025-W22", "2025-W23", "2025-W24"]
    for entry in trend["weeks"]:
        report = weekly(client, entry["week"])
        assert entry["totals"] == report["totals"]
        assert (entry["start"], entry["end"]) == (report["start"], report["end"])
    # W23 by hand: SL 1 within / 3; asa (5+25+40)/3; p90 rank ceil(2.7) = 3; aht 680 / 3.
    w23 = figures(3, 3, 0, 0, 0.0, 1 / 3, 70 / 3, 40.0, 680 / 3, 0, 0, 0, 0.0)
    assert totals_of(trend["weeks"][2]["totals"]) == approx(w23, abs=1e-3)
    managers = get_ok(
        client, "/reports/trend", line="managers", **{"from": "2025-W22", "to": "2025-W23"}
    )
    assert managers["line"] == "managers"
    assert [w["totals"]["received"] for w in managers["weeks"]] == [1, 0]
    assert managers["weeks"][0]["totals"] == weekly(client, "2025-W22", line="managers")["totals"]


def test_publishable_withholds_small_counts_and_their_complements(client, session, clock):
    publishable_week(client, session, clock)
    full, public = weekly(client, "2025-W24"), weekly(client, "2025-W24", publishable="true")
    stress = weekly(client, "2025-W24", line="stress", publishable="true")
    # SL: 6 within / (6 answered + 3 abandoned after 20 s)
    assert totals_of(full["totals"]) == approx(
        figures(9, 6, 3, 0, 3 / 9, 6 / 9, 10.0, 10.0, 600.0, 0, 0, 0, 0.0)
    )
    # Every call is on stress: each all-lines figure is the stress line's plus the managers'
    # 0, so the two cannot both be shown. Of the stress line's, received 9 stays; answered 6
    # would give abandoned 3 back (9 - 6 - 0 short - 0 waiting), so it goes with it, and so
    # do the means over those answered calls.
    assert totals_of(stress["totals"]) == figures(9, *[None] * 12)
    assert set(public["totals"]["suppressed"]) == set(TOTAL_KEYS)
    assert public["by_line"]["stress"] == stress["totals"]
    assert set(public["by_line"]["managers"]["suppressed"]) == set(TOTAL_KEYS)
    assert public["publishable"] is True and full["publishable"] is False
    # With every line's answered withheld, no breakdown cell can be shown: they add up to it.
    for name in ("by_caller_type", "by_sector", "by_issue_category", "by_advice_type"):
        assert {(r["count"], r["share"], r["suppressed"]) for r in public[name]} == {
            (None, None, True)
        }
    assert full["stress_reported_share"] == 4 / 6 and public["stress_reported_share"] is None
    assert len(full["by_adviser"]) == 1 and public["by_adviser"] == []
    assert grid_cells(full) == {(2, 10): 5, (3, 10): 4}
    # Arrivals add up to received, withheld for all lines: the 5 at Tuesday 10:00 would
    # give the managers' 0 back too.
    assert {cell for day in public["arrivals_by_hour"] for cell in day} == {None}
    assert [slot["suppressed"] for slot in public["staffing"]] == [True, True]
    # The empty W23 before: every count 0, so every figure and every change withheld.
    assert set(totals_of(public["previous_week"]["totals"]).values()) == {None}
    assert set(public["previous_week"]["change"].values()) == {None}
    week = {"from": "2025-W24", "to": "2025-W24"}
    trend = get_ok(client, "/reports/trend", publishable="true", **week)
    assert trend["weeks"][0]["totals"] == public["totals"]
    trend = get_ok(client, "/reports/trend", publishable="true", line="stress", **week)
    assert trend["weeks"][0]["totals"] == stress["totals"]
    gone = get_ok(client, "/reports/abandoned", week="2025-W24", publishable="true")
    assert (gone["abandoned"], gone["short_abandoned"], gone["called_back"]) == (None, None, None)
    assert gone["suppressed"] == ["abandoned", "short_abandoned", "called_back"]
    assert gone["calls"] == []


def test_publishable_staffing_does_not_give_away_a_withheld_count(client, session, clock):
    publishable_week(client, session, clock)
    public = weekly(client, "2025-W24", publishable="true")
    withheld = public["staffing"][1]
    assert withheld["arrivals"] is None
    # Wednesday 10:00 had 4 arrivals: A = 4 * 600 / 3600 = 0.667 Erlang, 2 advisers, occupancy
    # 0.3333, and 0.3333 * 2 * 3600 / aht_s 600 = 4.0, the count withheld. Both rates of the
    # slot are computed from that count, so they must be withheld with it.
    assert (withheld["occupancy"], withheld["service_level"]) == (None, None), withheld


@pytest.fixture
def hyperlink_week(client, session, clock):
    """2025-W23: an adviser named like a spreadsheet formula takes a call, and Tuesday's."""
    desk = Desk(client, session, clock)
    clock.set(T0)
    adviser = desk.adviser(name="=HYPERLINK(1)")
    call = desk.incoming("stress")["id"]
    for seconds, action in ((10, "accept"), (200, "end"), (230, "close")):
        clock.set(T0 + secs(seconds))
        desk.ok(call, action, adviser, **(CLASSIFICATION if action == "close" else {}))
    desk.presence(adviser, "offline")
    clock.set(LATER)
    tuesday_calls(client)
    return adviser


def test_the_csv_table_holds_the_json_report(client, hyperlink_week):
    report = weekly(client, "2025-W23")
    response = client.get("/reports/weekly.csv", params={"week": "2025-W23"})
    rows = csv_rows(response)
    disposition = response.headers["content-disposition"]
    assert disposition == 'attachment; filename="hotline-2025-W23-all.csv"'
    accept = {"Accept": "text/csv"}
    negotiated = client.get("/reports/weekly", params={"week": "2025-W23"}, headers=accept)
    assert negotiated.content == response.content
    per_line = {"by_line", "cases_by_line"}
    other = {(r["week"], r["line"]) for r in rows if r["dimension"] not in per_line}
    assert other == {("2025-W23", "all")}

    def columns(dimension, *names, line=None):
        return [
            tuple(number(r[n]) if n in {"count", "share", "value"} else r[n] for n in names)
            for r in rows
            if r["dimension"] == dimension and line in (None, r["line"])
        ]

    for dimension, line, totals in [
        ("totals", None, report["totals"]),
        ("previous_week", None, report["previous_week"]["totals"]),
        *(("by_line", code, t) for code, t in report["by_line"].items()),
    ]:
        # Counts in `count`, rates in `share`, seconds in `value`, one row each.
        table = {code: (c, s, v) for code, c, s, v in columns(dimension, *CELLS, line=line)}
        assert set(table) == set(TOTAL_KEYS)
        for key in TOTAL_KEYS:
            column = 2 if key.endswith("_s") else 1 if key in TOTAL_RATES else 0
            assert table[key][column] == totals[key], (dimension, line, key)
            assert table[key].count(None) == 2 + (totals[key] is None), (dimension, key)
    for name in BREAKDOWNS:
        expected = [(r["code"] or "", r["label_da"], r["count"], r["share"]) for r in report[name]]
        assert columns(name, "code", "label", "count", "share") == expected, name
    arrivals = columns("arrivals_by_hour", "code", "count")
    assert len(arrivals) == 7 * 24 and ("2-09", 14) in arrivals
    assert [n for _, n in arrivals] == [n for day in report["arrivals_by_hour"] for n in day]
    assert columns("staffing", "code", "count", "share", "value") == [
        (f"{s['weekday']}-{s['hour']:02d}", s["arrivals"], s["occupancy"], s["advisers"])
        for s in report["staffing"]
    ]
    (adviser,) = report["by_adviser"]
    assert adviser["name"] == "=HYPERLINK(1)"
    # The name is user input: in the CSV it must stay text, not become a formula.
    assert columns("by_adviser", "code", "label", "count", "share", "value") == [
        (hyperlink_week, "'=HYPERLINK(1)", 1, adviser["occupancy"], adviser["mean_handle_s"])
    ]
    # The count is calls (as totals.answered), not legs.
    assert [adviser["calls_answered"], adviser["legs_answered"]] == [1, 1]
    params = {"week": "2025-W23", "language": "en"}
    english = csv_rows(client.get("/reports/weekly.csv", params=params))
    assert [r["label"] for r in english if r["dimension"] == "by_caller_type"][-1] == "Not recorded"


def test_abandoned_calls_one_by_one(client, session, clock):
    clock.set(LATER)
    at = utc(2025, 6, 3, 8, 0)
    ids = [
        hung_up(client, at, 3)["id"],
        hung_up(client, at + secs(300), 5, line="managers")["id"],
        hung_up(client, at + secs(600), 6)["id"],
        hung_up(client, at + secs(900), 40)["id"],
    ]
    answered(client, at + secs(1200), 10, 60, line="managers")  # answered: not listed
    answered(client, at + secs(1500), 10, 60)
    hung_up(client, utc(2025, 6, 10, 8, 0), 50)  # 2025-W24: not listed
    add_callback(session, ids[2], utc(2025, 6, 3, 9, 0), completed=False)
    add_callback(session, ids[3], utc(2025, 6, 3, 9, 0), completed=True)
    report = get_ok(client, "/reports/abandoned", week="2025-W23")
    assert [
        (c["call_id"], c["line"], c["wait_s"], c["short"], c["callback"]) for c in report["calls"]
    ] == [
        (ids[0], "stress", 3.0, True, "none"),
        (ids[1], "managers", 5.0, True, "none"),  # exactly 5 s: short
        (ids[2], "stress", 6.0, False, "pending"),
        (ids[3], "stress", 40.0, False, "completed"),
    ]
    first = report["calls"][0]
    assert (parse_time(first["received_at"]), parse_time(first["ended_at"])) == (at, at + secs(3))
    assert (report["abandoned"], report["short_abandoned"], report["called_back"]) == (2, 2, 1)
    totals = weekly(client, "2025-W23")["totals"]
    assert (totals["abandoned"], totals["short_abandoned"]) == (2, 2)
    managers = get_ok(client, "/reports/abandoned", week="2025-W23", line="managers")
    assert [c["call_id"] for c in managers["calls"]] == [ids[1]]
    counts = (managers["abandoned"], managers["short_abandoned"], managers["called_back"])
    assert counts == (0, 1, 0)
