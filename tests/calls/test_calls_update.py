"""PATCH /calls/{id}: partial updates, lists, versions, closing, reopening and retired codes."""

from datetime import timedelta

import pytest

from service.taxonomy.models import AdviceType, CallerType, IssueCategory, Line, Sector
from tests.factories import (
    BASE_TIME,
    assert_problem,
    closed_call,
    count_rows,
    create_adviser,
    create_call,
    deactivate,
    in_future,
    iso,
    live_call,
    parse_time,
    random_id,
)

ANSWERED_AT = iso(BASE_TIME + timedelta(seconds=40))
ENDED_AT = iso(BASE_TIME + timedelta(minutes=9))
CLASSIFICATION = {
    "caller_type": "manager",
    "sector": "education",
    "issue_categories": ["organisation_change"],
    "advice": ["rules"],
}


def patch(client, call, changes):
    return client.patch(f"/calls/{call['id']}", json=changes)


def patched(client, call, changes):
    response = patch(client, call, changes)
    assert response.status_code == 200, response.text
    return response.json()


def stored(client, call):
    response = client.get(f"/calls/{call['id']}")
    assert response.status_code == 200
    return response.json()


def refused(client, session, call, changes, *fields):
    """Send a PATCH that must be refused and check that the stored call did not change."""
    before, rows = stored(client, call), count_rows(session)
    body = assert_problem(patch(client, call, changes), 422, *fields)
    assert stored(client, call) == before
    assert count_rows(session) == rows
    return body


def test_partial_update_changes_only_the_fields_sent(client, clock):
    call = create_call(client, closed_call(industry_code="873000"))
    clock.advance(1)
    body = patched(client, call, {"notes": "Ny note.", "workplace_size": "250+"})
    assert (body["notes"], body["workplace_size"]) == ("Ny note.", "250+")
    for name, value in call.items():
        if name not in {"notes", "workplace_size", "version", "updated_at"}:
            assert body[name] == value, name
    assert body["version"] == call["version"] + 1
    assert parse_time(body["updated_at"]) == clock.now > parse_time(call["updated_at"])
    assert body["created_at"] == call["created_at"]
    assert stored(client, call) == body


@pytest.mark.parametrize(
    "categories",
    [
        ["emotional_demands", "workload"],
        ["violence"],
        ["own_stress", "workload", "moral_stress", "working_hours"],
    ],
)
def test_lists_replace_the_stored_list_in_the_order_sent(client, categories):
    call = create_call(client, closed_call(issue_categories=["workload", "emotional_demands"]))
    body = patched(client, call, {"issue_categories": categories, "advice": ["bfa", "apv"]})
    assert body["issue_categories"] == categories
    assert body["advice"] == ["bfa", "apv"]
    assert stored(client, call)["issue_categories"] == categories


def test_reordering_changes_the_primary_category_and_the_version(client):
    call = create_call(client, closed_call(issue_categories=["workload", "violence"]))
    body = patched(client, call, {"issue_categories": ["violence", "workload"]})
    assert body["issue_categories"][0] == "violence"
    assert body["version"] == 2
    back = patched(client, call, {"issue_categories": ["workload", "violence"]})
    assert (back["issue_categories"], back["version"]) == (["workload", "violence"], 3)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"notes": closed_call()["notes"], "line": "stress", "status": "closed"},
        {"issue_categories": ["workload", "emotional_demands"]},
        {"received_at": "2025-06-02T11:00:00+02:00"},
    ],
)
def test_patch_that_changes_nothing_keeps_the_version(client, changes):
    call = create_call(client, closed_call())
    body = patched(client, call, changes)
    assert body == call
    assert stored(client, call) == call


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("notes", "Noter."),
        ("industry_code", "873000"),
        ("workplace_size", "1-9"),
        ("caller_type", "hr"),
        ("sector", "energy"),
        ("answered_at", ANSWERED_AT),
        ("ended_at", ENDED_AT),
    ],
)
def test_null_clears_an_optional_field(client, name, value):
    call = create_call(client, live_call(**{name: value}))
    assert call[name] is not None
    body = patched(client, call, {name: None})
    assert body[name] is None
    assert body["version"] == 2
    assert stored(client, call)[name] is None


