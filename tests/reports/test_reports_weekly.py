"""The weekly report's figures, each computed by hand from calls with exactly known times.

Thresholds in force: short abandon <= 5 s, service level within 20 s, Europe/Copenhagen.
"""

from datetime import timedelta

import pytest

from service.taxonomy.models import CallerType, IssueCategory, Sector
from tests.desk import Desk
from tests.factories import create_call, deactivate, iso
from tests.reports_data import (
    LATER,
    T0,
    answered,
    classified_calls,
    figures,
    hung_up,
    live_monday,
    row,
    secs,
    textbook_erlang_c,
    totals_of,
    tuesday_calls,
    utc,
    weekly,
)

approx = pytest.approx


@pytest.fixture
def mixed(client, session, clock):
    """2025-W23: the live Monday (`live_monday`) and Tuesday's calls (`tuesday_calls`)."""
    ids = live_monday(client, session, clock)
    clock.set(LATER)
    tuesday_calls(client)
    return ids


# Answered (wait, handle, line): A (10, 305, managers), D (5, 135, stress), the eight closed
# Tuesday calls (0, 300), (4, 600), (12.5, 240), (19.999, 420), (20, 360, m), (20.001, 180, m),
# (45, 900), (130, 500), and the unended one (30, -). Hung up: B 100 (m), 3, 5 (m), 6, 20 (m), 40.
# E still waits. C1, C2 and the Tuesday outbound call are outbound.
ALL = {
    "received": 18,  # 11 answered + 6 hung up + E
    "answered": 11,
    "abandoned": 4,  # 6, 20, 40, 100
    "short_abandoned": 2,  # 3, 5
    "abandonment_rate": 4 / 15,  # 4 / (11 + 4)
    # within 20 s: 0, 4, 5, 10, 12.5, 19.999, 20 = 7; abandoned after 20 s: 40, 100 = 2
    "service_level": 7 / 13,
    # (0+4+5+10+12.5+19.999+20+20.001+30+45+130) / 11 = 296.5 / 11
    "asa_s": 26.955,
    # sorted: 0 4 5 10 12.5 19.999 20 20.001 30 45 130; rank ceil(0.9*11) = 10 -> 45
    "wait_p90_s": 45.0,
    # (300+600+240+420+360+180+900+500+305+135) / 10 ended calls = 3940 / 10. A's 305 s are
    # its legs, Anna's 20-120 (hold included) and Bo's 125-300, and wrap-up 300-330: not
    # the 5 s it waited on managers' queue (120-125), which 300 - 20 + 30 = 310 had in it.
    "aht_s": 394.0,
    "callbacks_requested": 3,  # A, D, and the Tuesday call closed with one
    "callbacks_completed": 1,  # A's callback C1 was closed; D's C2 still waits
    "transfers": 1,  # A
    "mean_hold_s": 3.0,  # A held 60-90: 30 s over the 10 ended answered calls
}
STRESS = {
    "received": 12,  # 8 answered + 3 hung up + E
    "answered": 8,
    "abandoned": 2,  # 6, 40
    "short_abandoned": 1,  # 3
    "abandonment_rate": 0.2,  # 2 / (8 + 2)
    "service_level": 5 / 9,  # within: 0, 4, 5, 12.5, 19.999; late: 40 -> 5 / (8 + 1)
    "asa_s": 30.812,  # (0+4+5+12.5+19.999+30+45+130) / 8 = 246.499 / 8 = 30.812375
    "wait_p90_s": 130.0,  # rank ceil(0.9*8) = 8 of 8
    "aht_s": 442.143,  # (300+600+240+420+900+500+135) / 7 = 3095 / 7
    "callbacks_requested": 2,  # D and the Tuesday call
    "callbacks_completed": 0,
    "transfers": 0,
    "mean_hold_s": 0.0,  # D and the Tuesday calls were never on hold: 0 s over 7
}
MANAGERS = {
    "received": 6,  # A (transferred here), 20, 20.001; hung up 5, 20, B
    "answered": 3,
    "abandoned": 2,  # 20, 100
    "short_abandoned": 1,  # 5
    "abandonment_rate": 0.4,  # 2 / (3 + 2)
    "service_level": 0.5,  # within: 10, 20; late: 100 -> 2 / (3 + 1)
    "asa_s": 16.667,  # (10 + 20 + 20.001) / 3
    "wait_p90_s": 20.001,  # rank ceil(2.7) = 3 of 3
    "aht_s": 281.667,  # (305 + 360 + 180) / 3: all of A's handle time, on the line it ended on
    "callbacks_requested": 1,
    "callbacks_completed": 1,
    "transfers": 1,  # a transfer counts on the line the call ended on
    "mean_hold_s": 10.0,  # A's 30 s, on the line it ended on, over A, 20 and 20.001
}


