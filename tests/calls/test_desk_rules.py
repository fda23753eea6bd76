"""The desk's rules through the API: offers, misses, transfers, callbacks, overflow, 409s."""

from datetime import UTC, datetime

import pytest

from service.routing import lock
from tests.desk import CLASSIFICATION, Desk
from tests.factories import random_id, use_settings

# A Tuesday at 10:00 in Copenhagen (summer time): the lines are open.
TUESDAY_MORNING = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def desk(client, session, clock) -> Desk:
    clock.set(TUESDAY_MORNING)
    return Desk(client, session, clock)


def talk(desk: Desk, call_id: str, adviser: str) -> None:
    desk.ok(call_id, "accept", adviser)
    desk.ok(call_id, "end", adviser)
    desk.ok(call_id, "close", adviser, **CLASSIFICATION)


def test_an_offer_not_taken_in_time_goes_to_the_next_adviser(desk):
    first = desk.adviser()
    desk.clock.advance(5)
    second = desk.adviser()
    call = desk.incoming()
    assert call["adviser_id"] == first  # idle the longest

    desk.wait(19)
    assert desk.call(call["id"])["adviser_id"] == first
    desk.wait(1)
    assert desk.call(call["id"])["adviser_id"] == second
    assert desk.events(call["id"]) == [
        ("queued", None),
        ("offered", first),
        ("timed_out", first),
        ("offered", second),
    ]
    assert desk.adviser_state(first)["missed_offers_in_row"] == 1
    assert desk.adviser_state(first)["presence"] == "available"


def test_two_missed_offers_in_a_row_put_the_adviser_on_break(desk):
    adviser = desk.adviser()
    desk.incoming()
    desk.wait(20)
    desk.incoming()
    desk.wait(20)
    state = desk.adviser_state(adviser)
    assert (state["presence"], state["presence_reason"]) == ("break", "missed_offers")
    history = desk.client.get(f"/advisers/{adviser}/presence").json()
    assert history[0]["presence"] == "break"
    assert history[0]["reason"] == "missed_offers"


def test_accepting_resets_the_missed_offers(desk):
    adviser = desk.adviser()
    desk.incoming()
    desk.wait(20)
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    assert desk.adviser_state(adviser)["missed_offers_in_row"] == 0


def test_a_rejected_call_goes_to_someone_else_and_never_back(desk):
    first = desk.adviser()
    desk.clock.advance(5)
    second = desk.adviser(available=False)
    call = desk.incoming()
    rejected = desk.ok(call["id"], "reject", first, reason="Needs a manager specialist")
    assert (rejected["status"], rejected["adviser_id"]) == ("queued", None)

    desk.presence(second, "available")
    assert desk.call(call["id"])["adviser_id"] == second
    desk.ok(call["id"], "reject", second)
    assert desk.call(call["id"])["status"] == "queued"
    assert desk.adviser_state(first)["presence"] == "available"
    assert desk.adviser_state(first)["missed_offers_in_row"] == 0


def test_when_an_adviser_becomes_available_the_longest_waiting_call_is_offered(desk):
    adviser = desk.adviser(available=False, lines=["stress", "managers"])
    older = desk.incoming("managers")
    desk.clock.advance(30)
    desk.incoming("stress")
    desk.clock.advance(10)
    urgent = desk.incoming("stress", priority=5)
    desk.presence(adviser, "available")
    assert desk.call(urgent["id"])["adviser_id"] == adviser
    talk(desk, urgent["id"], adviser)
    assert desk.call(older["id"])["adviser_id"] == adviser


def test_calls_go_only_to_advisers_of_their_line_and_language(desk):
    stress_da = desk.adviser(lines=["stress"], languages=["da"])
    managers_en = desk.adviser(lines=["managers"], languages=["en"])
    assert desk.incoming("stress", language="en")["status"] == "queued"
    assert desk.incoming("managers", language="da")["status"] == "queued"
    assert desk.incoming("managers", language="en")["adviser_id"] == managers_en
    assert desk.incoming("stress", language="da")["adviser_id"] == stress_da


