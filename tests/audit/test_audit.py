"""The audit trail: every change and every read of a call's notes on record, never content."""

import asyncio
import hashlib
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import Request
from fastapi.routing import iter_route_contexts
from sqlmodel import select
from starlette.routing import Match

from service.api import AUDITED_READ_EXTENSION, AUDITED_READ_SCOPE_KEY
from service.audit.models import AuditEvent
from service.db import WRITES, get_session
from service.main import create_app
from service.tokens.models import ApiToken
from tests.desk import CLASSIFICATION, Desk
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


def test_reading_an_advisers_calls_is_on_record_for_each_call_with_notes(client, session, clock):
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    secret = make_token(session, "adviser", adviser_id=adviser, now=clock())
    earlier = desk.incoming()["id"]
    for action in ("accept", "end"):
        desk.ok(earlier, action, adviser)
    desk.ok(earlier, "close", adviser, **CLASSIFICATION, notes=NOTES)
    without_notes = desk.incoming()["id"]
    for action in ("accept", "end"):
        desk.ok(without_notes, action, adviser)
    desk.ok(without_notes, "close", adviser, **CLASSIFICATION)
    current = desk.incoming(notes="Om sin leder")["id"]
    desk.ok(current, "accept", adviser)
    # The desk actions' answers showed the notes too, and are on record as such.
    before = {e.id for e in trail(session, action="call.read")}

    response = client.get(f"/advisers/{adviser}/calls", headers=bearer(secret))

    assert response.status_code == 200, response.text
    shown = {c["id"] for c in [*response.json()["current"], *response.json()["recent"]]}
    assert shown == {earlier, without_notes, current}
    reads = [e for e in trail(session, action="call.read") if e.id not in before]
    assert sorted(e.object_id for e in reads) == sorted([earlier, current])
    assert {(str(e.adviser_id), e.token_id, tuple(e.fields)) for e in reads} == {
        (adviser, token_id_of(session, secret), ("notes",))
    }


def who_read(event: AuditEvent) -> tuple:
    """A read row as GET /calls/{id} writes it: everything but its id and time."""
    return (event.action, event.object_type, event.object_id, event.fields, event.adviser_id,
            event.token_id, event.subject, event.role, event.client_ip, event.result)  # fmt: skip


def test_a_replayed_create_is_a_read_of_the_notes_as_they_are_now(client, session):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = closed_call(notes="Første version")
    created = client.post("/calls", json=body, headers=key)
    assert created.status_code == 201, created.text
    # Making the call shows the notes the client sent: on record as the create, not a read.
    assert trail(session, action="call.read") == []
    client.patch(f"/calls/{created.json()['id']}", json={"notes": NOTES})
    before = len(trail(session, action="call.read"))

    replayed = client.post("/calls", json=body, headers=key)

    assert replayed.status_code == 201, replayed.text
    assert replayed.json()["notes"] == NOTES
    [read] = trail(session, action="call.read")[before:]
    assert client.get(f"/calls/{created.json()['id']}").status_code == 200
    [*_, by_get] = trail(session, action="call.read")
    assert who_read(read) == who_read(by_get)
    assert (read.object_id, read.fields) == (created.json()["id"], ["notes"])


def test_a_replayed_create_of_a_call_without_notes_records_no_read(client, session):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = closed_call(notes=None)
    assert client.post("/calls", json=body, headers=key).status_code == 201
    assert client.post("/calls", json=body, headers=key).status_code == 201
    assert trail(session, action="call.read") == []


@pytest.mark.parametrize(
    "change",
    [{"sector": "education"}, {"notes": NOTES}, {"notes": "Anden"}, {}],
    ids=["another field", "the notes", "notes as they were", "nothing"],
)
def test_the_answer_to_a_change_is_a_read_of_the_notes(client, session, change):
    call = create_call(client, closed_call(notes="Anden"))

    changed = client.patch(f"/calls/{call['id']}", json=change)

    assert changed.status_code == 200, changed.text
    assert changed.json()["notes"] == change.get("notes", "Anden")
    [read] = trail(session, action="call.read", object_id=call["id"])
    assert client.get(f"/calls/{call['id']}").status_code == 200
    [*_, by_get] = trail(session, action="call.read", object_id=call["id"])
    assert who_read(read) == who_read(by_get)
    updates = trail(session, action="call.update", object_id=call["id"])
    if change not in ({}, {"notes": "Anden"}):
        [update] = updates
        assert update.at == read.at
    else:
        assert updates == []  # nothing changed, and still the notes were shown