def test_totals_of_a_mixed_week(client, mixed):
    report = weekly(client, "2025-W23")
    assert report["week"] == "2025-W23" and report["line"] is None
    assert totals_of(report["totals"]) == approx(ALL, abs=1e-3)
    assert report["totals"]["suppressed"] == []


def test_each_line_on_its_own_and_filtered(client, mixed):
    report = weekly(client, "2025-W23")
    assert list(report["by_line"]) == ["stress", "managers"]
    assert totals_of(report["by_line"]["stress"]) == approx(STRESS, abs=1e-3)
    assert totals_of(report["by_line"]["managers"]) == approx(MANAGERS, abs=1e-3)
    for line, expected in (("stress", STRESS), ("managers", MANAGERS)):
        filtered = weekly(client, "2025-W23", line=line)
        assert filtered["line"] == line
        assert totals_of(filtered["totals"]) == approx(expected, abs=1e-3)
        assert list(filtered["by_line"]) == [line]


def test_arrivals_and_staffing_slots_of_the_mixed_week(client, mixed):
    report = weekly(client, "2025-W23")
    grid = report["arrivals_by_hour"]
    # Monday 08:xx local: A, B, D, E; Tuesday 09:xx local: 14 inbound calls (not the outbound).
    assert grid[0][8] == 4 and grid[1][9] == 14
    assert sum(map(sum, grid)) == 18
    assert [(s["weekday"], s["hour"], s["arrivals"]) for s in report["staffing"]] == [
        (1, 8, 4),
        (2, 9, 14),
    ]


def test_advisers_of_the_live_morning(client, mixed):
    by_name = {a["name"]: a for a in weekly(client, "2025-W23")["by_adviser"]}
    assert list(by_name) == ["Anna", "Bo"]
    # Anna: available 0-10, 120-500 (390); offered 10-20, 500-505 (15); on call 20-120,
    # 505-605 (200); wrap-up 605-640 (35); break 640-700 (not logged in). On call and
    # wrap-up are her legs' times in the journal; logged in is her presence, desk-wide.
    assert by_name["Anna"] | {"adviser_id": None} == approx(
        {
            "adviser_id": None,
            "name": "Anna",
            "calls_answered": 2,  # answered A first (it ended on managers) and D
            "legs_answered": 2,  # A's first leg, D
            "callbacks_answered": 0,
            "answered": 2,  # = legs_answered
            # A's first leg 20-120 (100, hold included, no wrap-up: transferred) and D's
            # 505-605 + wrap-up 605-640 (135): (100 + 135) / 2
            "mean_handle_s": 117.5,
            "offers_missed": 0,
            "on_call_s": 200.0,
            "wrap_up_s": 35.0,
            "logged_in_s": 640.0,  # 390 + 15 + 200 + 35
            "occupancy": 235 / 640,
        }
    )
    assert by_name["Anna"]["adviser_id"] == mixed["anna"]
    # Bo: available 0-30, 50-120, 410-700 (390); offered 30-50, 120-125, 330-335 (30);
    # on call 125-300, 335-400 (240); wrap-up 300-330, 400-410 (40).
    assert by_name["Bo"] | {"adviser_id": None} == approx(
        {
            "adviser_id": None,
            "name": "Bo",
            "calls_answered": 0,  # A was first answered by Anna
            "legs_answered": 2,  # A's second leg (after the transfer) and the callback C1
            "callbacks_answered": 1,  # C1
            "answered": 2,
            # A's second leg 125-300 + wrap-up 300-330 = 205; C1 is outbound, not in it
            "mean_handle_s": 205.0,
            "offers_missed": 1,  # B at t=50
            "on_call_s": 240.0,
            "wrap_up_s": 40.0,
            "logged_in_s": 700.0,  # 390 + 30 + 240 + 40
            "occupancy": 0.4,  # 280 / 700
        }
    )