def test_a_managers_call_overflows_to_stress_advisers_after_a_minute(desk):
    stress = desk.adviser(lines=["stress"])
    call = desk.incoming("managers")
    desk.wait(59)
    assert desk.call(call["id"])["status"] == "queued"
    desk.wait(1)
    assert desk.call(call["id"])["adviser_id"] == stress


def test_overflow_rules_are_data_that_a_supervisor_can_change(desk):
    stress = desk.adviser(lines=["stress"])
    response = desk.client.put(
        "/routing/rules/managers", json={"strategy": "longest_idle", "overflow": []}
    )
    assert response.status_code == 200, response.text
    call = desk.incoming("managers")
    desk.wait(600)
    assert desk.call(call["id"])["status"] == "queued"
    desk.client.put(
        "/routing/rules/managers", json={"overflow": [{"to_line": "stress", "after_s": 10}]}
    )
    desk.wait(1)
    assert desk.call(call["id"])["adviser_id"] == stress


def test_routing_rules_are_listed_and_checked(desk):
    rules = {rule["line"]: rule for rule in desk.client.get("/routing/rules").json()}
    assert rules["managers"]["overflow"] == [{"to_line": "stress", "after_s": 60}]
    assert rules["stress"] == {"line": "stress", "strategy": "longest_idle", "overflow": []}
    bad = desk.client.put(
        "/routing/rules/stress", json={"overflow": [{"to_line": "stress", "after_s": 5}]}
    )
    assert bad.status_code == 422
    unknown = desk.client.put("/routing/rules/nowhere", json={})
    assert unknown.status_code == 422
    assert desk.client.put("/routing/rules/stress", json={"strategy": "random"}).status_code == 422


def test_fewest_calls_today_spreads_the_calls(desk):
    desk.client.put("/routing/rules/stress", json={"strategy": "fewest_calls_today"})
    busy = desk.adviser()
    desk.clock.advance(60)
    talk(desk, desk.incoming()["id"], busy)
    desk.clock.advance(60)
    rested = desk.adviser()
    # Longest idle would pick `busy` (idle since its call ended before `rested` logged in).
    desk.clock.advance(60)
    assert desk.incoming()["adviser_id"] == rested


def test_least_talk_time_today_spreads_the_heavy_calls(desk):
    desk.client.put("/routing/rules/stress", json={"strategy": "least_talk_time_today"})
    long_talker = desk.adviser()
    short_talker = desk.adviser()
    first = desk.incoming()
    second = desk.incoming()
    by_adviser = {first["adviser_id"]: first["id"], second["adviser_id"]: second["id"]}
    desk.ok(by_adviser[long_talker], "accept", long_talker)
    desk.ok(by_adviser[short_talker], "accept", short_talker)
    desk.clock.advance(60)
    desk.ok(by_adviser[short_talker], "end", short_talker)
    desk.ok(by_adviser[short_talker], "close", short_talker, **CLASSIFICATION)
    desk.clock.advance(1200)
    desk.ok(by_adviser[long_talker], "end", long_talker)
    desk.ok(by_adviser[long_talker], "close", long_talker, **CLASSIFICATION)
    # Both have one call today; the short talker has been idle longer, the point is talk time.
    assert desk.incoming()["adviser_id"] == short_talker


def test_expertise_in_the_primary_category_goes_first(desk):
    desk.adviser()
    desk.clock.advance(5)
    expert = desk.adviser(expertise=["violence"])
    call = desk.incoming(issue_categories=["violence", "workload"])
    assert call["adviser_id"] == expert