def test_the_answer_to_a_change_without_notes_records_no_read(client, session):
    call = create_call(client, closed_call(notes="Noget"))
    assert client.patch(f"/calls/{call['id']}", json={"notes": None}).status_code == 200
    other = create_call(client, closed_call(notes=None))
    assert client.patch(f"/calls/{other['id']}", json={"sector": "education"}).status_code == 200
    assert trail(session, action="call.read") == []


def test_a_refused_or_failed_change_records_no_read(client, session, clock):
    call = create_call(client, closed_call(notes=NOTES))
    assert_problem(client.patch(f"/calls/{call['id']}", json={"sector": "nope"}), 422)
    assert_problem(client.patch(f"/calls/{call['id']}", json={"notes": "x"},
                                headers={"If-Match": '"0"'}), 412)  # fmt: skip
    adviser = create_adviser(client)
    headers = bearer(make_token(session, "adviser", adviser_id=adviser["id"], now=clock()))
    assert_problem(client.patch(f"/calls/{call['id']}", json={"notes": "x"}, headers=headers), 403)

    def fail_the_commit(failing) -> None:
        raise RuntimeError("the connection dropped at commit")

    sa.event.listen(session, "before_commit", fail_the_commit, once=True)
    assert_problem(client.patch(f"/calls/{call['id']}", json={"sector": "education"}), 500)
    # The read was in the change's transaction: neither is kept.
    assert trail(session, action="call.update", object_id=call["id"]) == []
    assert trail(session, action="call.read") == []


def test_reading_a_calls_events_is_a_read_of_their_reasons(client, session, clock):
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    secret = make_token(session, "adviser", adviser_id=adviser, now=clock())
    rejected = desk.incoming()["id"]
    assert client.get(f"/calls/{rejected}/events").status_code == 200
    assert trail(session, action="call.read") == []  # no reason in them: no free text shown
    desk.ok(rejected, "reject", adviser, reason="Har en kollega i røret")

    events = client.get(f"/calls/{rejected}/events", headers=bearer(secret))

    assert events.status_code == 200, events.text
    assert "Har en kollega i røret" in [e["reason"] for e in events.json()]
    [read] = trail(session, action="call.read")
    assert (read.object_type, read.object_id, read.fields) == ("call", rejected, ["events.reason"])
    assert (str(read.adviser_id), read.token_id, read.role, read.result) == (
        adviser,
        token_id_of(session, secret),
        "adviser",
        "ok",
    )


@pytest.mark.parametrize(
    ("path", "writes"),
    [
        ("/calls", True),
        ("/calls/0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d", True),
        ("/advisers/0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/calls", True),
        ("/calls/0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/events", True),
        ("/advisers", True),  # presence reasons
        ("/advisers/0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d", True),
        ("/advisers/0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/presence", True),
        ("/advisers/0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d/figures", False),
        ("/reports/weekly", False),
    ],
)
def test_reads_that_are_put_on_record_get_a_session_that_may_write(engine, path, writes):
    """The tests' client shares one session; the service decides per request, here, from
    what the request's route declares (as `AuthorisedFirstRoute` puts it in the scope)."""
    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    (route,) = [
        r.original_route
        for r in iter_route_contexts(create_app().routes)
        if "GET" in (r.methods or ()) and r.matches(scope)[0] == Match.FULL
    ]
    declared = (route.openapi_extra or {}).get(AUDITED_READ_EXTENSION, False)
    scope[AUDITED_READ_SCOPE_KEY] = declared

    async def bind_options() -> dict:
        sessions = get_session(Request(scope))
        session = await anext(sessions)
        try:
            return session.get_bind().get_execution_options()
        finally:
            await sessions.aclose()

    assert asyncio.run(bind_options()).get(WRITES, False) is writes


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


