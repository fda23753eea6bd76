"""Handle time and the advisers' figures of transferred calls, leg by leg, worked out by hand.

A leg is one adviser's turn with a call: from `accepted` to the `transferred` or `ended`
after it. Handle time is the legs plus the measured wrap-up, never the waits in a queue
between them; the totals count a call on the line it ended on, the advisers' rows each leg
on the line it was accepted on. Presence (logged in) is desk-wide.
"""

from typing import Any

import pytest

from tests.desk import CLASSIFICATION, Desk
from tests.reports_data import LATER, T0, answered, secs, utc, weekly

approx = pytest.approx


def _at(desk: Desk, seconds: float) -> None:
    """The clock at T0 + `seconds`, and the routing timer's pass at that moment."""
    desk.clock.set(T0 + secs(seconds))
    desk.wait(0)


def _rows(report: dict) -> dict[str, dict]:
    return {row["name"]: row for row in report["by_adviser"]}


def _figures(row: dict, *names: str) -> tuple:
    return tuple(row[name] for name in names)


@pytest.fixture
def morning(client, session, clock) -> dict[str, Any]:
    """2025-W23, Monday 2 June from T0 (08:00 local). Kim serves stress, Jon managers, Ida
    both; each call has one adviser it can be offered to at a time.

    t (s after T0)  what happens
      0   Kim available; call X (stress) arrives, offered to Kim
     10   Kim accepts X (X waited 10)
     40   Kim holds X;  70 resumes (30 s on hold, inside Kim's leg)
    100   Kim transfers X to managers; it waits (Jon and Ida are offline)
    110   Jon available; X offered to him
    125   Jon accepts X (X waited 25 s more, in managers' queue)
    225   Jon transfers X back to stress; it waits (Kim passed it on, Ida is offline)
    250   Ida available; X offered to her
    260   Ida accepts X (35 s more in the queue)
    400   Ida ends X;  420 Ida closes X
    430   Jon takes a break
    500   call Y (managers) arrives, offered to Ida;  510 Ida accepts (Y waited 10)
    610   Ida ends Y;  640 closes Y
    650   Ida takes a break
    700   call Z (stress) arrives, offered to Kim;  705 Kim accepts (Z waited 5)
    765   Kim transfers Z to managers, where no one is free
    800   Z's caller hangs up in managers' queue
    900   all three log off

    X: legs Kim 10-100 (90, hold included), Jon 125-225 (100), Ida 260-400 (140), wrap-up
       400-420 (20): handle 350, on stress (where it ended). Not 400 - 10 + 20 = 410: the
       queue waits 100-125 and 225-260 (60 s) are in no leg.
    Y: Ida 510-610 (100) + wrap-up 30: handle 130, on managers.
    Z: Kim 705-765 (60), no wrap-up: handle 60, on managers. Not 800 - 705 = 95.
    """
    desk = Desk(client, session, clock)
    _at(desk, 0)
    kim = desk.adviser(name="Kim", lines=["stress"])
    jon = desk.adviser(name="Jon", lines=["managers"], available=False)
    ida = desk.adviser(name="Ida", lines=["stress", "managers"], available=False)
    x = desk.incoming("stress")["id"]
    _at(desk, 10)
    desk.ok(x, "accept", kim)
    _at(desk, 40)
    desk.ok(x, "hold", kim)
    _at(desk, 70)
    desk.ok(x, "resume", kim)
    _at(desk, 100)
    desk.ok(x, "transfer", kim, to_line="managers", reason="The caller is a manager")
    _at(desk, 110)
    desk.presence(jon, "available")
    _at(desk, 125)
    desk.ok(x, "accept", jon)
    _at(desk, 225)
    desk.ok(x, "transfer", jon, to_line="stress", reason="About their own stress after all")
    _at(desk, 250)
    desk.presence(ida, "available")
    _at(desk, 260)
    desk.ok(x, "accept", ida)
    _at(desk, 400)
    desk.ok(x, "end", ida)
    _at(desk, 420)
    desk.ok(x, "close", ida, **CLASSIFICATION)
    _at(desk, 430)
    desk.presence(jon, "break")
    _at(desk, 500)
    y = desk.incoming("managers")["id"]
    _at(desk, 510)
    desk.ok(y, "accept", ida)
    _at(desk, 610)
    desk.ok(y, "end", ida)
    _at(desk, 640)
    desk.ok(y, "close", ida, **CLASSIFICATION)
    _at(desk, 650)
    desk.presence(ida, "break")
    _at(desk, 700)
    z = desk.incoming("stress")["id"]
    _at(desk, 705)
    desk.ok(z, "accept", kim)
    _at(desk, 765)
    desk.ok(z, "transfer", kim, to_line="managers", reason="The caller is a manager")
    _at(desk, 800)
    desk.ok(z, "abandon")
    _at(desk, 900)
    for adviser in (kim, jon, ida):
        desk.presence(adviser, "offline")
    clock.set(LATER)
    return {"desk": desk, "kim": kim, "jon": jon, "ida": ida, "X": x, "Y": y, "Z": z}