def test_transfer_to_another_line_keeps_the_history(desk):
    stress = desk.adviser(lines=["stress"])
    manager_adviser = desk.adviser(lines=["managers"], available=False)
    call = desk.incoming("stress")
    desk.ok(call["id"], "accept", stress)
    answered_at = desk.call(call["id"])["answered_at"]
    desk.clock.advance(120)
    moved = desk.ok(
        call["id"], "transfer", stress, to_line="managers", reason="Caller is a manager"
    )
    assert (moved["status"], moved["line"], moved["adviser_id"]) == ("queued", "managers", None)
    assert desk.adviser_state(stress)["presence"] == "available"

    desk.presence(manager_adviser, "available")
    desk.ok(call["id"], "accept", manager_adviser)
    after = desk.call(call["id"])
    assert after["answered_at"] == answered_at
    assert after["adviser_id"] == manager_adviser
    events = desk.client.get(f"/calls/{call['id']}/events").json()
    transfer = next(e for e in events if e["type"] == "transferred")
    assert (transfer["line"], transfer["target_line"]) == ("stress", "managers")
    assert transfer["reason"] == "Caller is a manager"
    assert [e["type"] for e in events][-2:] == ["offered", "accepted"]


def test_transfer_to_a_named_adviser_offers_it_only_to_them(desk):
    first = desk.adviser()
    bystander = desk.adviser()
    named = desk.adviser(available=False)
    call = desk.incoming()
    handler = call["adviser_id"]
    desk.ok(call["id"], "accept", handler)
    moved = desk.ok(
        call["id"], "transfer", handler, to_adviser_id=named, reason="Expert on moral stress"
    )
    assert moved["status"] == "queued"
    assert moved["target_adviser_id"] == named
    assert {first, bystander} >= {handler}
    desk.presence(named, "available")
    assert desk.call(call["id"])["adviser_id"] == named


def test_a_named_transfer_that_is_declined_falls_back_to_the_line(desk):
    handler = desk.adviser()
    named = desk.adviser(available=False)
    colleague = desk.adviser(available=False)
    call = desk.incoming()
    desk.ok(call["id"], "accept", handler)
    desk.ok(call["id"], "transfer", handler, to_adviser_id=named, reason="Second opinion")
    desk.presence(named, "available")
    desk.ok(call["id"], "reject", named)
    after = desk.call(call["id"])
    # Neither the one who declined nor the one who passed it on gets it back.
    assert (after["status"], after["target_adviser_id"]) == ("queued", None)
    desk.presence(colleague, "available")
    assert desk.call(call["id"])["adviser_id"] == colleague


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "to_line"),
        ({"to_line": "stress", "to_adviser_id": "ADVISER", "reason": "x"}, "to_line"),
        ({"to_line": "nowhere", "reason": "x"}, "to_line"),
        ({"to_adviser_id": "SELF", "reason": "x"}, "to_adviser_id"),
        ({"to_adviser_id": "UNKNOWN", "reason": "x"}, "to_adviser_id"),
        ({"to_line": "managers"}, "reason"),
    ],
)
def test_a_bad_transfer_is_refused_and_changes_nothing(desk, body, field):
    adviser = desk.adviser()
    other = desk.adviser(available=False)
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    before = desk.call(call["id"])
    names = {"ADVISER": other, "SELF": adviser, "UNKNOWN": random_id()}
    body = {key: names.get(value, value) for key, value in body.items()}
    response = desk.act(call["id"], "transfer", adviser, **body)
    assert response.status_code == 422, response.text
    assert field in {error["field"] for error in response.json()["errors"]}
    assert desk.call(call["id"]) == before


def test_closing_with_a_callback_schedules_an_outbound_call(desk):
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    desk.ok(call["id"], "end", adviser)
    closed = desk.ok(
        call["id"],
        "close",
        adviser,
        **CLASSIFICATION,
        callback_requested=True,
        callback_phone="22 33 44 55",
    )
    assert closed["callback_phone"] == "+4522334455"
    callbacks = desk.client.get("/calls", params={"status": "assigned"}).json()["items"]
    assert len(callbacks) == 1
    callback = callbacks[0]
    assert callback["direction"] == "outbound"
    assert callback["origin_call_id"] == call["id"]
    assert callback["adviser_id"] == adviser  # due now: the lines are open


