"""Exactly once: a retry with the same Idempotency-Key is answered, not recorded again."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlmodel import func, select

from service.advisers.models import Adviser
from service.auth.models import Principal, Role
from service.calls import dispatch
from service.calls.models import Call
from service.idempotency.models import IdempotencyRecord
from service.tokens.models import ApiToken
from tests.desk import CLASSIFICATION, Desk
from tests.factories import (
    adviser_payload,
    assert_problem,
    bearer,
    closed_call,
    live_call,
    make_token,
    random_id,
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


def _offered(desk: Desk) -> tuple[str, str]:
    adviser = desk.adviser()
    call = desk.incoming()
    assert call["adviser_id"] == adviser and call["status"] == "assigned"
    return call["id"], adviser


def _in_progress(desk: Desk) -> tuple[str, str]:
    call, adviser = _offered(desk)
    desk.ok(call, "accept", adviser)
    return call, adviser


def _on_hold(desk: Desk) -> tuple[str, str]:
    call, adviser = _in_progress(desk)
    desk.ok(call, "hold", adviser)
    return call, adviser


def _in_wrap_up(desk: Desk) -> tuple[str, str]:
    call, adviser = _in_progress(desk)
    desk.ok(call, "end", adviser)
    return call, adviser


# Each desk action: the state it acts on, its body (and another valid one), and the event
# that doing it writes to the call's journal.
DESK_ACTIONS = {
    "accept": (_offered, {}, "accepted"),
    "reject": (_offered, {"reason": "Midt i en anden samtale"}, "rejected"),
    "hold": (_in_progress, {}, "held"),
    "resume": (_on_hold, {}, "resumed"),
    "transfer": (_in_progress, {"to_line": "managers", "reason": "Ringer er leder"}, "transferred"),
    "end": (_in_progress, {}, "ended"),
    "close": (_in_wrap_up, CLASSIFICATION, "closed"),
    "abandon": (_offered, None, "abandoned"),  # the caller hung up: nobody acts, no body
}


def _body(action: str, adviser: str) -> dict | None:
    extra = DESK_ACTIONS[action][1]
    return None if extra is None else {"adviser_id": adviser} | extra


def _another_body(action: str, adviser: str) -> dict:
    """A different request to the same path, valid on its own."""
    if action == "abandon":
        return {"adviser_id": adviser}
    if action == "close":
        return _body(action, adviser) | {"stress_reported": True}
    if action in ("reject", "transfer"):
        return _body(action, adviser) | {"reason": "En anden grund"}
    return {"adviser_id": random_id()}


def _done(desk: Desk, call: str) -> tuple[dict, list]:
    """What the desk shows of a call and its journal: a replay must change neither."""
    return desk.call(call), desk.events(call)


@pytest.fixture
def desk(client, session, clock) -> Desk:
    return Desk(client, session, clock)


@pytest.mark.parametrize("action", DESK_ACTIONS)
def test_a_retried_desk_action_gets_the_original_answer_and_is_done_once(desk, action):
    setup, _, event = DESK_ACTIONS[action]
    call, adviser = setup(desk)
    key = {"Idempotency-Key": f"{action}-1"}
    path = f"/calls/{call}/{action}"
    first = desk.client.post(path, json=_body(action, adviser), headers=key)
    assert first.status_code == 200, first.text
    after_first = _done(desk, call)
    desk.clock.advance(5)  # a retry comes later: nothing it answers may be made anew
    again = desk.client.post(path, json=_body(action, adviser), headers=key)
    assert (again.status_code, again.json()) == (200, first.json())
    assert _done(desk, call) == after_first
    assert [kind for kind, _ in after_first[1]].count(event) == 1
    # It is the key that answers the retry: without one, doing it again is refused.
    assert_problem(desk.client.post(path, json=_body(action, adviser)), 409)


@pytest.mark.parametrize("action", DESK_ACTIONS)
def test_a_desk_action_key_sent_with_another_body_is_422_and_changes_nothing(desk, action):
    setup, _, _ = DESK_ACTIONS[action]
    call, adviser = setup(desk)
    key = {"Idempotency-Key": f"{action}-2"}
    path = f"/calls/{call}/{action}"
    assert desk.client.post(path, json=_body(action, adviser), headers=key).status_code == 200
    after_first = _done(desk, call)
    other = desk.client.post(path, json=_another_body(action, adviser), headers=key)
    body = assert_problem(other, 422, "Idempotency-Key")
    assert body["errors"][0]["location"] == "header"
    assert _done(desk, call) == after_first


def test_a_key_reused_on_another_path_is_422_and_does_nothing_there(desk):
    call, adviser = _in_progress(desk)
    key = {"Idempotency-Key": "one-use"}
    body = {"adviser_id": adviser}
    assert desk.client.post(f"/calls/{call}/hold", json=body, headers=key).status_code == 200
    before = _done(desk, call)
    # The same key and body to another action on the call, to another call, and to POST /calls.
    other_call, other_adviser = _in_progress(desk)
    attempts = [
        (f"/calls/{call}/resume", body),
        (f"/calls/{other_call}/hold", body),
        ("/calls", closed_call()),
    ]
    for path, payload in attempts:
        calls_before = calls_stored(desk.session)
        assert_problem(desk.client.post(path, json=payload, headers=key), 422, "Idempotency-Key")
        assert calls_stored(desk.session) == calls_before
    assert _done(desk, call) == before
    assert desk.call(other_call)["status"] == "in_progress"
    assert ("held", other_adviser) not in desk.events(other_call)


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


RACERS = 6


def test_identical_keyed_posts_at_the_same_moment_store_one_call(committed):
    """A desk client that times out and retries at once sends the same request twice while
    the first is still running: one call is stored, and every answer either is that call or
    says to retry (409); none is a 500 and none a second call."""
    client = committed.client
    key = {"Idempotency-Key": str(uuid.uuid4())}
    payload = closed_call()
    start = threading.Barrier(RACERS)

    def post() -> Any:
        start.wait()
        return client.post("/calls", json=payload, headers=key)

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(lambda _: post(), range(RACERS)))

    created = [a for a in answers if a.status_code == 201]
    assert created, [a.text for a in answers]
    assert len({a.json()["id"] for a in created}) == 1
    for answer in answers:
        if answer.status_code != 201:
            assert assert_problem(answer, 409)["retry"] is True
    listed = client.get("/calls").json()["items"]
    assert [call["id"] for call in listed] == [created[0].json()["id"]]
    # Once the first is done, a retry gets the call.
    again = client.post("/calls", json=payload, headers=key)
    assert (again.status_code, again.json()["id"]) == (201, created[0].json()["id"])
