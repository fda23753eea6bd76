"""The phone system's token (telephony): it posts live calls, sets a waiting call's priority,
reads the queue and says when a caller hung up; it reads and changes nothing else."""

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import func, select

from service.audit.models import AuditEvent
from service.calls.models import Call
from service.tokens.models import ApiToken
from tests.auth.telephony import telephony_token
from tests.desk import Desk
from tests.factories import assert_problem, bearer, closed_call, live_call


@pytest.fixture
def phone(session, clock):
    """The phone system's headers and its token's id."""
    secret = telephony_token(session, now=clock())
    digest = hashlib.sha256(secret.encode()).hexdigest()
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).one()
    return bearer(secret), token.id


def calls_count(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Call)).one()


def queued(client, headers, call_id: str) -> dict | None:
    queue = client.get("/queue", headers=headers)
    assert queue.status_code == 200, queue.text
    waiting = [c for line in queue.json()["lines"] for c in line["waiting"]]
    return next((c for c in waiting if c["call_id"] == call_id), None)


def test_the_phone_system_posts_a_call_sets_its_priority_reads_the_queue_and_abandons_it(
    client, session, clock, phone
):
    headers, token_id = phone
    posted = client.post("/calls", json=live_call(clock() - timedelta(seconds=3)), headers=headers)
    assert posted.status_code == 201, posted.text
    call_id = posted.json()["id"]
    assert (posted.json()["status"], posted.json()["adviser_id"]) == ("queued", None)
    assert queued(client, headers, call_id)["priority"] == 0

    raised = client.patch(f"/calls/{call_id}", json={"priority": 7}, headers=headers)
    assert raised.status_code == 200, raised.text
    assert queued(client, headers, call_id)["priority"] == 7

    abandoned = client.post(f"/calls/{call_id}/abandon", headers=headers)
    assert abandoned.status_code == 200, abandoned.text
    assert abandoned.json()["status"] == "abandoned"
    assert queued(client, headers, call_id) is None
    # Nobody is recorded as having said so: the phone system is no adviser.
    journal = client.get(f"/calls/{call_id}/events").json()
    assert (journal[-1]["type"], journal[-1]["adviser_id"]) == ("abandoned", None)

    # On record as the phone system's: its token and role, no adviser, no subject.
    session.expire_all()
    events = session.exec(select(AuditEvent).where(AuditEvent.token_id == token_id)).all()
    assert {e.action for e in events if e.object_id == call_id} >= {"call.create", "call.update"}
    for event in events:
        assert (event.role, event.adviser_id, event.subject) == ("telephony", None, None)


def test_a_higher_priority_from_the_phone_system_goes_ahead_in_the_queue(client, clock, phone):
    headers, _ = phone
    first = client.post("/calls", json=live_call(clock() - timedelta(minutes=2)), headers=headers)
    second = client.post("/calls", json=live_call(clock() - timedelta(minutes=1)), headers=headers)
    first_id, second_id = first.json()["id"], second.json()["id"]
    assert queued(client, headers, first_id)["position"] < queued(client, headers, second_id)[
        "position"]  # fmt: skip
    assert client.patch(f"/calls/{second_id}", json={"priority": 5},
                        headers=headers).status_code == 200  # fmt: skip
    assert queued(client, headers, second_id)["position"] < queued(client, headers, first_id)[
        "position"]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/calls"),
        ("get", "/calls/{call_id}"),
        ("get", "/calls/{call_id}/events"),
        ("get", "/calls/{call_id}/related"),
        ("get", "/reports/weekly"),
        ("get", "/reports/trend"),
        ("get", "/cases"),
        ("get", "/tasks"),
        ("get", "/search"),
        ("get", "/advisers"),
        ("get", "/tokens"),
        ("get", "/audit"),
        ("post", "/calls/{call_id}/accept"),
        ("post", "/calls/{call_id}/close"),
    ],
)
def test_the_phone_system_reads_no_call_report_case_or_colleague(
    client, clock, phone, method, path
):
    headers, _ = phone
    call = client.post("/calls", json=live_call(clock()), headers=headers).json()
    url = path.format(call_id=call["id"])
    params = {"week": "2025-W23", "from": "2025-W20", "to": "2025-W23", "q": "arbejdspres"}
    body = assert_problem(client.request(method, url, params=params, headers=headers), 403)
    assert "may only post live calls, abandon them, set their priority" in body["detail"]
    assert "arbejdspres" not in str(body)