def test_a_callback_asked_for_after_hours_waits_for_the_next_opening(desk):
    # Friday 14:55 local (12:55Z in summer); closed at 15:05 local, due Monday 08:00 local
    # (a week with no public holiday: Monday 9 June 2025 was Whit Monday).
    desk.clock.set(datetime(2025, 6, 13, 12, 55, tzinfo=UTC))
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    desk.clock.advance(600)
    desk.ok(call["id"], "end", adviser)
    desk.ok(
        call["id"],
        "close",
        adviser,
        **CLASSIFICATION,
        callback_requested=True,
        callback_phone="22334455",
    )
    callback = desk.client.get("/calls", params={"status": "queued"}).json()["items"][0]
    assert callback["callback_due_at"] == "2025-06-16T06:00:00Z"
    queue = desk.client.get("/queue").json()
    stress = next(line for line in queue["lines"] if line["line"] == "stress")
    assert (stress["waiting"], stress["scheduled_callbacks"]) == ([], 1)

    desk.clock.set(datetime(2025, 6, 16, 6, 0, tzinfo=UTC))
    desk.wait(0)
    assert desk.call(callback["id"])["adviser_id"] == adviser


def test_a_caller_who_hangs_up_while_on_offer_frees_the_adviser(desk):
    adviser = desk.adviser()
    call = desk.incoming()
    desk.clock.advance(12)
    abandoned = desk.ok(call["id"], "abandon")
    assert (abandoned["status"], abandoned["adviser_id"]) == ("abandoned", None)
    assert abandoned["ended_at"] == desk.now.isoformat().replace("+00:00", "Z")
    assert desk.adviser_state(adviser)["presence"] == "available"
    assert desk.events(call["id"])[-1] == ("abandoned", None)


def test_a_break_asked_for_during_a_call_starts_after_it(desk):
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    assert desk.presence(adviser, "break", "lunch")["presence"] == "on_call"
    desk.ok(call["id"], "end", adviser)
    desk.ok(call["id"], "close", adviser, **CLASSIFICATION)
    state = desk.adviser_state(adviser)
    assert (state["presence"], state["presence_reason"]) == ("break", "lunch")
    assert desk.incoming()["status"] == "queued"


def test_going_on_break_with_an_offer_pending_hands_the_call_back(desk):
    adviser = desk.adviser()
    call = desk.incoming()
    desk.presence(adviser, "break")
    after = desk.call(call["id"])
    assert (after["status"], after["adviser_id"]) == ("queued", None)
    assert desk.events(call["id"])[-1] == ("offer_cancelled", adviser)
    # A cancelled offer is no refusal: the adviser gets the call when back.
    desk.presence(adviser, "available")
    assert desk.call(call["id"])["adviser_id"] == adviser


def test_a_minimum_wrap_up_holds_back_the_next_offer(desk):
    use_settings(desk.client, min_wrap_up_s=60)
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    desk.ok(call["id"], "end", adviser)
    desk.clock.advance(10)
    desk.ok(call["id"], "close", adviser, **CLASSIFICATION)
    assert desk.adviser_state(adviser)["presence"] == "wrap_up"
    waiting = desk.incoming()
    assert waiting["status"] == "queued"
    desk.wait(40)  # still inside the configured minimum: without it, offered at once
    assert desk.call(waiting["id"])["adviser_id"] is None
    desk.wait(10)
    assert desk.call(waiting["id"])["adviser_id"] == adviser