def test_null_clears_the_adviser_of_a_closed_call(client):
    adviser = create_adviser(client)
    call = create_call(client, closed_call(adviser_id=adviser["id"]))
    body = patched(client, call, {"adviser_id": None})
    assert (body["adviser_id"], body["version"]) == (None, 2)


def test_an_unknown_adviser_is_refused(client, session):
    call = create_call(client, closed_call())
    refused(client, session, call, {"adviser_id": random_id()}, "adviser_id")


def test_null_clears_the_callback_phone(client):
    call = create_call(client, live_call(callback_requested=True, callback_phone="22345678"))
    body = patched(client, call, {"callback_phone": None})
    assert (body["callback_phone"], body["callback_requested"]) == (None, True)


@pytest.mark.parametrize(
    "name",
    [
        *("line", "direction", "received_at", "issue_categories", "advice"),
        *("stress_reported", "callback_requested", "language"),
    ],
)
def test_null_on_a_required_field_is_refused(client, session, name):
    call = create_call(client, closed_call())
    refused(client, session, call, {name: None}, name)


def test_status_follows_the_timestamps_as_they_are_patched(client):
    call = create_call(client, live_call(answered_at=ANSWERED_AT))
    assert call["status"] == "in_progress"
    assert patched(client, call, {"ended_at": ENDED_AT})["status"] == "wrap_up"
    assert patched(client, call, {"answered_at": None})["status"] == "abandoned"


@pytest.mark.parametrize(
    "changes",
    [
        {"answered_at": ANSWERED_AT},
        {"ended_at": ENDED_AT},
        {"status": "abandoned"},
        {"line": "managers"},
        {"received_at": iso(BASE_TIME + timedelta(seconds=5))},
    ],
)
def test_a_waiting_live_call_moves_only_through_call_actions(client, session, changes):
    call = create_call(client, live_call())
    assert call["status"] == "queued"
    before = stored(client, call)
    body = assert_problem(patch(client, call, changes), 409)
    assert body["call_status"] == "queued"
    assert stored(client, call) == before


def test_a_waiting_live_call_can_still_be_classified(client):
    call = create_call(client, live_call())
    body = patched(client, call, {"caller_type": "manager", "notes": "Ringer om en medarbejder."})
    assert (body["status"], body["caller_type"]) == ("queued", "manager")


def test_closing_and_reopening_by_patch(client):
    call = create_call(client, live_call(answered_at=ANSWERED_AT, ended_at=ENDED_AT))
    assert call["status"] == "wrap_up"
    closed = patched(client, call, {"status": "closed", **CLASSIFICATION})
    assert closed["status"] == "closed"
    assert parse_time(closed["closed_at"]) == parse_time(ENDED_AT)
    assert {k: closed[k] for k in CLASSIFICATION} == CLASSIFICATION
    assert closed["version"] == 2

    reopened = patched(client, call, {"status": "wrap_up"})
    assert (reopened["status"], reopened["closed_at"]) == ("wrap_up", None)
    assert reopened["version"] == 3
    assert {k: reopened[k] for k in CLASSIFICATION} == CLASSIFICATION
    assert stored(client, call) == reopened


def test_closing_with_an_explicit_closed_at(client):
    call = create_call(client, live_call(answered_at=ANSWERED_AT, ended_at=ENDED_AT))
    closed_at = BASE_TIME + timedelta(minutes=15)
    body = patched(client, call, {"closed_at": iso(closed_at), **CLASSIFICATION})
    assert body["status"] == "closed"
    assert parse_time(body["closed_at"]) == closed_at


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"caller_type": None}, ["caller_type"]),
        ({"sector": None}, ["sector"]),
        ({"issue_categories": []}, ["issue_categories"]),
        ({"advice": []}, ["advice"]),
        ({"callback_requested": True}, ["callback_phone"]),
        ({"ended_at": None}, ["ended_at"]),
        ({"closed_at": iso(BASE_TIME + timedelta(minutes=1))}, ["closed_at"]),
    ],
)
def test_unclassifying_a_closed_call_is_refused(client, session, changes, fields):
    call = create_call(client, closed_call())
    refused(client, session, call, changes, *fields)