def _with_calls_after_the_fact(client, morning) -> None:
    """Tuesday 3 June, recorded after the fact: one stress call of Kim's (wait 5, talk 200),
    one managers' call with no adviser recorded (wait 0, talk 100)."""
    answered(client, utc(2025, 6, 3, 8, 0), 5, 200, adviser_id=morning["kim"])
    answered(client, utc(2025, 6, 3, 8, 10), 0, 100, line="managers")


def test_the_queue_waits_of_a_call_transferred_twice_are_not_handle_time(client, morning):
    report = weekly(client, "2025-W23")
    desk = morning["desk"]
    assert desk.call(morning["X"])["line"] == "stress"
    assert desk.call(morning["X"])["hold_s"] == 30  # inside Kim's leg, not added again
    # X 350 (stress), Y 130 and Z 60 (managers): answered, ended, so all three handled.
    totals, stress, managers = report["totals"], *report["by_line"].values()
    assert (totals["answered"], totals["aht_s"]) == (3, approx((350 + 130 + 60) / 3))
    assert (stress["received"], stress["answered"], stress["aht_s"]) == (1, 1, 350.0)
    assert (managers["received"], managers["aht_s"]) == (2, (130 + 60) / 2)
    # Waits end at the first answer: X 10, Y 10, Z 5; Z counts as answered, not abandoned.
    assert totals["asa_s"] == approx((10 + 10 + 5) / 3, abs=1e-3)
    assert (managers["answered"], managers["abandoned"]) == (2, 0)
    # X's two transfers count on stress, where it ended; Z's on managers.
    assert (stress["transfers"], managers["transfers"], totals["transfers"]) == (2, 1, 3)
    for line in ("stress", "managers"):
        filtered = weekly(client, "2025-W23", line=line)["totals"]
        assert filtered == report["by_line"][line]


def test_hold_is_inside_the_leg_it_happened_in(client, session, clock):
    desk = Desk(client, session, clock)
    _at(desk, 0)
    lea = desk.adviser(name="Lea")
    call = desk.incoming("stress")["id"]
    for seconds, action in ((5, "accept"), (60, "hold"), (100, "resume"), (205, "end")):
        _at(desk, seconds)
        desk.ok(call, action, lea)
    _at(desk, 235)
    desk.ok(call, "close", lea, **CLASSIFICATION)
    desk.presence(lea, "offline")
    clock.set(LATER)
    assert desk.call(call)["hold_s"] == 40
    report = weekly(client, "2025-W23")
    # 5-205 (200, of which 40 on hold) + wrap-up 205-235 (30) = 230; not 200 + 40 + 30.
    assert report["totals"]["aht_s"] == 230.0
    (row,) = report["by_adviser"]
    assert _figures(row, "mean_handle_s", "on_call_s", "wrap_up_s") == (230.0, 200.0, 30.0)


def test_each_leg_counts_for_the_adviser_who_had_it(client, morning):
    rows = _rows(weekly(client, "2025-W23"))
    assert list(rows) == ["Ida", "Jon", "Kim"]
    names = (
        "calls_answered",
        "legs_answered",
        "callbacks_answered",
        "answered",
        "mean_handle_s",
        "offers_missed",
        "on_call_s",
        "wrap_up_s",
        "logged_in_s",
        "occupancy",
    )
    # Kim: first to answer X and Z; legs X 10-100 (90) and Z 705-765 (60): mean 75. Logged
    # in (available, offered, on call) 0-900.
    assert _figures(rows["Kim"], *names) == approx((2, 2, 0, 2, 75.0, 0, 150.0, 0.0, 900.0, 1 / 6))
    # Jon: X's middle leg 125-225 (100); logged in 110-430 (on break from 430).
    assert _figures(rows["Jon"], *names) == approx(
        (0, 1, 0, 1, 100.0, 0, 100.0, 0.0, 320.0, 0.3125)
    )
    # Ida: X's last leg 260-400 + wrap-up 20 (160) and Y 510-610 + 30 (130): mean 145; on
    # call 140 + 100, wrap-up 20 + 30; logged in 250-650. First to answer Y only.
    assert _figures(rows["Ida"], *names) == approx(
        (1, 2, 0, 2, 145.0, 0, 240.0, 50.0, 400.0, 0.725)
    )
    # The legs' handle times add up to the calls': 90 + 100 + 160 = X's 350, 60 = Z's.


