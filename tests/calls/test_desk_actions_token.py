"""Desk actions with an adviser's token: no body needed, an ETag, If-Match, recorded reads."""

import pytest
from sqlmodel import select

from service.audit.models import AuditEvent
from tests.desk import CLASSIFICATION, Desk
from tests.factories import assert_problem, bearer, make_token, random_id

NOTES = "Ringer om en kollega, der har det svært."


@pytest.fixture
def desk(client, session, clock) -> Desk:
    return Desk(client, session, clock)


def _offered(desk: Desk, **call) -> tuple[str, str]:
    adviser = desk.adviser()
    offered = desk.incoming(**call)
    assert (offered["status"], offered["adviser_id"]) == ("assigned", adviser)
    return offered["id"], adviser


def _in_progress(desk: Desk, **call) -> tuple[str, str]:
    call_id, adviser = _offered(desk, **call)
    desk.ok(call_id, "accept", adviser)
    return call_id, adviser


def _on_hold(desk: Desk, **call) -> tuple[str, str]:
    call_id, adviser = _in_progress(desk, **call)
    desk.ok(call_id, "hold", adviser)
    return call_id, adviser


def _in_wrap_up(desk: Desk, **call) -> tuple[str, str]:
    call_id, adviser = _in_progress(desk, **call)
    desk.ok(call_id, "end", adviser)
    return call_id, adviser


# Each desk action: the state it acts on, what its body needs besides the adviser, and the
# event it writes to the call's journal.
ACTIONS = {
    "accept": (_offered, {}, "accepted"),
    "reject": (_offered, {}, "rejected"),
    "hold": (_in_progress, {}, "held"),
    "resume": (_on_hold, {}, "resumed"),
    "end": (_in_progress, {}, "ended"),
    "close": (_in_wrap_up, CLASSIFICATION, "closed"),
    "transfer": (
        _in_progress,
        {"to_line": "managers", "reason": "Ringer er leder"},
        "transferred",
    ),
    "abandon": (_offered, {}, "abandoned"),
}
NEED_AN_ADVISER = [action for action in ACTIONS if action != "abandon"]


def _post(desk: Desk, call_id: str, action: str, body: dict | None, **headers: str):
    return desk.client.post(f"/calls/{call_id}/{action}", json=body, headers=headers)


def _as(desk: Desk, adviser_id: str) -> dict[str, str]:
    return bearer(make_token(desk.session, "adviser", adviser_id=adviser_id, now=desk.now))


def _supervisor(desk: Desk) -> dict[str, str]:
    return bearer(make_token(desk.session, "supervisor", now=desk.now))


def _reads(desk: Desk, call_id: str) -> list[AuditEvent]:
    statement = select(AuditEvent).where(
        AuditEvent.action == "call.read", AuditEvent.object_id == call_id
    )
    return list(desk.session.exec(statement.order_by(AuditEvent.id)).all())


def _state(desk: Desk, call_id: str) -> tuple[dict, list]:
    return desk.call(call_id), desk.events(call_id)


# -- the adviser is the token's -----------------------------------------------------------


@pytest.mark.parametrize("empty", [None, {}], ids=["no body", "empty body"])
@pytest.mark.parametrize("action", ACTIONS)
def test_an_advisers_token_acts_as_its_adviser_without_naming_them(desk, action, empty):
    setup, needs, event = ACTIONS[action]
    call_id, adviser = setup(desk)
    body = {**needs} if needs else empty
    response = _post(desk, call_id, action, body, **_as(desk, adviser))
    assert response.status_code == 200, response.text
    assert desk.events(call_id)[-1 if action != "transfer" else -2] == (event, adviser)


@pytest.mark.parametrize("action", ACTIONS)
def test_an_advisers_token_naming_another_adviser_is_still_403_and_changes_nothing(desk, action):
    setup, needs, _ = ACTIONS[action]
    call_id, adviser = setup(desk)
    other = desk.adviser(available=False)
    before = _state(desk, call_id)
    response = _post(desk, call_id, action, {"adviser_id": other, **needs}, **_as(desk, adviser))
    assert "only as that adviser" in assert_problem(response, 403)["detail"]
    assert _state(desk, call_id) == before


@pytest.mark.parametrize("action", NEED_AN_ADVISER)
def test_a_supervisor_naming_no_adviser_is_422_naming_adviser_id(desk, action):
    setup, needs, _ = ACTIONS[action]
    call_id, _ = setup(desk)
    before = _state(desk, call_id)
    for body in [{**needs}] if needs else [None, {}]:
        response = _post(desk, call_id, action, body, **_supervisor(desk))
        assert_problem(response, 422, "adviser_id")
    assert _state(desk, call_id) == before