def test_presence_before_the_week_is_clipped_at_its_start(client, session, clock):
    desk = Desk(client, session, clock)
    clock.set(utc(2025, 6, 1, 21, 30))  # Sunday 23:30 local, 2025-W22
    eva = desk.adviser(name="Eva")
    clock.set(utc(2025, 6, 1, 22, 45))  # Monday 00:45 local, 2025-W23
    desk.presence(eva, "break")
    clock.set(utc(2025, 6, 1, 23, 0))
    desk.presence(eva, "offline")
    clock.set(LATER)
    (w23,) = weekly(client, "2025-W23")["by_adviser"]
    # In W23 only 22:00-22:45 UTC available (2700 s); the break (900 s) is not logged in.
    assert (w23["logged_in_s"], w23["on_call_s"], w23["occupancy"]) == (2700.0, 0.0, 0.0)
    assert (w23["answered"], w23["offers_missed"], w23["mean_handle_s"]) == (0, 0, None)
    (w22,) = weekly(client, "2025-W22")["by_adviser"]
    assert w22["logged_in_s"] == 1800.0  # 21:30-22:00 UTC


def test_presence_of_the_running_week_counts_up_to_now(client, session, clock):
    desk = Desk(client, session, clock)
    clock.set(T0)
    desk.adviser(name="Frida")
    clock.set(T0 + secs(3600))
    (frida,) = weekly(client, "2025-W23")["by_adviser"]
    assert frida["logged_in_s"] == 3600.0  # not to the end of the week


def test_only_offers_that_timed_out_are_missed(client, session, clock):
    desk = Desk(client, session, clock)
    clock.set(T0)
    hanne = desk.adviser(name="Hanne")
    first = desk.incoming("stress")["id"]  # offered to Hanne at T0
    clock.set(T0 + secs(5))
    desk.ok(first, "reject", hanne)  # declined: not a missed offer
    desk.incoming("stress")  # offered to Hanne at T0 + 5
    desk.wait(20)  # T0 + 25: that offer timed out
    clock.set(LATER)
    answered(client, utc(2025, 6, 4, 8, 0), 0, 60)  # one answered call on the line too
    (figures_,) = weekly(client, "2025-W23")["by_adviser"]
    assert (figures_["offers_missed"], figures_["answered"]) == (1, 0)
    # Available or offered from T0 to the end of the week (Sunday 8 June 22:00 UTC = T0 + 6 days
    # 16 h), all of it logged in; never on a call: occupancy 0.
    week_left = (6 * 24 + 16) * 3600
    assert (figures_["logged_in_s"], figures_["occupancy"]) == (week_left, 0.0)


def _expected_rows(taxonomy, counts, classified, unclassified, retired=()):
    """Every active code in taxonomy order, retired ones only with calls, then unclassified."""
    rows = [
        (entry["code"], counts.get(entry["code"], 0), counts.get(entry["code"], 0) / classified)
        for entry in taxonomy
        if entry["code"] not in retired or entry["code"] in counts
    ]
    return [*rows, (None, unclassified, None)]


def _rows(report, name):
    return [(r["code"], r["count"], r["share"]) for r in report[name]]


@pytest.fixture
def classified_week(client, session, clock):
    clock.set(LATER)
    classified_calls(client)
    deactivate(session, CallerType, "relative")  # retired, with a call this week
    deactivate(session, IssueCategory, "moral_stress")  # retired, only as a second category
    deactivate(session, Sector, "mining")  # retired, no calls


