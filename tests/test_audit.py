"""The audit trail: every change and every read of a call's notes on record, never content."""

import uuid
from datetime import timedelta

import pytest
from sqlmodel import select

from service.audit.models import AuditEvent
from tests.factories import (
    assert_problem,
    bearer,
    closed_call,
    create_adviser,
    create_call,
    live_call,
    make_token,
)

NOTES = "Ringer om trusler fra en beboer; ønsker opkald på +4521345678."


def trail(session, **filters) -> list[AuditEvent]:
    session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in filters.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(session.exec(query).all())


def test_recording_a_call_is_on_record_with_who_when_and_which_fields(client, session, clock):
    call = create_call(client, closed_call(notes=NOTES, callback_requested=True,
                                           callback_phone="+4521345678"))  # fmt: skip
    [event] = trail(session, object_id=call["id"], action="call.create")
    assert (event.object_type, event.role, event.result) == ("call", "admin", "ok")
    assert event.token_id is not None and event.adviser_id is not None
    assert event.client_ip == "testclient"
    assert event.at == clock()
    assert {"notes", "callback_phone", "line", "received_at"} <= set(event.fields)
    # Field names only: neither the notes nor the number is in the trail.
    everything = " ".join(str(e.model_dump()) for e in trail(session))
    assert "trusler" not in everything and "21345678" not in everything


def test_a_change_names_the_fields_changed(client, session):
    call = create_call(client)
    changed = client.patch(
        f"/calls/{call['id']}", json={"notes": NOTES, "issue_categories": ["violence"]}
    )
    assert changed.status_code == 200, changed.text
    [event] = trail(session, object_id=call["id"], action="call.update")
    assert event.fields == ["issue_categories", "notes"]


def test_a_refused_change_leaves_no_trail(client, session):
    call = create_call(client)
    before = len(trail(session))
    assert_problem(client.patch(f"/calls/{call['id']}", json={"sector": "nope"}), 422)
    assert_problem(client.post("/calls", json=closed_call(line="nope")), 422)
    assert len(trail(session)) == before


def test_reading_a_calls_notes_is_on_record_for_each_call_shown(client, session, clock):
    with_notes = create_call(client, closed_call(notes=NOTES))
    without = create_call(client, closed_call(notes=None))
    assert client.get(f"/calls/{with_notes['id']}").status_code == 200
    assert client.get(f"/calls/{without['id']}").status_code == 200
    assert [e.fields for e in trail(session, action="call.read")] == [["notes"]]
    assert client.get("/calls").status_code == 200
    reads = trail(session, action="call.read")
    assert [e.object_id for e in reads] == [with_notes["id"], with_notes["id"]]


def test_desk_actions_advisers_tokens_and_rules_are_on_record(client, session, clock):
    adviser = create_adviser(client)
    client.patch(f"/advisers/{adviser['id']}", json={"lines": ["stress", "managers"]})
    client.put(f"/advisers/{adviser['id']}/presence", json={"presence": "available"})
    call = client.post("/calls", json=live_call(clock())).json()
    accepted = client.post(f"/calls/{call['id']}/accept", json={"adviser_id": adviser["id"]})
    assert accepted.status_code == 200, accepted.text
    token = client.post("/tokens", json={"email": "x@example.dk", "role": "adviser"}).json()
    client.delete(f"/tokens/{token['id']}")
    rules = client.put("/routing/rules/stress", json={"strategy": "fewest_calls_today",
                                                      "overflow": []})  # fmt: skip
    assert rules.status_code == 200, rules.text
    actions = [(e.action, e.object_id) for e in trail(session)]
    assert ("adviser.create", adviser["id"]) in actions
    assert ("adviser.update", adviser["id"]) in actions
    assert ("call.create", call["id"]) in actions
    assert ("token.create", token["id"]) in actions
    assert ("token.update", token["id"]) in actions
    assert ("routing_rule.update", "stress") in actions
    accept = [e for e in trail(session, action="call.update", object_id=call["id"])][-1]
    assert {"status", "answered_at"} <= set(accept.fields)
    [revoked] = trail(session, action="token.update", object_id=token["id"])
    assert revoked.fields == ["revoked_at"]
    lines = trail(session, action="adviser.update", object_id=adviser["id"])
    assert any("lines" in e.fields for e in lines)