@pytest.mark.parametrize("action", NEED_AN_ADVISER)
def test_a_supervisor_still_acts_for_the_adviser_they_name(desk, action):
    setup, needs, event = ACTIONS[action]
    call_id, adviser = setup(desk)
    response = _post(desk, call_id, action, {"adviser_id": adviser, **needs}, **_supervisor(desk))
    assert response.status_code == 200, response.text
    assert (event, adviser) in desk.events(call_id)


# -- who abandoned it -----------------------------------------------------------------------


def test_abandon_records_the_adviser_whose_token_said_so(desk):
    call_id, adviser = _offered(desk)
    response = _post(desk, call_id, "abandon", None, **_as(desk, adviser))
    assert response.status_code == 200, response.text
    assert desk.events(call_id)[-1] == ("abandoned", adviser)


def test_an_adviser_who_abandoned_a_call_gets_the_replay_of_a_retried_abandon(desk):
    """The reach rule counted only calls they accepted: the retry of their own abandon
    answered 403 instead of the original answer."""
    call_id, adviser = _offered(desk)
    headers = _as(desk, adviser) | {"Idempotency-Key": "hung-up-1"}
    first = _post(desk, call_id, "abandon", None, **headers)
    assert first.status_code == 200, first.text
    again = _post(desk, call_id, "abandon", None, **headers)
    assert (again.status_code, again.json()) == (200, first.json())


def test_abandon_by_the_phone_system_names_nobody(desk):
    call_id, _ = _offered(desk)
    response = _post(desk, call_id, "abandon", None, **_supervisor(desk))
    assert response.status_code == 200, response.text
    assert desk.events(call_id)[-1] == ("abandoned", None)


def test_abandon_records_the_adviser_a_supervisor_names(desk):
    call_id, adviser = _offered(desk)
    response = _post(desk, call_id, "abandon", {"adviser_id": adviser}, **_supervisor(desk))
    assert response.status_code == 200, response.text
    assert desk.events(call_id)[-1] == ("abandoned", adviser)


def test_abandon_naming_no_adviser_who_exists_is_422_and_changes_nothing(desk):
    call_id, _ = _offered(desk)
    before = _state(desk, call_id)
    response = _post(desk, call_id, "abandon", {"adviser_id": random_id()}, **_supervisor(desk))
    assert_problem(response, 422, "adviser_id")
    assert _state(desk, call_id) == before


# -- ETag and If-Match, as PATCH /calls/{id} ----------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_desk_action_answers_with_the_calls_new_etag(desk, action):
    setup, needs, _ = ACTIONS[action]
    call_id, adviser = setup(desk)
    read = desk.client.get(f"/calls/{call_id}").headers["ETag"]
    headers = _as(desk, adviser) | {"If-Match": read}
    response = _post(desk, call_id, action, needs or None, **headers)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == desk.client.get(f"/calls/{call_id}").headers["ETag"]
    assert response.headers["ETag"] != read


@pytest.mark.parametrize("action", ACTIONS)
def test_a_desk_action_on_a_stale_etag_is_412_and_does_nothing(desk, action):
    setup, needs, event = ACTIONS[action]
    call_id, adviser = setup(desk)
    current = desk.client.get(f"/calls/{call_id}").headers["ETag"]
    version = int(current.strip('"').rsplit("-", 1)[1])
    stale = f'"{call_id}-{version - 1}"'  # the copy a desk read one step ago
    before = _state(desk, call_id)
    headers = _as(desk, adviser) | {"If-Match": stale}
    body = assert_problem(_post(desk, call_id, action, needs or None, **headers), 412)
    assert body["etag"] == current
    assert _state(desk, call_id) == before
    assert desk.client.get(f"/calls/{call_id}").headers["ETag"] == current
    # With the ETag as it is now among those sent, the action is done.
    headers["If-Match"] = f"{stale}, {current}"
    assert _post(desk, call_id, action, needs or None, **headers).status_code == 200
    assert [kind for kind, _ in desk.events(call_id)].count(event) == 1


def test_if_match_on_a_desk_action_is_checked_against_changes_made_since(desk):
    call_id, adviser = _in_progress(desk)
    read = desk.client.get(f"/calls/{call_id}").headers["ETag"]
    changed = desk.client.patch(f"/calls/{call_id}", json={"stress_reported": True})
    assert changed.status_code == 200, changed.text
    headers = _as(desk, adviser) | {"If-Match": read}
    refused = assert_problem(_post(desk, call_id, "hold", None, **headers), 412)
    assert refused["etag"] == changed.headers["ETag"]
    assert ("held", adviser) not in desk.events(call_id)
    headers["If-Match"] = "*"
    assert _post(desk, call_id, "hold", None, **headers).status_code == 200