def test_line_reports_show_each_advisers_figures_of_that_line(client, morning):
    names = ("calls_answered", "legs_answered", "mean_handle_s", "on_call_s", "wrap_up_s")
    stress = _rows(weekly(client, "2025-W23", line="stress"))
    # Jon never had a call on stress and answered none of its calls: not listed.
    assert list(stress) == ["Ida", "Kim"]
    # Ida on stress: X's last leg 260-400, wrap-up 20. X was first answered by Kim.
    assert _figures(stress["Ida"], *names) == (0, 1, 160.0, 140.0, 20.0)
    # Kim on stress: both her legs were accepted on stress, Z's too, though Z ended on
    # managers; of stress's calls she answered X first.
    assert _figures(stress["Kim"], *names) == (1, 2, 75.0, 150.0, 0.0)
    managers = _rows(weekly(client, "2025-W23", line="managers"))
    assert list(managers) == ["Ida", "Jon", "Kim"]
    assert _figures(managers["Ida"], *names) == (1, 1, 130.0, 100.0, 30.0)  # Y
    assert _figures(managers["Jon"], *names) == (0, 1, 100.0, 100.0, 0.0)  # X's middle leg
    # Kim had no leg on managers, but Z ended there and she answered it first.
    assert _figures(managers["Kim"], *names) == (1, 0, None, 0.0, 0.0)
    # Logged in is desk-wide in every report; occupancy is the line's share of it, so the
    # lines' add up to the desk's: Ida 160 / 400 + 130 / 400 = 290 / 400.
    desk = _rows(weekly(client, "2025-W23"))
    for name in ("Ida", "Kim"):
        assert stress[name]["logged_in_s"] == desk[name]["logged_in_s"]
    assert (stress["Ida"]["occupancy"], managers["Ida"]["occupancy"]) == (0.4, 0.325)
    for name in ("Ida", "Jon", "Kim"):
        by_line = [report[name]["occupancy"] for report in (stress, managers) if name in report]
        assert sum(by_line) == approx(desk[name]["occupancy"])


def test_calls_answered_add_up_to_the_answered_calls(client, morning):
    _with_calls_after_the_fact(client, morning)
    for line in (None, "stress", "managers"):
        report = weekly(client, "2025-W23", **({"line": line} if line else {}))
        answered_calls = report["totals"]["answered"]
        without_adviser = 0 if line == "stress" else 1  # the managers' call recorded without
        assert sum(row["calls_answered"] for row in report["by_adviser"]) == (
            answered_calls - without_adviser
        ), line
    report = weekly(client, "2025-W23")
    # X, Y, Z and the two recorded calls: 350 + 130 + 60 + 200 + 100 (answered_at to ended_at).
    assert (report["totals"]["answered"], report["totals"]["aht_s"]) == (5, 168.0)
    kim = _rows(report)["Kim"]
    # X, Z and the call recorded as hers: it has no legs, so it is in no other figure.
    assert _figures(kim, "calls_answered", "legs_answered", "mean_handle_s") == (3, 2, 75.0)
    # Legs, not calls: the advisers' legs (5) are more than the calls they answered first (4).
    assert sum(row["legs_answered"] for row in report["by_adviser"]) == 5


def test_an_advisers_own_figures_are_their_row_of_the_report(client, morning):
    row = _rows(weekly(client, "2025-W23"))["Ida"]
    own = client.get(f"/advisers/{morning['ida']}/figures", params={"week": "2025-W23"})
    assert own.status_code == 200, own.text
    assert own.json()["figures"] == row


def test_a_leg_counts_in_the_week_it_was_accepted_cut_at_its_end(client, session, clock):
    desk = Desk(client, session, clock)
    sunday_late = utc(2025, 6, 8, 21, 50)  # Sunday 23:50 local, the last 10 min of 2025-W23
    clock.set(sunday_late)
    max_ = desk.adviser(name="Max")
    call = desk.incoming("stress")["id"]
    clock.set(sunday_late + secs(60))
    desk.ok(call, "accept", max_)
    clock.set(sunday_late + secs(1260))  # Monday 00:11 local, 2025-W24
    desk.ok(call, "end", max_)
    clock.set(sunday_late + secs(1320))
    desk.ok(call, "close", max_, **CLASSIFICATION)
    desk.presence(max_, "offline")
    clock.set(LATER)
    (w23,) = weekly(client, "2025-W23")["by_adviser"]
    # On call 23:51-24:00 in W23 (540 s); the handle time is the leg's whole: 1200 + 60.
    assert _figures(w23, "legs_answered", "on_call_s", "wrap_up_s") == (1, 540.0, 0.0)
    assert w23["mean_handle_s"] == 1260.0
    (w24,) = weekly(client, "2025-W24")["by_adviser"]
    # W24 has the adviser's presence (on call, wrap-up: logged in) but not the leg.
    assert _figures(w24, "legs_answered", "on_call_s", "logged_in_s") == (0, 0.0, 720.0)


def test_a_leg_still_open_counts_up_to_now(client, session, clock):
    desk = Desk(client, session, clock)
    _at(desk, 0)
    nina = desk.adviser(name="Nina")
    call = desk.incoming("stress")["id"]
    _at(desk, 10)
    desk.ok(call, "accept", nina)
    clock.set(T0 + secs(610))
    (row,) = weekly(client, "2025-W23")["by_adviser"]
    # On call for 600 s so far; no handle time before the leg is over.
    assert _figures(row, "legs_answered", "on_call_s", "mean_handle_s") == (1, 600.0, None)
    assert weekly(client, "2025-W23")["totals"]["aht_s"] is None
