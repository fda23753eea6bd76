"""POST /calls and GET /calls/{id}: recording a call, its derived status and every refusal."""

import uuid
from datetime import UTC, timedelta

import pytest

from tests.factories import (
    BASE_TIME,
    assert_problem,
    closed_call,
    count_rows,
    create_adviser,
    create_call,
    error_fields,
    in_future,
    iso,
    live_call,
    parse_time,
    random_id,
)


def at(**delta: float) -> str:
    return iso(BASE_TIME + timedelta(**delta))


def without(payload: dict, *names: str) -> dict:
    return {key: value for key, value in payload.items() if key not in names}


ANSWERED = {"answered_at": at(seconds=30)}
ENDED = {"ended_at": at(minutes=10)}


def test_post_answers_201_with_location_and_the_call(client):
    adviser = create_adviser(client)
    payload = closed_call(industry_code="873000", adviser_id=adviser["id"])
    response = client.post("/calls", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/calls/{body['id']}"
    for name in (
        *("line", "direction", "caller_type", "sector", "industry_code", "workplace_size"),
        *("issue_categories", "advice", "stress_reported", "notes", "language", "adviser_id"),
    ):
        assert body[name] == payload[name], name
    for name in ("received_at", "answered_at", "ended_at"):
        assert parse_time(body[name]) == parse_time(payload[name]), name
    assert body["version"] == 1
    assert body["callback_requested"] is False
    assert body["callback_phone"] is None


def test_ids_are_uuid7_and_sort_by_creation(client):
    # Received in reverse order, so only the creation order can explain a sorted id list.
    bodies = [create_call(client, live_call(BASE_TIME - timedelta(hours=n))) for n in range(6)]
    ids = [uuid.UUID(body["id"]) for body in bodies]
    assert all(call_id.version == 7 for call_id in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_get_returns_what_post_returned(client):
    created = create_call(client, live_call(notes="Venter i kø."))
    response = client.get(f"/calls/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_get_unknown_id_is_404_problem(client):
    create_call(client)
    missing = random_id()
    body = assert_problem(client.get(f"/calls/{missing}"), 404)
    assert body["instance"] == f"/calls/{missing}"


@pytest.mark.parametrize("call_id", ["42", "not-a-uuid", "0190b3f2-zzzz-7000-8000-000000000000"])
def test_get_malformed_id_is_422_naming_call_id(client, call_id):
    body = assert_problem(client.get(f"/calls/{call_id}"), 422, "call_id")
    assert body["errors"][0]["location"] == "path"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (live_call(), "queued"),
        (live_call(**ENDED), "abandoned"),
        (live_call(**ANSWERED), "in_progress"),
        (live_call(**ANSWERED, **ENDED), "wrap_up"),
        (live_call(status="queued"), "queued"),
        (live_call(**ENDED, status="abandoned"), "abandoned"),
        (live_call(**ANSWERED, status="in_progress"), "in_progress"),
        (live_call(**ANSWERED, **ENDED, status="wrap_up"), "wrap_up"),
        (without(closed_call(), "status"), "wrap_up"),
    ],
)
def test_status_follows_from_the_timestamps(client, payload, status):
    body = create_call(client, payload)
    assert body["status"] == status
    assert body["closed_at"] is None


def test_closing_defaults_closed_at_to_ended_at(client):
    payload = closed_call()
    body = create_call(client, payload)
    assert body["status"] == "closed"
    assert parse_time(body["closed_at"]) == parse_time(payload["ended_at"])


@pytest.mark.parametrize("status", [None, "closed"])
def test_explicit_closed_at_closes_the_call(client, status):
    closed_at = BASE_TIME + timedelta(minutes=20)
    payload = without(closed_call(closed_at=iso(closed_at)), "status")
    if status:
        payload["status"] = status
    body = create_call(client, payload)
    assert body["status"] == "closed"
    assert parse_time(body["closed_at"]) == closed_at


@pytest.mark.parametrize(
    "payload",
    [
        live_call(status="in_progress"),
        live_call(status="wrap_up"),
        live_call(status="abandoned"),
        live_call(status="closed"),
        live_call(**ENDED, status="queued"),
        live_call(**ANSWERED, status="queued"),
        live_call(**ANSWERED, status="wrap_up"),
        live_call(**ANSWERED, **ENDED, status="in_progress"),
        live_call(**ANSWERED, **ENDED, status="abandoned"),
        pytest.param(
            closed_call(closed_at=at(minutes=20), status="wrap_up"), id="closed_at-with-wrap_up"
        ),
    ],
)
def test_status_contradicting_the_timestamps_is_refused(client, session, payload):
    refused(client, session, payload, "status")


NAIVE = "2025-06-02T09:00:30"
PHONE = {"callback_requested": True, "callback_phone": "22345678"}

INVALID = [
    # Order of the timestamps.
    (live_call(answered_at=at(seconds=-1)), ["answered_at"]),
    (live_call(answered_at=at(minutes=5), ended_at=at(minutes=4)), ["ended_at"]),
    (live_call(ended_at=at(seconds=-1)), ["ended_at"]),
    (closed_call(closed_at=at(minutes=11)), ["closed_at"]),
    # Naive and future timestamps.
    (live_call() | {"received_at": NAIVE}, ["received_at"]),
    (live_call(answered_at=NAIVE), ["answered_at"]),
    (live_call(**ANSWERED, ended_at=NAIVE), ["ended_at"]),
    (closed_call(closed_at="2025-06-02T10:00:00"), ["closed_at"]),
    (live_call() | {"received_at": in_future()}, ["received_at"]),
    (live_call(answered_at=in_future()), ["answered_at"]),
    (live_call(**ANSWERED, ended_at=in_future()), ["ended_at"]),
    (closed_call(closed_at=in_future()), ["closed_at"]),
    # Codes that are not in the code lists.
    (live_call(line="hotline_3"), ["line"]),
    (live_call(line="Stress Line"), ["line"]),
    (live_call(caller_type="astronaut"), ["caller_type"]),
    (live_call(sector="space"), ["sector"]),
    (live_call(issue_categories=["workload", "boredom"]), ["issue_categories.1"]),
    (live_call(issue_categories=["Workload"]), ["issue_categories.0"]),
    (live_call(advice=["horoscope", "apv"]), ["advice.0"]),
    (live_call(issue_categories=["violence", "workload", "violence"]), ["issue_categories"]),
    (live_call(advice=["apv", "apv"]), ["advice"]),
    # Closing needs an answered, classified call.
    (closed_call(caller_type=None), ["caller_type"]),
    (without(closed_call(), "sector"), ["sector"]),
    (closed_call(issue_categories=[]), ["issue_categories"]),
    (without(closed_call(), "advice"), ["advice"]),
    (closed_call(callback_requested=True), ["callback_phone"]),
    # Free text and the other attributes.
    (live_call(notes="x" * 4001), ["notes"]),
    (live_call(notes="before\x00after"), ["notes"]),
    (live_call(industry_code="87300"), ["industry_code"]),
    (live_call(industry_code="8730001"), ["industry_code"]),
    (live_call(industry_code="87300a"), ["industry_code"]),
    (live_call(workplace_size="5-10"), ["workplace_size"]),
    (live_call(workplace_size="250"), ["workplace_size"]),
    (live_call(language="de"), ["language"]),
    (live_call(direction="sideways"), ["direction"]),
    (live_call(adviser_id="anna"), ["adviser_id"]),
    # Callback numbers.
    (live_call(callback_phone="22345678"), ["callback_phone"]),
    (live_call(callback_requested=False, callback_phone="22345678"), ["callback_phone"]),
    *[
        (live_call(callback_requested=True, callback_phone=phone), ["callback_phone"])
        for phone in ("2234567", "02345678", "12345678", "2234567a", "call me", "223456789")
    ],
    # Fields the client may not send.
    (live_call(colour="red"), ["colour"]),
    (live_call(id=random_id()), ["id"]),
    (live_call(version=3), ["version"]),
    (without(live_call(), "line"), ["line"]),
    (without(live_call(), "received_at"), ["received_at"]),
]


def refused(client, session, payload, *fields):
    """Post a payload that must be refused and check that nothing was stored."""
    create_call(client, closed_call(BASE_TIME - timedelta(days=1)))
    before = count_rows(session)
    body = assert_problem(client.post("/calls", json=payload), 422, *fields)
    assert count_rows(session) == before
    assert body["instance"] == "/calls"
    return body


@pytest.mark.parametrize(("payload", "fields"), INVALID)
def test_invalid_call_is_refused_naming_the_field_and_stores_nothing(
    client, session, payload, fields
):
    refused(client, session, payload, *fields)


@pytest.mark.parametrize(
    "payload",
    [
        without(closed_call(), "answered_at"),
        live_call(**ENDED, caller_type="employee", sector="education", status="closed")
        | {"issue_categories": ["workload"], "advice": ["apv"]},
    ],
)
def test_closing_an_unanswered_call_is_refused(client, session, payload):
    body = refused(client, session, payload)
    assert error_fields(body) <= {"status", "closed_at"}


def test_closing_an_unclassified_call_names_every_missing_field(client, session):
    payload = live_call(**ANSWERED, **ENDED, status="closed", callback_requested=True)
    refused(
        client,
        session,
        payload,
        "caller_type",
        "sector",
        "issue_categories",
        "advice",
        "callback_phone",
    )


@pytest.mark.parametrize(
    "content",
    [b"{", b'{"line": "stress",}', b"not json", b"", b"[]", b'"stress"', b"\xff\xfe"],
)
def test_malformed_json_is_a_422_problem_and_stores_nothing(client, session, content):
    create_call(client)
    before = count_rows(session)
    response = client.post("/calls", content=content, headers={"content-type": "application/json"})
    assert_problem(response, 422)
    assert count_rows(session) == before


@pytest.mark.parametrize(
    "phone", ["22 34 56 78", "+45 22-34-56-78", "004522345678", "+4522345678", "22345678"]
)
def test_callback_phone_is_normalised(client, phone):
    body = create_call(client, closed_call(callback_requested=True, callback_phone=phone))
    assert body["callback_phone"] == "+4522345678"
    assert body["status"] == "closed"


def test_boundary_values_are_accepted(client):
    body = create_call(client, live_call(notes="æ" * 4000, industry_code="000000", language="en"))
    assert len(body["notes"]) == 4000
    assert (body["industry_code"], body["language"]) == ("000000", "en")


@pytest.mark.parametrize("size", ["1-9", "10-49", "50-249", "250+"])
def test_every_workplace_size_is_accepted(client, size):
    assert create_call(client, live_call(workplace_size=size))["workplace_size"] == size


def test_times_come_back_in_utc_as_the_same_instant(client):
    sent = {
        "received_at": "2025-06-02T11:00:00+02:00",
        "answered_at": "2025-06-02T11:00:20+02:00",
        "ended_at": "2025-06-02T04:15:00-05:00",
    }
    created = create_call(client, closed_call() | sent)
    for body in (created, client.get(f"/calls/{created['id']}").json()):
        for name, text in sent.items():
            returned = parse_time(body[name])
            assert returned == parse_time(text), name
            assert returned.utcoffset() == timedelta(0), body[name]
        for name in ("closed_at", "created_at", "updated_at"):
            assert parse_time(body[name]).utcoffset() == timedelta(0), body[name]
    assert parse_time(created["closed_at"]) == BASE_TIME.replace(hour=9, minute=15, tzinfo=UTC)