def test_a_replayed_desk_action_answers_with_the_etag_too(desk):
    call_id, adviser = _offered(desk)
    headers = _as(desk, adviser) | {"Idempotency-Key": "accept-no-body"}
    first = _post(desk, call_id, "accept", None, **headers)
    assert first.status_code == 200, first.text
    again = _post(desk, call_id, "accept", None, **headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert again.headers["ETag"] == first.headers["ETag"]
    assert [kind for kind, _ in desk.events(call_id)].count("accepted") == 1


def test_a_presence_change_answers_with_the_advisers_etag_and_honours_if_match(desk):
    adviser = desk.adviser(available=False)
    headers = _as(desk, adviser)
    read = desk.client.get(f"/advisers/{adviser}").headers["ETag"]
    path = f"/advisers/{adviser}/presence"
    available = desk.client.put(
        path, json={"presence": "available"}, headers=headers | {"If-Match": read}
    )
    assert available.status_code == 200, available.text
    now = desk.client.get(f"/advisers/{adviser}")
    assert available.headers["ETag"] == now.headers["ETag"] != read
    stale = desk.client.put(path, json={"presence": "break"}, headers=headers | {"If-Match": read})
    assert assert_problem(stale, 412)["etag"] == now.headers["ETag"]
    assert desk.client.get(f"/advisers/{adviser}").json() == now.json()
    assert desk.client.get(f"/advisers/{adviser}").headers["ETag"] == now.headers["ETag"]
    fresh = desk.client.put(
        path,
        json={"presence": "break"},
        headers=headers | {"If-Match": now.headers["ETag"]},
    )
    assert fresh.status_code == 200, fresh.text
    assert desk.adviser_state(adviser)["presence"] == "break"


# -- the answer shows the notes: a recorded read ------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_desk_actions_answer_with_notes_is_a_recorded_read_replays_included(desk, action):
    setup, needs, _ = ACTIONS[action]
    call_id, adviser = setup(desk, notes=NOTES)
    # An adviser who abandoned a call no longer reaches it (nor its replay): a supervisor's.
    role, who = (
        ("supervisor", desk.adviser(available=False))
        if action == "abandon"
        else ("adviser", adviser)
    )
    secret = make_token(desk.session, role, adviser_id=who, now=desk.now)
    headers = bearer(secret) | {"Idempotency-Key": f"read-{action}"}
    body = {"adviser_id": adviser} if action == "abandon" else needs or None
    before = len(_reads(desk, call_id))
    first = _post(desk, call_id, action, body, **headers)
    assert first.status_code == 200, first.text
    assert first.json()["notes"] == NOTES
    [read] = _reads(desk, call_id)[before:]
    assert (str(read.adviser_id), read.fields, read.result) == (who, ["notes"], "ok")
    again = _post(desk, call_id, action, body, **headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert len(_reads(desk, call_id)) == before + 2


@pytest.mark.parametrize("action", ACTIONS)
def test_a_refused_desk_action_records_no_read(desk, action):
    setup, needs, _ = ACTIONS[action]
    call_id, adviser = setup(desk, notes=NOTES)
    stranger = desk.adviser(available=False)
    before = len(_reads(desk, call_id))
    refused = _post(desk, call_id, action, needs or None, **_as(desk, stranger))
    assert_problem(refused, 403)  # out of their reach
    assert _post(desk, call_id, action, needs or None, **_as(desk, adviser)).status_code == 200
    after = len(_reads(desk, call_id))
    assert after == before + 1
    again = _post(desk, call_id, action, needs or None, **_as(desk, adviser))
    assert again.status_code in (403, 409), again.text  # done already
    assert len(_reads(desk, call_id)) == after


@pytest.mark.parametrize("action", ACTIONS)
def test_a_desk_action_on_a_call_without_notes_records_no_read(desk, action):
    setup, needs, _ = ACTIONS[action]
    call_id, adviser = setup(desk)
    assert _post(desk, call_id, action, needs or None, **_as(desk, adviser)).status_code == 200
    assert _reads(desk, call_id) == []


def test_closing_with_new_notes_is_a_read_of_them(desk):
    call_id, adviser = _in_wrap_up(desk)
    body = CLASSIFICATION | {"notes": NOTES}
    response = _post(desk, call_id, "close", body, **_as(desk, adviser))
    assert response.status_code == 200, response.text
    assert [read.fields for read in _reads(desk, call_id)] == [["notes"]]