def test_breakdowns_of_answered_calls(client, classified_week):
    taxonomy = client.get("/taxonomy").json()
    report = weekly(client, "2025-W25")
    # 5 answered calls; 4 classified, 1 not. The hung-up caller's "manager" is not counted.
    assert _rows(report, "by_caller_type") == _expected_rows(
        taxonomy["caller_type"], {"employee": 2, "manager": 1, "relative": 1}, 4, 1, ["relative"]
    )
    assert _rows(report, "by_sector") == _expected_rows(
        taxonomy["sector"], {"health_social": 2, "education": 1, "trade": 1}, 4, 1, ["mining"]
    )
    assert "mining" not in [r["code"] for r in report["by_sector"]]
    # Once per category: shares 2/4 + 2/4 + 1/4 + 1/4 + 1/4 = 1.75.
    issues = {"workload": 2, "emotional_demands": 2, "violence": 1, "moral_stress": 1, "other": 1}
    assert _rows(report, "by_issue_category") == _expected_rows(
        taxonomy["issue_category"], issues, 4, 1, ["moral_stress"]
    )
    assert sum(r["share"] or 0 for r in report["by_issue_category"]) == approx(1.75)
    # Primary = first category only; moral_stress is never first, so it is not listed.
    primary = {"workload": 1, "emotional_demands": 1, "violence": 1, "other": 1}
    assert _rows(report, "primary_issue_category") == _expected_rows(
        taxonomy["issue_category"], primary, 4, 1, ["moral_stress"]
    )
    advice = {"apv": 2, "involve_representatives": 1, "rules": 1, "other": 1}
    assert _rows(report, "by_advice_type") == _expected_rows(taxonomy["advice_type"], advice, 4, 1)
    # Sizes recorded on 3 calls; the call of the manager and the unclassified one have none.
    assert _rows(report, "by_workplace_size") == [
        ("1-9", 1, 1 / 3),
        ("10-49", 0, 0.0),
        ("50-249", 1, 1 / 3),
        ("250+", 1, 1 / 3),
        (None, 2, None),
    ]
    assert row(report["by_caller_type"], "relative")["label_en"] == "Relative"
    assert row(report["by_caller_type"], None)["label_da"] == "Uoplyst"


def test_retired_codes_are_left_out_of_weeks_without_them(client, classified_week):
    report = weekly(client, "2025-W24")
    assert "relative" not in [r["code"] for r in report["by_caller_type"]]
    assert "moral_stress" not in [r["code"] for r in report["by_issue_category"]]
    assert row(report["by_caller_type"], "employee")["count"] == 0


def test_stress_reported_share_of_closed_calls(client, classified_week):
    # Closed: 4, of which 2 reported stress; the call in wrap-up reporting stress is not closed.
    assert weekly(client, "2025-W25")["stress_reported_share"] == 0.5
    assert weekly(client, "2025-W24")["stress_reported_share"] is None


def test_a_callback_counts_once_the_call_is_closed_with_it(client, clock):
    clock.set(LATER)
    received = utc(2025, 6, 4, 8, 0)
    # Answered and ended after the fact, a callback asked for, but not closed yet.
    call = create_call(
        client,
        {
            "line": "stress",
            "received_at": iso(received),
            "answered_at": iso(received + secs(10)),
            "ended_at": iso(received + secs(310)),
            "callback_requested": True,
            "callback_phone": "22334455",
        },
    )
    assert call["status"] == "wrap_up"
    assert weekly(client, "2025-W23")["totals"]["callbacks_requested"] == 0
    closing = {"caller_type": "employee", "sector": "education", "issue_categories": ["other"]}
    response = client.patch(
        f"/calls/{call['id']}", json=closing | {"advice": ["other"], "status": "closed"}
    )
    assert response.status_code == 200, response.text
    assert weekly(client, "2025-W23")["totals"]["callbacks_requested"] == 1