def test_the_phone_system_has_no_desk_stream(client, phone):
    headers, _ = phone
    with client.stream("get", "/desk/events", headers=headers) as response:
        assert response.status_code == 403
        response.read()
    assert "an adviser's token" in assert_problem(response, 403)["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (closed_call(), "answered_at"),
        (closed_call(answered_at=None), "ended_at"),
        ({"status": "closed"}, "status"),
        ({"status": "in_progress"}, "status"),
    ],
)
def test_the_phone_system_posts_live_calls_only(client, session, clock, phone, payload, field):
    headers, _ = phone
    before = calls_count(session)
    body = live_call(clock()) | payload
    refused = assert_problem(client.post("/calls", json=body, headers=headers), 403, field)
    assert "live calls only" in refused["errors"][0]["reason"]
    assert calls_count(session) == before


def test_the_phone_system_names_no_adviser(client, session, clock, phone):
    headers, _ = phone
    desk = Desk(client, session, clock)
    adviser = desk.adviser(available=False)
    before = calls_count(session)
    posted = client.post("/calls", json=live_call(clock(), adviser_id=adviser), headers=headers)
    assert_problem(posted, 403, "adviser_id")
    assert calls_count(session) == before
    call = client.post("/calls", json=live_call(clock()), headers=headers).json()
    said = client.post(f"/calls/{call['id']}/abandon", json={"adviser_id": adviser},
                       headers=headers)  # fmt: skip
    assert "routing picks" in assert_problem(said, 403, "adviser_id")["detail"]
    assert desk.call(call["id"])["status"] == "queued"


@pytest.mark.parametrize(
    "change",
    [
        {"notes": "Ringer om sin leder"},
        {"priority": 3, "line": "managers"},
        {"callback_phone": "+45 22 34 56 78"},
        {"status": "closed"},
        {"direction": "outbound"},
    ],
)
def test_the_phone_system_changes_a_calls_priority_and_nothing_else(client, clock, phone, change):
    headers, _ = phone
    call = client.post("/calls", json=live_call(clock()), headers=headers).json()
    before = client.get(f"/calls/{call['id']}").json()
    refused = client.patch(f"/calls/{call['id']}", json=change, headers=headers)
    [field] = [name for name in change if name != "priority"]
    assert "priority only" in assert_problem(refused, 403, field)["errors"][0]["reason"]
    assert client.get(f"/calls/{call['id']}").json() == before


def test_the_phone_system_sets_the_priority_of_a_waiting_call_only(client, session, clock, phone):
    headers, _ = phone
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call = client.post("/calls", json=live_call(clock()), headers=headers).json()
    # Offered to the adviser: still waiting, so its priority is still the phone system's.
    assert desk.call(call["id"])["status"] == "assigned"
    assert client.patch(f"/calls/{call['id']}", json={"priority": 2},
                        headers=headers).status_code == 200  # fmt: skip
    desk.ok(call["id"], "accept", adviser)
    before = desk.call(call["id"])
    refused = client.patch(f"/calls/{call['id']}", json={"priority": 9}, headers=headers)
    body = assert_problem(refused, 403, "priority")
    assert "waiting call only" in body["errors"][0]["reason"]
    assert desk.call(call["id"]) == before
    # Once answered, the call is no longer the phone system's to abandon either.
    assert_problem(client.post(f"/calls/{call['id']}/abandon", headers=headers), 409)


def test_a_refusal_of_the_phone_system_is_on_record_as_its_own(client, session, phone):
    headers, token_id = phone
    assert_problem(client.get("/calls", headers=headers), 403)
    session.expire_all()
    [denied] = session.exec(
        select(AuditEvent).where(AuditEvent.token_id == token_id, AuditEvent.result == "denied")
    ).all()
    assert (denied.action, denied.role, denied.adviser_id) == ("GET /calls", "telephony", None)


def test_an_adviser_still_may_not_set_the_priority_the_phone_system_sets(client, session, clock):
    """The phone system's right is its own: advisers are held to what they were."""
    from tests.factories import make_token

    desk = Desk(client, session, clock)
    adviser = desk.adviser(available=False)
    headers = bearer(make_token(session, "adviser", adviser_id=adviser, now=clock()))
    call = desk.incoming()
    refused = client.patch(f"/calls/{call['id']}", json={"priority": 4}, headers=headers)
    assert_problem(refused, 403, "priority")
