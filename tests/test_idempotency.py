"""Exactly once: a retry with the same Idempotency-Key is answered, not recorded again."""

import json
import uuid

from sqlmodel import func, select

from service.advisers.models import Adviser
from service.auth.models import ApiToken, Principal, Role
from service.calls.models import Call
from service.idempotency.models import IdempotencyRecord
from service.routing import dispatch
from tests.factories import (
    adviser_payload,
    assert_problem,
    bearer,
    closed_call,
    create_adviser,
    live_call,
    make_token,
)


def calls_stored(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Call)).one()


def test_a_retry_with_the_same_key_and_body_gets_the_original_answer_and_records_nothing(
    client, session
):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/calls", json=closed_call(), headers=key)
    assert first.status_code == 201, first.text
    count = calls_stored(session)
    again = client.post("/calls", json=closed_call(), headers=key)
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])
    assert again.headers["location"] == first.headers["location"]
    assert calls_stored(session) == count


def test_the_same_body_spaced_or_ordered_differently_is_the_same_request(client, session):
    key = {"Idempotency-Key": "retry-1", "content-type": "application/json"}
    payload = closed_call()
    first = client.post("/calls", content=json.dumps(payload), headers=key)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    again = client.post("/calls", content=reordered, headers=key)
    assert again.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_422_and_records_nothing(client, session):
    key = {"Idempotency-Key": "k-2"}
    client.post("/calls", json=closed_call(), headers=key)
    count = calls_stored(session)
    response = client.post("/calls", json=closed_call(notes="Anden samtale"), headers=key)
    body = assert_problem(response, 422, "Idempotency-Key")
    assert body["errors"][0]["location"] == "header"
    assert calls_stored(session) == count


def test_without_a_key_every_post_records_a_call(client, session):
    count = calls_stored(session)
    client.post("/calls", json=closed_call())
    client.post("/calls", json=closed_call())
    assert calls_stored(session) == count + 2


def test_keys_are_per_token(client, session, clock):
    key = {"Idempotency-Key": "shared-key"}
    other = bearer(make_token(session, "supervisor", now=clock()))
    first = client.post("/calls", json=closed_call(), headers=key)
    second = client.post("/calls", json=closed_call(), headers=key | other)
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


def test_a_failed_request_does_not_use_up_its_key(client, session):
    key = {"Idempotency-Key": "k-3"}
    assert_problem(client.post("/calls", json=closed_call(line="nope"), headers=key), 422)
    assert session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == "k-3")).all() == []
    fixed = client.post("/calls", json=closed_call(line="nope"), headers=key)
    assert fixed.status_code == 422  # the same request fails the same way: nothing was kept
    assert (
        client.post("/calls", json=closed_call(), headers={"Idempotency-Key": "k-4"}).status_code
        == 201
    )


def test_a_retried_desk_action_is_answered_and_not_done_twice(client, session, clock):
    adviser = create_adviser(client)
    client.put(f"/advisers/{adviser['id']}/presence", json={"presence": "available"})
    call = client.post("/calls", json=live_call(clock())).json()
    key = {"Idempotency-Key": "accept-1"}
    body = {"adviser_id": adviser["id"]}
    first = client.post(f"/calls/{call['id']}/accept", json=body, headers=key)
    assert first.status_code == 200, first.text
    again = client.post(f"/calls/{call['id']}/accept", json=body, headers=key)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == call["id"] and again.json()["status"] == "in_progress"
    events = [e["type"] for e in client.get(f"/calls/{call['id']}/events").json()]
    assert events.count("accepted") == 1
    # Without the key, accepting twice is refused on its merits.
    assert_problem(client.post(f"/calls/{call['id']}/accept", json=body), 409)


def test_a_key_that_is_too_long_or_unprintable_is_refused(client):
    for bad in ("x" * 201, "tab\tkey"):
        response = client.post("/calls", json=closed_call(), headers={"Idempotency-Key": bad})
        assert_problem(response, 422, "Idempotency-Key")


def test_a_key_whose_first_request_is_still_running_is_409(client, session, clock):
    from service.idempotency.dependencies import _principal_key, _request_hash

    token = session.exec(select(ApiToken).order_by(ApiToken.created_at.desc())).first()
    principal = Principal(role=Role.admin, adviser_id=token.adviser_id, token_id=token.id)
    body = json.dumps(closed_call()).encode()
    session.add(IdempotencyRecord(
        principal=_principal_key(principal), key="busy", created_at=clock(),
        request_hash=_request_hash("POST", "/calls", body), method="POST", path="/calls",
    ))  # fmt: skip
    session.commit()
    count = calls_stored(session)
    response = client.post(
        "/calls", content=body,
        headers={"Idempotency-Key": "busy", "content-type": "application/json"},
    )  # fmt: skip
    assert assert_problem(response, 409)["retry"] is True
    assert calls_stored(session) == count


def test_keys_are_kept_two_days_then_retention_drops_them(client, session, clock):
    key = {"Idempotency-Key": "old"}
    first = client.post("/calls", json=closed_call(), headers=key).json()
    clock.advance(47 * 3600)
    assert client.post("/retention/run").status_code == 200
    assert client.post("/calls", json=closed_call(), headers=key).json()["id"] == first["id"]
    clock.advance(2 * 3600)
    assert client.post("/retention/run").status_code == 200
    assert client.post("/calls", json=closed_call(), headers=key).json()["id"] != first["id"]


def test_registering_an_adviser_twice_with_one_key_registers_one(client, session):
    payload = adviser_payload()
    key = {"Idempotency-Key": "hire-1"}
    first = client.post("/advisers", json=payload, headers=key)
    assert first.status_code == 201, first.text
    session.expire_all()
    count = session.exec(select(func.count()).select_from(Adviser)).one()
    again = client.post("/advisers", json=payload, headers=key)
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])
    assert session.exec(select(func.count()).select_from(Adviser)).one() == count
    other = client.post("/advisers", json=adviser_payload(), headers=key)
    assert_problem(other, 422, "Idempotency-Key")


def test_a_retried_token_request_makes_no_second_token_and_says_which_it_made(client, session):
    key = {"Idempotency-Key": "token-1"}
    body = {"email": "ny@example.dk", "role": "supervisor"}
    first = client.post("/tokens", json=body, headers=key)
    assert first.status_code == 201, first.text
    tokens = len(session.exec(select(ApiToken)).all())
    again = assert_problem(client.post("/tokens", json=body, headers=key), 409)
    assert again["token_id"] == first.json()["id"]
    assert "token" not in again
    assert len(session.exec(select(ApiToken)).all()) == tokens


def test_a_request_that_fails_half_way_leaves_no_trace(client, session, monkeypatch):
    """Each request's writes are one transaction: a crash after the call row was added
    (here: routing fails) leaves neither the call nor its journal nor its key."""

    def broken(*args, **kwargs):
        raise RuntimeError("the routing step failed")

    monkeypatch.setattr(dispatch, "run", broken)
    count = calls_stored(session)
    response = client.post("/calls", json=live_call(), headers={"Idempotency-Key": "half"})
    assert response.status_code == 500
    assert calls_stored(session) == count
    assert session.exec(select(IdempotencyRecord)).all() == []