def test_unanswering_a_closed_call_is_refused(client, session):
    call = create_call(client, closed_call())
    body = refused(client, session, call, {"answered_at": None})
    assert {error["field"] for error in body["errors"]} <= {"answered_at", "closed_at", "status"}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"status": "queued"}, ["status"]),
        ({"status": "in_progress"}, ["status"]),
        ({"answered_at": iso(BASE_TIME - timedelta(seconds=1))}, ["answered_at"]),
        ({"received_at": iso(BASE_TIME + timedelta(hours=1))}, ["answered_at"]),
        ({"ended_at": in_future()}, ["ended_at"]),
        ({"received_at": "2025-06-02T09:00:00"}, ["received_at"]),
        ({"line": "hotline_3"}, ["line"]),
        ({"sector": "space"}, ["sector"]),
        ({"advice": ["apv", "horoscope"]}, ["advice.1"]),
        ({"issue_categories": ["workload", "workload"]}, ["issue_categories"]),
        ({"notes": "x" * 4001}, ["notes"]),
        ({"notes": "\x00"}, ["notes"]),
        ({"industry_code": "12"}, ["industry_code"]),
        ({"workplace_size": "huge"}, ["workplace_size"]),
        ({"language": "sv"}, ["language"]),
        ({"callback_phone": "22345678"}, ["callback_phone"]),
        ({"callback_requested": True, "callback_phone": "1234"}, ["callback_phone"]),
        ({"version": 7}, ["version"]),
        ({"status": "wrap_up", "colour": "red"}, ["colour"]),
    ],
)
def test_refused_patch_leaves_the_call_as_it_was(client, session, changes, fields):
    call = create_call(client, live_call(answered_at=ANSWERED_AT, ended_at=ENDED_AT))
    refused(client, session, call, changes, *fields)


def test_patch_normalises_the_callback_phone(client):
    call = create_call(client, live_call())
    body = patched(client, call, {"callback_requested": True, "callback_phone": "+45 22 34 56 78"})
    assert body["callback_phone"] == "+4522345678"


def test_patch_malformed_json_is_refused(client, session):
    call = create_call(client, closed_call())
    response = client.patch(
        f"/calls/{call['id']}", content=b"{notes", headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)
    assert stored(client, call) == call


def test_patch_unknown_or_malformed_id(client):
    create_call(client)
    assert_problem(client.patch(f"/calls/{random_id()}", json={"notes": "x"}), 404)
    assert_problem(client.patch("/calls/nope", json={"notes": "x"}), 422, "call_id")


RETIRED = [
    (Line, "line", "managers"),
    (CallerType, "caller_type", "hr"),
    (Sector, "sector", "energy"),
    (IssueCategory, "issue_categories", "violence"),
    (AdviceType, "advice", "bfa"),
]


@pytest.mark.parametrize(("model", "field", "code"), RETIRED)
def test_retired_code_is_refused_on_new_calls_but_kept_on_old_ones(
    client, session, model, field, code
):
    value = [code] if field in {"issue_categories", "advice"} else code
    named = f"{field}.0" if isinstance(value, list) else field
    old = create_call(client, closed_call(**{field: value}))
    other = create_call(client, closed_call())
    deactivate(session, model, code)

    rows = count_rows(session)
    assert_problem(client.post("/calls", json=closed_call(**{field: value})), 422, named)
    assert count_rows(session) == rows

    body = patched(client, old, {"notes": "Fulgt op.", "status": "wrap_up"})
    assert (body[field], body["version"], body["status"]) == (value, 2, "wrap_up")
    body = patched(client, old, {field: value, "status": "closed"})
    assert (body[field], body["status"]) == (value, "closed")

    refused(client, session, other, {field: value}, named)


def test_retired_category_may_be_reordered_on_an_old_call_but_not_added_back(client, session):
    old = create_call(client, closed_call(issue_categories=["workload", "violence"]))
    deactivate(session, IssueCategory, "violence")
    body = patched(client, old, {"issue_categories": ["violence", "workload"]})
    assert body["issue_categories"] == ["violence", "workload"]
    assert patched(client, old, {"issue_categories": ["workload"]})["version"] == 3
    refused(
        client, session, old, {"issue_categories": ["workload", "violence"]}, "issue_categories.1"
    )


def test_updated_at_follows_the_requests_clock(client, clock):
    call = create_call(client, closed_call())
    assert parse_time(call["updated_at"]) == clock.now
    later = clock.advance(3600)
    body = patched(client, call, {"notes": "Ringet op igen."})
    assert parse_time(body["updated_at"]) == later
    assert parse_time(body["created_at"]) == parse_time(call["created_at"])