def token_id_of(session, secret: str) -> uuid.UUID:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return session.exec(select(ApiToken.id).where(ApiToken.token_hash == digest)).one()


class Trail:
    """The rows each request adds, and who they name."""

    def __init__(self, client, session) -> None:
        self.client, self.session = client, session

    def during(self, method: str, path: str, secret: str, json: object = None) -> list[tuple]:
        before = {e.id for e in trail(self.session)}
        response = self.client.request(method, path, json=json, headers=bearer(secret))
        assert response.status_code == 200, response.text
        added = [e for e in trail(self.session) if e.id not in before]
        token_id = token_id_of(self.session, secret)
        assert {(e.token_id, e.result) for e in added} == {(token_id, "ok")}, path
        return [(e.action, e.object_id, e.fields) for e in added]


def test_every_desk_action_and_presence_change_is_on_record_once_per_record(client, session, clock):
    desk = Desk(client, session, clock)
    first, second = desk.adviser(), desk.adviser(available=False)
    secrets = {who: make_token(session, "adviser", adviser_id=who, now=clock())
               for who in (first, second)}  # fmt: skip
    steps = Trail(client, session)
    call = desk.incoming()["id"]
    assert desk.call(call)["adviser_id"] == first

    def act(action: str, who: str, **body) -> list[tuple]:
        path = f"/calls/{call}/{action}"
        return steps.during("post", path, secrets[who], {"adviser_id": who, **body})

    # One row for the call, however many steps the desk took: withdrawn, then queued.
    rejected = act("reject", first, reason="Optaget")
    assert [row for row in rejected if row[1] == call] == [
        ("call.update", call, ["adviser_id", "status"])
    ]
    presence = steps.during("put", f"/advisers/{second}/presence", secrets[second],
                            {"presence": "available"})  # fmt: skip
    [(action, _, fields)] = [row for row in presence if row[1] == second]
    assert action == "adviser.update" and {"availability", "presence"} <= set(fields)
    assert ("call.update", call, ["adviser_id", "status"]) in presence  # offered to them
    assert ("call.update", call, ["answered_at", "status"]) in act("accept", second)
    assert act("hold", second) == [("call.update", call, ["hold_started_at"])]
    clock.advance(30)
    assert act("resume", second) == [("call.update", call, ["hold_s", "hold_started_at"])]
    assert ("call.update", call, ["ended_at", "status"]) in act("end", second)
    closed = act("close", second, **CLASSIFICATION, callback_requested=True,
                 callback_phone="+4521345678")  # fmt: skip
    [(_, _, fields)] = [row for row in closed if row[:2] == ("call.update", call)]
    assert {"closed_at", "status", "caller_type", "sector", "callback_phone"} <= set(fields)
    [callback] = [row for row in closed if row[0] == "call.create"]
    assert "origin_call_id" in callback[2]

    call = desk.incoming()["id"]
    offered_to = desk.call(call)["adviser_id"]
    act("accept", offered_to)
    transferred = act("transfer", offered_to, to_line="managers", reason="Er leder")
    assert ("call.update", call, ["adviser_id", "line", "requeued_at", "status"]) in transferred
    admin = make_token(session, "admin", now=clock())
    abandoned = steps.during("post", f"/calls/{call}/abandon", admin)
    assert abandoned == [("call.update", call, ["ended_at", "status"])]
    # Reasons are free text: the trail has none of it.
    everything = " ".join(str(e.model_dump()) for e in trail(session))
    assert "Optaget" not in everything and "Er leder" not in everything and "2134" not in everything


def test_overflow_rules_are_a_change_of_their_lines_routing_rule(client, session, clock):
    steps = Trail(client, session)
    supervisor = make_token(session, "supervisor", now=clock())

    def put(strategy: str, overflow: list[dict]) -> list[tuple]:
        body = {"strategy": strategy, "overflow": overflow}
        return steps.during("put", "/routing/rules/stress", supervisor, body)

    to_managers = [{"to_line": "managers", "after_s": 30}]
    assert put("longest_idle", to_managers) == [("routing_rule.update", "stress", ["overflow"])]
    later = [{"to_line": "managers", "after_s": 60}]
    assert put("fewest_calls_today", later) == [
        ("routing_rule.update", "stress", ["overflow", "strategy"])
    ]
    assert put("fewest_calls_today", []) == [("routing_rule.update", "stress", ["overflow"])]
    [event] = trail(session, action="routing_rule.update", object_id="stress")[-1:]
    assert event.role == "supervisor"