def test_the_trail_is_read_with_filters_newest_first_and_paged(client, session, clock):
    first = create_call(client)
    clock.advance(60)
    second = create_call(client)
    listed = client.get("/audit", params={"action": "call.create"}).json()
    assert [e["object_id"] for e in listed[:2]] == [second["id"], first["id"]]
    one = client.get("/audit", params={"object_id": first["id"]}).json()
    assert {e["object_id"] for e in one} == {first["id"]}
    page = client.get("/audit", params={"action": "call.create", "limit": 1}).json()
    assert [e["object_id"] for e in page] == [second["id"]]
    older = client.get("/audit", params={"action": "call.create", "before": page[0]["id"]})
    assert older.json()[0]["object_id"] == first["id"]
    since = (clock() - timedelta(seconds=30)).isoformat()
    recent = client.get("/audit", params={"action": "call.create", "from": since}).json()
    assert [e["object_id"] for e in recent] == [second["id"]]
    admin_id = listed[0]["adviser_id"]
    assert client.get("/audit", params={"adviser_id": admin_id}).json()
    assert client.get("/audit", params={"adviser_id": str(uuid.uuid4())}).json() == []
    assert_problem(client.get("/audit", params={"from": "2025-01-01T00:00:00"}), 422, "from")
    assert_problem(client.get("/audit", params={"limit": 501}), 422, "limit")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_no_endpoint_changes_the_trail(client, method):
    assert client.request(method, "/audit").status_code == 405


def test_only_admins_read_the_trail(client, session, clock):
    supervisor = make_token(session, "supervisor", now=clock())
    assert_problem(client.get("/audit", headers=bearer(supervisor)), 403)


def test_logs_carry_no_notes_or_phone_numbers(client, caplog):
    caplog.set_level("DEBUG")
    call = create_call(client, closed_call(notes=NOTES, callback_requested=True,
                                           callback_phone="+4521345678"))  # fmt: skip
    client.get(f"/calls/{call['id']}")
    client.patch(f"/calls/{call['id']}", json={"notes": NOTES + " Igen.", "sector": "nope"})
    client.post("/calls", json=closed_call(notes=NOTES, callback_phone="+45 21 34 56 78 9"))
    assert caplog.records, "nothing was logged: the test would prove nothing"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "trusler" not in logged and "21345678" not in logged


def test_a_refused_attempt_is_on_record_as_denied_and_nothing_else_is_kept(client, session, clock):
    mine, theirs = create_adviser(client), create_adviser(client)
    call = create_call(client, closed_call(adviser_id=theirs["id"], notes=NOTES))
    headers = bearer(make_token(session, "adviser", adviser_id=mine["id"], now=clock()))
    assert_problem(client.get(f"/calls/{call['id']}", headers=headers), 403)
    assert_problem(client.get("/reports/trend", params={"from": "2025-W01", "to": "2025-W02"},
                              headers=headers), 403)  # fmt: skip
    assert_problem(client.patch(f"/calls/{call['id']}", json={"notes": "x"}, headers=headers), 403)
    denied = trail(session, result="denied")
    assert [(e.action, e.object_type, e.object_id, str(e.adviser_id)) for e in denied] == [
        ("GET /calls/{call_id}", "call", call["id"], mine["id"]),
        ("GET /reports/trend", "endpoint", None, mine["id"]),
        ("PATCH /calls/{call_id}", "call", call["id"], mine["id"]),
    ]
    assert trail(session, action="call.read", object_id=call["id"]) == []
    assert client.get(f"/calls/{call['id']}").json()["notes"] == NOTES


@pytest.mark.parametrize("field", ["action", "object_type", "object_id"])
def test_control_characters_in_a_filter_are_422_not_500(client, field):
    """Found by schemathesis on PostgreSQL, which refuses NUL bytes in text."""
    assert_problem(client.get("/audit", params={field: "call\x00.create"}), 422, field)
