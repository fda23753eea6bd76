"""A live call's life through the API: queue, offer, accept, hold, end, close."""

import pytest

from tests.desk import CLASSIFICATION, Desk


@pytest.fixture
def desk(client, session, clock) -> Desk:
    return Desk(client, session, clock)


def test_a_live_call_is_offered_at_once_to_an_available_adviser(desk):
    adviser = desk.adviser()
    call = desk.incoming()
    assert call["status"] == "assigned"
    assert call["adviser_id"] == adviser
    assert desk.adviser_state(adviser)["presence"] == "offered"
    assert desk.events(call["id"]) == [("queued", None), ("offered", adviser)]


def test_with_nobody_available_the_call_waits_in_the_queue(desk):
    desk.adviser(available=False)
    call = desk.incoming()
    assert call["status"] == "queued"
    assert call["adviser_id"] is None
    queue = desk.client.get("/queue").json()
    stress = next(line for line in queue["lines"] if line["line"] == "stress")
    assert [entry["call_id"] for entry in stress["waiting"]] == [call["id"]]
    assert stress["waiting"][0]["position"] == 1


def test_the_whole_life_of_a_call(desk):
    adviser = desk.adviser()
    call = desk.incoming()
    received = desk.now

    desk.clock.advance(8)
    accepted = desk.ok(call["id"], "accept", adviser)
    assert accepted["status"] == "in_progress"
    assert accepted["answered_at"] == desk.now.isoformat().replace("+00:00", "Z")
    assert desk.adviser_state(adviser)["presence"] == "on_call"

    desk.clock.advance(60)
    desk.ok(call["id"], "hold", adviser)
    desk.clock.advance(30)
    resumed = desk.ok(call["id"], "resume", adviser)
    assert resumed["hold_s"] == 30

    desk.clock.advance(300)
    ended = desk.ok(call["id"], "end", adviser)
    assert ended["status"] == "wrap_up"
    assert desk.adviser_state(adviser)["presence"] == "wrap_up"

    desk.clock.advance(45)
    closed = desk.ok(call["id"], "close", adviser, **CLASSIFICATION)
    assert closed["status"] == "closed"
    assert closed["issue_categories"] == ["violence", "emotional_demands"]
    assert desk.adviser_state(adviser)["presence"] == "available"
    assert desk.events(call["id"]) == [
        ("queued", None),
        ("offered", adviser),
        ("accepted", adviser),
        ("held", adviser),
        ("resumed", adviser),
        ("ended", adviser),
        ("closed", adviser),
    ]
    assert received < desk.now