def test_a_request_whose_commit_fails_leaves_no_audit_row(client, session):
    call = create_call(client, closed_call(notes="Før"))
    written: list[list[str] | None] = []

    def fail_the_commit(failing) -> None:
        failing.flush()
        # The row is there in the transaction, so the rollback is what takes it away.
        rows = trail(failing, action="call.update", object_id=call["id"])
        written.extend(e.fields for e in rows)
        raise RuntimeError("the connection dropped at commit")

    sa.event.listen(session, "before_commit", fail_the_commit, once=True)
    response = client.patch(f"/calls/{call['id']}", json={"notes": NOTES})

    assert_problem(response, 500)
    assert written == [["notes"]]
    assert trail(session, action="call.update", object_id=call["id"]) == []
    assert client.get(f"/calls/{call['id']}").json()["notes"] == "Før"


# -- paging like /calls, and unknown parameters ----------------------------------------------


def test_the_trail_pages_with_limit_and_the_next_cursor_in_a_header(client):
    for n in range(5):
        create_adviser(client, name=f"Rådgiver {n}")
    whole = client.get("/audit", params={"action": "adviser.create", "limit": 500})
    assert len(whole.json()) == 5
    assert "Next-Cursor" not in whole.headers
    seen, cursor = [], None
    while True:
        params = {"action": "adviser.create", "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get("/audit", params=params)
        assert response.status_code == 200, response.text
        seen += response.json()
        cursor = response.headers.get("Next-Cursor")
        if cursor is None:
            break
    assert seen == whole.json()


def test_the_trail_is_50_rows_at_a_time_unless_asked(client):
    for n in range(51):
        create_adviser(client, name=f"Rådgiver {n}")
    response = client.get("/audit", params={"action": "adviser.create"})
    assert len(response.json()) == 50
    assert "Next-Cursor" in response.headers


def test_before_still_pages_but_not_together_with_a_cursor(client):
    for n in range(3):
        create_adviser(client, name=f"Rådgiver {n}")
    first = client.get("/audit", params={"action": "adviser.create", "limit": 1})
    [row] = first.json()
    params = {"action": "adviser.create", "before": row["id"]}
    assert len(client.get("/audit", params=params).json()) == 2
    both = params | {"cursor": first.headers["Next-Cursor"]}
    assert_problem(client.get("/audit", params=both), 422, "before")


@pytest.mark.parametrize("name", ["since", "until", "page", "offset"])
def test_an_unknown_audit_parameter_is_refused_naming_it(client, name):
    assert_problem(client.get("/audit", params={name: "2025-01-01T00:00:00+00:00"}), 422, name)


def test_every_answer_that_shows_a_presence_reason_is_a_recorded_read(client, session):
    """Presence reasons are free text ("Lægebesøg"); reading them was not on record."""
    adviser = create_adviser(client)["id"]

    def reads() -> list[tuple[str | None, list[str] | None]]:
        return [(e.object_id, e.fields) for e in trail(session, action="adviser.read")]

    assert client.get(f"/advisers/{adviser}").status_code == 200
    assert reads() == []  # no reason given yet: nothing free-text was shown
    changed = client.put(
        f"/advisers/{adviser}/presence", json={"presence": "break", "reason": "Lægebesøg"}
    )
    assert changed.status_code == 200, changed.text
    assert reads() == [(adviser, ["presence_reason"])]  # the answer shows it
    for path in (f"/advisers/{adviser}", "/advisers", f"/advisers/{adviser}/presence"):
        before = len(reads())
        assert client.get(path).status_code == 200, path
        field = "presence.reason" if path.endswith("/presence") else "presence_reason"
        assert reads()[before:] == [(adviser, [field])], path
    before = len(reads())
    assert client.patch(f"/advisers/{adviser}", json={"capacity": 2}).status_code == 200
    assert reads()[before:] == [(adviser, ["presence_reason"])]
