"""Repeat contact: GET /calls/{id}/related, the number's keyed hash and its erasure."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from service.calls.models import Call
from service.calls.repeat import number_key
from service.cases.models import Case
from service.config import Settings
from tests.desk import CLASSIFICATION, Desk
from tests.factories import (
    BASE_TIME,
    bearer,
    closed_call,
    create_adviser,
    create_call,
    create_case,
    make_token,
    record_call,
    use_settings,
)

PHONE = "+4522345678"
# 10:00 in Copenhagen on a working day: the lines are open.
TUESDAY_MORNING = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


def with_number(days: float, phone: str | None = PHONE) -> dict[str, Any]:
    at = BASE_TIME + timedelta(days=days)
    if phone is None:
        return closed_call(at)
    return closed_call(at, callback_requested=True, callback_phone=phone)


def related(client, call: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = client.get(f"/calls/{call['id']}/related", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def key_of(session, call: dict[str, Any]) -> str | None:
    return session.execute(
        sa.select(Call.callback_phone_key).where(Call.id == uuid.UUID(call["id"]))
    ).scalar_one()


def link(client, case: dict[str, Any], call: dict[str, Any]) -> None:
    response = client.post(f"/cases/{case['id']}/calls", json={"call_id": call["id"]})
    assert response.status_code == 200, response.text


def set_case(session, case: dict[str, Any], **values: Any) -> None:
    session.execute(sa.update(Case).where(Case.id == uuid.UUID(case["id"])).values(**values))
    session.flush()
    session.expire_all()


def test_number_key_is_an_hmac_of_the_number_under_the_secret():
    assert number_key("s", PHONE) == number_key("s", PHONE)
    assert len(number_key("s", PHONE)) == 64
    assert number_key("s", PHONE) != number_key("t", PHONE)
    assert number_key("s", PHONE) != number_key("s", "+4522345679")
    # Known value: HMAC-SHA256(key="s", msg="+4522345678").
    import hashlib
    import hmac

    assert number_key("s", PHONE) == hmac.new(b"s", PHONE.encode(), hashlib.sha256).hexdigest()


def test_calls_10_days_apart_are_related_100_days_apart_are_not(client):
    old = create_call(client, with_number(0))
    near = create_call(client, with_number(90))
    late = create_call(client, with_number(100))
    assert [c["id"] for c in related(client, late)["calls"]] == [near["id"]]
    assert [c["id"] for c in related(client, near)["calls"]] == [old["id"]]
    shown = related(client, late)["calls"][0]
    assert set(shown) == {"id", "received_at", "line", "direction", "status", "case_id"}


def test_ten_days_apart_related_newest_first_and_a_later_call_is_not_earlier(client):
    first = create_call(client, with_number(0))
    second = create_call(client, with_number(5))
    third = create_call(client, with_number(10))
    assert [c["id"] for c in related(client, third)["calls"]] == [second["id"], first["id"]]
    assert related(client, first)["calls"] == []


def test_a_call_without_a_number_relates_to_nothing_by_number(client, session):
    create_call(client, with_number(0))
    anonymous = create_call(client, with_number(1, phone=None))
    assert key_of(session, anonymous) is None
    assert related(client, anonymous) == {"calls": [], "cases": []}


def test_numbers_written_differently_match(client, session):
    old = create_call(client, with_number(0, phone="22 34 56 78"))
    new = create_call(client, with_number(10, phone="+4522345678"))
    assert key_of(session, old) == key_of(session, new) is not None
    assert [c["id"] for c in related(client, new)["calls"]] == [old["id"]]
    other = create_call(client, with_number(11, phone="+4522345679"))
    assert related(client, other)["calls"] == []


def test_the_earlier_calls_case_shows_only_while_open_or_waiting(client, session):
    old = create_call(client, with_number(0))
    new = create_call(client, with_number(10))
    case = create_case(client)
    link(client, case, old)
    [shown] = related(client, new)["cases"]
    assert shown == {
        "id": case["id"],
        "reference": case["reference"],
        "line": "stress",
        "status": "open",
        "owner_adviser_id": case["owner_adviser_id"],
    }
    set_case(session, case, status="waiting", waiting_for="caller")
    assert [c["status"] for c in related(client, new)["cases"]] == ["waiting"]
    set_case(session, case, status="closed", outcome="resolved_by_advice")
    assert related(client, new)["cases"] == []


def test_a_case_of_the_same_workplace_shows_through_the_calls_case(client, session):
    call = create_call(client, with_number(0, phone=None))
    own = create_case(client)
    same = create_case(client)
    elsewhere = create_case(client)
    link(client, own, call)
    set_case(session, own, workplace_cvr="12345678")
    set_case(session, same, workplace_cvr="12345678")
    set_case(session, elsewhere, workplace_cvr="87654321")
    ids = {c["id"] for c in related(client, call)["cases"]}
    assert ids == {own["id"], same["id"]}
    # Without a CVR number on the call's case, only the case itself.
    set_case(session, own, workplace_cvr=None)
    assert {c["id"] for c in related(client, call)["cases"]} == {own["id"]}


def test_earlier_calls_of_the_same_workplace_are_related_within_90_days(client, session):
    # Three anonymous callers from one workplace, each in a case of its own.
    old = create_call(client, with_number(0, phone=None))
    near = create_call(client, with_number(50, phone=None))
    now = create_call(client, with_number(100, phone=None))
    unlinked = create_call(client, with_number(60, phone=None))
    other_place = create_call(client, with_number(70, phone=None))
    for call, cvr in [(old, "12345678"), (near, "12345678"), (now, "12345678")]:
        case = create_case(client)
        link(client, case, call)
        set_case(session, case, workplace_cvr=cvr)
    elsewhere = create_case(client)
    link(client, elsewhere, other_place)
    set_case(session, elsewhere, workplace_cvr="87654321")
    # 100 days after `old` (out of reach), 50 after `near`; `unlinked` has no workplace.
    assert [c["id"] for c in related(client, now)["calls"]] == [near["id"]]
    assert related(client, unlinked)["calls"] == []
    assert [c["id"] for c in related(client, near)["calls"]] == [old["id"]]


def test_the_key_changes_with_the_secret(client, session):
    default = create_call(client, with_number(0))
    use_settings(client, number_key="another-secret")
    other = create_call(client, with_number(10))
    assert key_of(session, default) == number_key(Settings().number_key, PHONE)
    assert key_of(session, other) == number_key("another-secret", PHONE)
    assert related(client, other)["calls"] == []  # older keys no longer match


def test_a_changed_number_changes_its_key(client, session):
    call = create_call(client, with_number(0))
    changed = client.patch(f"/calls/{call['id']}", json={"callback_phone": "+4533445566"})
    assert changed.status_code == 200, changed.text
    assert key_of(session, call) == number_key(Settings().number_key, "+4533445566")
    cleared = client.patch(
        f"/calls/{call['id']}", json={"callback_phone": None, "callback_requested": False}
    )
    assert cleared.status_code == 200, cleared.text
    assert key_of(session, call) is None


def test_retention_erases_the_key_with_the_number(client, session, clock):
    call = create_call(client, with_number(0))
    assert key_of(session, call) is not None
    clock.set(BASE_TIME + timedelta(days=400))
    response = client.post("/retention/run")
    assert response.status_code == 200, response.text
    assert response.json()["phones_erased"] == 1
    session.expire_all()
    stored = session.execute(
        sa.select(Call.callback_phone, Call.callback_phone_key).where(
            Call.id == uuid.UUID(call["id"])
        )
    ).one()
    assert tuple(stored) == (None, None)


def test_an_adviser_out_of_reach_of_the_call_gets_403(client, session, clock):
    call = create_call(client, with_number(0))
    me = create_adviser(client)
    headers = bearer(make_token(session, "adviser", adviser_id=me["id"], now=clock()))
    response = client.get(f"/calls/{call['id']}/related", headers=headers)
    assert response.status_code == 403, response.text


def test_the_answer_of_recording_a_call_shows_its_repeat_contact(client):
    old = create_call(client, with_number(0))
    case = create_case(client, call_ids=[old["id"]])
    new = record_call(client, with_number(10))
    assert [c["id"] for c in new["related"]["calls"]] == [old["id"]]
    assert [c["id"] for c in new["related"]["cases"]] == [case["id"]]
    # The same as GET /calls/{id}/related, beside the call's own fields.
    assert new["related"] == related(client, new)
    assert new["id"] and new["status"] == "closed"


def test_the_answer_of_recording_an_anonymous_call_matches_nothing(client):
    create_call(client, with_number(0))
    anonymous = record_call(client, with_number(1, phone=None))
    assert anonymous["related"] == {"calls": [], "cases": []}


def test_a_replayed_recording_shows_the_repeat_contact_as_it_is_now(client):
    body = with_number(10)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/calls", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["related"]["calls"] == []
    # An earlier call recorded since (after the fact) shows on the retry's answer.
    earlier = create_call(client, with_number(5))
    again = client.post("/calls", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert [c["id"] for c in again.json()["related"]["calls"]] == [earlier["id"]]


def test_the_call_offered_to_an_adviser_shows_its_repeat_contact(client, session, clock):
    clock.set(TUESDAY_MORNING)  # the lines are open: the callback is due at once
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    clock.advance(300)
    desk.ok(call["id"], "end", adviser)
    desk.ok(
        call["id"],
        "close",
        adviser,
        **CLASSIFICATION,
        callback_requested=True,
        callback_phone=PHONE,
        open_case={"title": "Trusler på botilbud"},
    )
    board = client.get(f"/advisers/{adviser}/calls")
    assert board.status_code == 200, board.text
    (offered,) = board.json()["current"]
    # The callback, offered at once (the lines are open), relates to the call it returns
    # and to that call's case.
    assert offered["status"] == "assigned" and offered["origin_call_id"] == call["id"]
    assert [c["id"] for c in offered["related"]["calls"]] == [call["id"]]
    case_id = desk.call(call["id"])["case_id"]
    assert case_id is not None
    assert [c["id"] for c in offered["related"]["cases"]] == [case_id]
    # The calls taken before carry no repeat contact: only calls in hand do.
    assert all("related" not in c for c in board.json()["recent"])
