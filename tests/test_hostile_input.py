"""Input a client should never send still gets a clear 4xx, never a 500, and stores nothing."""

import pytest
import sqlalchemy as sa

from service.calls.models import Call
from tests.factories import closed_call, live_call


def _count_calls(session) -> int:
    return session.exec(sa.select(sa.func.count()).select_from(Call)).one()[0]


@pytest.mark.parametrize(
    "received_at",
    [
        "0001-01-01T00:00:00+01:00",  # overflows when converted to UTC
        "1999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
    ],
)
def test_dates_far_from_now_are_refused(client, session, received_at):
    response = client.post("/calls", json=live_call() | {"received_at": received_at})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["received_at"]
    assert _count_calls(session) == 0


@pytest.mark.parametrize(
    "bound",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1717315200", "2025-06-02T09:00"],
)
def test_extreme_filter_bounds_are_refused_not_crashed_on(client, bound):
    response = client.get("/calls", params={"received_from": bound})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_from"


def test_lone_surrogates_in_notes_are_refused(client, session):
    body = b'{"line": "stress", "received_at": "2025-06-02T09:00:00Z", "notes": "x\\ud800y"}'
    response = client.post("/calls", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "notes"
    assert _count_calls(session) == 0


@pytest.mark.parametrize(
    "text",
    ["Æblegrød på Ærø, øl og å", "Stress 😮‍💨 på jobbet", "\u202eRTL mark", "tab\tand\nnewline"],
)
def test_unicode_in_notes_is_stored_as_sent(client, text):
    created = client.post("/calls", json=closed_call(notes=text))
    assert created.status_code == 201, created.text
    assert client.get(f"/calls/{created.json()['id']}").json()["notes"] == text


@pytest.mark.parametrize(
    "params",
    [
        {"line": "stress' OR '1'='1"},
        {"sector": "x; DROP TABLE call; --"},
        {"issue_category": "workload\x00"},
        {"status": "closed' --"},
        {"adviser_id": "1 OR 1=1"},
        {"cursor": "' OR 1=1 --"},
        {"limit": "10; DELETE FROM call"},
    ],
)
def test_injection_attempts_in_filters_are_refused(client, session, params):
    client.post("/calls", json=closed_call())
    response = client.get("/calls", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _count_calls(session) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stress_reported", "maybe"),
        ("stress_reported", "yes"),  # lax parsing would read this as true
        ("callback_requested", 1),
        ("issue_categories", "workload"),
        ("advice", [1, 2]),
        ("received_at", 1717315200),
        ("received_at", "1717315200"),
        ("line", ["stress"]),
        ("callback_requested", None),
    ],
)
def test_wrong_types_name_the_field(client, session, field, value):
    response = client.post("/calls", json=closed_call() | {field: value})
    assert response.status_code == 422
    assert field in {e["field"].split(".")[0] for e in response.json()["errors"]}
    assert _count_calls(session) == 0


def test_a_body_that_is_not_an_object_is_refused(client):
    response = client.post("/calls", json=["line", "stress"])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