def test_staffing_by_erlang_c_per_local_hour(client, clock):
    clock.set(LATER)
    # 2025-W26. Tuesday 24 June 08:00-08:57 UTC (10:xx local): 20 calls, each answered at once
    # and talked for 1800 s; Wednesday 12:15 UTC (14:15 local): one more like them.
    for i in range(20):
        answered(client, utc(2025, 6, 24, 8, 0) + timedelta(minutes=3 * i), 0, 1800)
    answered(client, utc(2025, 6, 25, 12, 15), 0, 1800)
    report = weekly(client, "2025-W26")
    assert report["totals"]["aht_s"] == 1800.0
    # Tuesday 10:00: A = 20 * 1800 / 3600 = 10 Erlang. SL(N) = 1 - C(N) * e^(-(N-A)*20/1800):
    # N=13: C = 0.28527, SL = 1 - 0.28527 * e^(-0.0333) = 0.7241 < 0.8
    # N=14: C = 0.17413, SL = 1 - 0.17413 * e^(-0.0444) = 0.8334 >= 0.8 -> 14, occupancy 10/14.
    # Wednesday 14:00: A = 0.5. N=1: C = A = 0.5, SL = 1 - 0.5 * e^(-0.00556) = 0.5028;
    # N=2: C = 0.1, SL = 1 - 0.1 * e^(-1.5*20/1800) = 0.9017 -> 2, occupancy 0.5/2.
    assert textbook_erlang_c(10, 13) == approx(0.28527, abs=1e-5)
    assert textbook_erlang_c(10, 14) == approx(0.17413, abs=1e-5)
    assert textbook_erlang_c(0.5, 2) == approx(0.1)
    assert report["staffing"] == [
        {"weekday": 2, "hour": 10, "arrivals": 20, "advisers": 14, "occupancy": 0.7143,
         "service_level": 0.8334, "suppressed": False},
        {"weekday": 3, "hour": 14, "arrivals": 1, "advisers": 2, "occupancy": 0.25,
         "service_level": 0.9017, "suppressed": False},
    ]  # fmt: skip


def test_previous_week_and_the_change(client, clock):
    clock.set(LATER)
    # 2025-W22, Wednesday 28 May: hung up after 10 s, 30 s and 2 s (short).
    for i, wait in enumerate((10, 30, 2)):
        hung_up(client, utc(2025, 5, 28, 8, i), wait)
    # 2025-W23, Wednesday 4 June: (wait 10, talk 100), (wait 30, talk 200); hung up after 8 s.
    answered(client, utc(2025, 6, 4, 8, 0), 10, 100)
    answered(client, utc(2025, 6, 4, 8, 1), 30, 200)
    hung_up(client, utc(2025, 6, 4, 8, 2), 8)
    # received, answered, abandoned, short, abandonment_rate, service_level, asa, p90, aht,
    # callbacks requested, completed, transfers, mean hold
    w22 = figures(3, 0, 2, 1, 2 / (0 + 2), 0 / (0 + 1), None, None, None, 0, 0, 0, None)
    # SL: 1 within / (2 answered + 0 after 20 s); asa (10 + 30) / 2; p90 rank ceil(1.8) = 2
    w23 = figures(3, 2, 1, 0, 1 / (2 + 1), 1 / (2 + 0), 20.0, 30.0, 150.0, 0, 0, 0, 0.0)
    report = weekly(client, "2025-W23")
    assert totals_of(report["totals"]) == approx(w23)
    previous = report["previous_week"]
    assert previous["week"] == "2025-W22"
    assert totals_of(previous["totals"]) == approx(w22)
    # this - previous; null where either is null (no waits nor handle times in W22)
    change = figures(0, 2, -1, -1, 1 / 3 - 1, 0.5 - 0, None, None, None, 0, 0, 0, None)
    assert previous["change"] == approx(change)


def test_a_week_whose_callers_all_hung_up(client, clock):
    clock.set(LATER)
    # 2025-W22, Wednesday 28 May 08:00 UTC (10:00 local): hung up after 10 s, 30 s, 2 s.
    for i, wait in enumerate((10, 30, 2)):
        hung_up(client, utc(2025, 5, 28, 8, i), wait)
    report = weekly(client, "2025-W22")
    stress = totals_of(report["by_line"]["stress"])
    assert (stress["received"], stress["answered"], stress["abandoned"]) == (3, 0, 2)
    assert (stress["asa_s"], stress["wait_p90_s"], stress["aht_s"]) == (None, None, None)
    assert report["by_line"]["managers"]["received"] == 0
    # Against an empty W21: counts change from 0; its rates had nothing to compare with.
    assert report["previous_week"]["week"] == "2025-W21"
    change = report["previous_week"]["change"]
    assert (change["received"], change["abandoned"], change["abandonment_rate"]) == (3, 2, None)
    # No answered call: no aht, so staffing has the arrivals but no advisers.
    assert report["staffing"] == [
        {"weekday": 3, "hour": 10, "arrivals": 3, "advisers": None, "occupancy": None,
         "service_level": None, "suppressed": False}
    ]  # fmt: skip