@pytest.mark.parametrize(
    ("setup", "action", "actor"),
    [
        ("offered", "accept", "other"),
        ("offered", "reject", "other"),
        ("queued", "accept", "handler"),
        ("offered", "end", "handler"),
        ("in_progress", "accept", "handler"),
        ("in_progress", "end", "other"),
        ("in_progress", "close", "handler"),
        ("in_progress", "abandon", None),
        ("in_progress", "resume", "handler"),
        ("wrap_up", "hold", "handler"),
        ("wrap_up", "transfer", "handler"),
        ("closed", "close", "handler"),
        ("closed", "abandon", None),
    ],
)
def test_illegal_transitions_are_409_and_say_the_current_state(desk, setup, action, actor):
    handler = desk.adviser()
    other = desk.adviser(available=False)
    if setup == "queued":
        desk.presence(handler, "break")
    call = desk.incoming()
    if setup in {"in_progress", "wrap_up", "closed"}:
        desk.ok(call["id"], "accept", handler)
    if setup in {"wrap_up", "closed"}:
        desk.ok(call["id"], "end", handler)
    if setup == "closed":
        desk.ok(call["id"], "close", handler, **CLASSIFICATION)
    before = desk.call(call["id"])
    body = {"reason": "x", "to_line": "managers"} if action == "transfer" else {}
    adviser = {"handler": handler, "other": other, None: None}[actor]
    response = desk.act(call["id"], action, adviser, **body)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["call_status"] == before["status"]
    assert before["status"] in response.json()["detail"]
    assert desk.call(call["id"]) == before


def test_an_unknown_acting_adviser_is_422_and_an_unknown_call_404(desk):
    desk.adviser()
    call = desk.incoming()
    response = desk.act(call["id"], "accept", random_id())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "adviser_id"
    assert desk.act(random_id(), "abandon").status_code == 404
    assert desk.act(call["id"], "accept").status_code == 422  # no adviser_id at all


def test_a_live_call_cannot_name_its_adviser(desk):
    adviser = desk.adviser()
    response = desk.client.post(
        "/calls",
        json={"line": "stress", "received_at": desk.now.isoformat(), "adviser_id": adviser},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "adviser_id"


def test_an_advisers_current_and_recent_calls(desk):
    adviser = desk.adviser()
    done = desk.incoming()
    talk(desk, done["id"], adviser)
    current = desk.incoming()
    desk.ok(current["id"], "accept", adviser)
    body = desk.client.get(f"/advisers/{adviser}/calls").json()
    assert [call["id"] for call in body["current"]] == [current["id"]]
    assert [call["id"] for call in body["recent"]] == [done["id"]]


def test_decision_times_never_run_behind_an_earlier_decision(session):
    later = TUESDAY_MORNING.replace(minute=5)
    assert lock.take(session, lambda: later) == later
    # A server whose clock lags (or a request that read the time before waiting for the
    # lock) still records its decision after the one made before it.
    assert lock.take(session, lambda: TUESDAY_MORNING) == later
    assert lock.take(session, lambda: later.replace(minute=6)) == later.replace(minute=6)


def test_an_abandoned_caller_can_be_called_back_through_the_queue(desk):
    call = desk.incoming()
    desk.ok(call["id"], "abandon")
    adviser = desk.adviser()
    callback = desk.incoming(direction="outbound", origin_call_id=call["id"])
    assert (callback["origin_call_id"], callback["adviser_id"]) == (call["id"], adviser)
    refused = desk.client.post(
        "/calls",
        json={"line": "stress", "received_at": desk.now.isoformat(), "origin_call_id": call["id"]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "origin_call_id"
    assert desk.act(call["id"], "abandon").status_code == 409  # it is abandoned already


@pytest.mark.parametrize("change", [{"stress_reported": True}, {"notes": "Ringer om vold."}])
def test_classifying_an_offered_call_leaves_the_offer_standing(desk, change):
    """A PATCH of an offered call set it back to queued (its timestamps look like a waiting
    call's) while the offer stayed open, so the adviser's accept then failed with 409."""
    adviser = desk.adviser()
    call = desk.incoming()
    assert (call["status"], call["adviser_id"]) == ("assigned", adviser)
    patched = desk.client.patch(f"/calls/{call['id']}", json=change)
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "assigned"
    accepted = desk.ok(call["id"], "accept", adviser)
    assert accepted["status"] == "in_progress"
