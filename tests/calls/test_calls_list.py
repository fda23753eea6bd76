"""GET /calls: order, every filter, time zones in filters and keyset pagination."""

import base64
import json
import uuid
from datetime import timedelta

import pytest

from service.advisers.models import Adviser
from service.taxonomy.models import IssueCategory
from tests.factories import (
    BASE_TIME,
    assert_problem,
    closed_call,
    create_call,
    deactivate,
    iso,
    live_call,
    random_id,
)

ADVISER_A = "0190b3f2-6c1e-7a55-8a4e-3f1c2d4b5a60"
ADVISER_B = "0190b3f2-6c1e-7a55-8a4e-3f1c2d4b5a61"


def at(**delta: float):
    return BASE_TIME + timedelta(**delta)


def listed(client, **params):
    response = client.get("/calls", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def calls(client, session):
    """Six calls that differ in every filtered attribute, keyed by a short name."""
    for number, adviser_id in enumerate((ADVISER_A, ADVISER_B)):
        session.add(Adviser(id=uuid.UUID(adviser_id), name=f"R{number}", email=f"r{number}@x.dk"))
    session.commit()
    answered = {"answered_at": iso(at(hours=3, seconds=20))}
    payloads = {
        "a": closed_call(at(), adviser_id=ADVISER_A),
        "b": closed_call(
            at(hours=1),
            line="managers",
            caller_type="manager",
            sector="education",
            issue_categories=["violence", "workload"],
            adviser_id=ADVISER_B,
        ),
        "c": live_call(at(hours=2)),
        "d": live_call(at(hours=3), adviser_id=ADVISER_A, **answered),
        "e": live_call(at(days=1), line="managers", ended_at=iso(at(days=1, minutes=2))),
        "f": closed_call(
            at(days=1, hours=1),
            status="wrap_up",
            caller_type="hr",
            sector="education",
            issue_categories=["own_stress"],
            adviser_id=ADVISER_B,
        ),
    }
    return {name: create_call(client, payload) for name, payload in payloads.items()}


def names(calls, body):
    by_id = {call["id"]: name for name, call in calls.items()}
    return "".join(by_id[item["id"]] for item in body["items"])


def test_newest_first_by_received_at(client, calls):
    body = listed(client)
    assert names(calls, body) == "fedcba"
    assert body["next_cursor"] is None
    assert body["items"][0] == calls["f"]


def test_ties_on_received_at_are_broken_by_id_descending(client):
    # Calls 0, 2, 4 share one instant and 1, 3, 5 a later one; ids grow with creation.
    created = [create_call(client, live_call(at(hours=n % 2))) for n in range(6)]
    ids = [item["id"] for item in listed(client)["items"]]
    assert ids == [created[n]["id"] for n in (5, 3, 1, 4, 2, 0)]
    assert ids[:3] == sorted(ids[:3], reverse=True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"line": "stress"}, "fdca"),
        ({"line": "managers"}, "eb"),
        ({"status": "closed"}, "ba"),
        ({"status": "queued"}, "c"),
        ({"status": "in_progress"}, "d"),
        ({"status": "wrap_up"}, "f"),
        ({"status": "abandoned"}, "e"),
        ({"status": "assigned"}, ""),
        ({"adviser_id": ADVISER_A}, "da"),
        ({"adviser_id": ADVISER_B}, "fb"),
        ({"adviser_id": random_id()}, ""),
        ({"caller_type": "manager"}, "b"),
        ({"caller_type": "employee"}, "a"),
        ({"sector": "education"}, "fb"),
        ({"issue_category": "workload"}, "ba"),
        ({"issue_category": "violence"}, "b"),
        ({"issue_category": "emotional_demands"}, "a"),
        ({"issue_category": "own_stress"}, "f"),
        ({"issue_category": "moral_stress"}, ""),
        ({"received_from": iso(at(hours=2))}, "fedc"),
        ({"received_to": iso(at(hours=2))}, "ba"),
        ({"received_from": iso(at(hours=1)), "received_to": iso(at(hours=3))}, "cb"),
        ({"received_from": iso(at(hours=2)), "received_to": iso(at(hours=2))}, ""),
        ({"line": "stress", "status": "closed"}, "a"),
        ({"line": "managers", "issue_category": "workload"}, "b"),
        ({"sector": "education", "line": "stress"}, "f"),
        ({"adviser_id": ADVISER_A, "received_from": iso(at(hours=1))}, "d"),
        ({"line": "managers", "caller_type": "employee"}, ""),
    ],
)
def test_filters(client, calls, params, expected):
    assert names(calls, listed(client, **params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # 11:00+02:00 is 09:00Z (call a); 13:00+02:00 is 11:00Z (call c).
        ({"received_from": "2025-06-02T13:00:00+02:00"}, "fedc"),
        ({"received_to": "2025-06-02T13:00:00+02:00"}, "ba"),
        ({"received_to": "2025-06-02T11:00:00+02:00"}, ""),
        (
            {
                "received_from": "2025-06-02T11:00:00+02:00",
                "received_to": "2025-06-02T06:00:00-05:00",
            },
            "ba",
        ),
        ({"received_from": "2025-06-02T09:00:01+00:00"}, "fedcb"),
    ],
)
def test_time_filters_compare_instants_whatever_the_offset(client, calls, params, expected):
    assert names(calls, listed(client, **params)) == expected


def test_filtering_by_a_retired_category_still_finds_old_calls(client, session, calls):
    deactivate(session, IssueCategory, "violence")
    assert names(calls, listed(client, issue_category="violence")) == "b"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"received_from": "2025-06-02T09:00:00"}, "received_from"),
        ({"received_to": "2025-06-02T09:00:00"}, "received_to"),
        ({"received_from": "yesterday"}, "received_from"),
        ({"line": "hotline_3"}, "line"),
        ({"line": "STRESS"}, "line"),
        ({"caller_type": "astronaut"}, "caller_type"),
        ({"sector": "space"}, "sector"),
        ({"issue_category": "boredom"}, "issue_category"),
        ({"status": "lost"}, "status"),
        ({"adviser_id": "anna"}, "adviser_id"),
        ({"colour": "red"}, "colour"),
        ({"page": "2"}, "page"),
        ({"offset": "10"}, "offset"),
    ],
)
def test_invalid_filters_are_refused_naming_the_parameter(client, calls, params, field):
    body = assert_problem(client.get("/calls", params=params), 422, field)
    assert body["errors"][0]["location"] == "query"
    assert body["instance"] == "/calls"


@pytest.fixture
def seven(client):
    """Seven calls, three of them at one instant and two at another."""
    times = [
        at(),
        at(minutes=5),
        at(minutes=5),
        at(minutes=5),
        at(minutes=9),
        at(minutes=9),
        at(hours=1),
    ]
    created = [create_call(client, live_call(moment)) for moment in times]
    return sorted(created, key=lambda call: (call["received_at"], call["id"]), reverse=True)


def walk(client, **params):
    pages, cursor = [], None
    while True:
        page = listed(client, **params, **({"cursor": cursor} if cursor else {}))
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "pagination does not end"


@pytest.mark.parametrize(
    ("limit", "sizes"), [(2, [2, 2, 2, 1]), (3, [3, 3, 1]), (6, [6, 1]), (7, [7]), (500, [7])]
)
def test_walking_every_page_lists_each_call_once_in_order(client, seven, limit, sizes):
    pages = walk(client, limit=limit)
    assert [len(page) for page in pages] == sizes
    walked = [item["id"] for page in pages for item in page]
    assert walked == [call["id"] for call in seven]
    assert walked == [item["id"] for item in listed(client)["items"]]


def test_pagination_keeps_the_filters(client, seven):
    create_call(client, closed_call(at(minutes=5)))
    pages = walk(client, limit=2, status="queued")
    assert [item["id"] for page in pages for item in page] == [call["id"] for call in seven]


def test_limit_defaults_to_50(client):
    created = [create_call(client, live_call(at(minutes=n))) for n in range(51)]
    first = listed(client)
    assert len(first["items"]) == 50
    assert first["next_cursor"] is not None
    second = listed(client, cursor=first["next_cursor"])
    assert [item["id"] for item in second["items"]] == [created[0]["id"]]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "501", "-1", "ten", ""])
def test_limit_out_of_range_is_refused(client, limit):
    assert_problem(client.get("/calls", params={"limit": limit}), 422, "limit")


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!!",
        "",
        "x" * 300,
        encoded("[]"),
        encoded("null"),
        encoded(json.dumps({"at": "2025-06-02T09:00:00", "id": random_id()})),
        encoded(json.dumps({"at": "2025-06-02T09:00:00Z", "id": "nope"})),
        encoded(json.dumps({"at": "soon", "id": random_id()})),
        encoded(json.dumps({"at": "2025-06-02T09:00:00Z"})),
    ],
)
def test_garbage_cursor_is_refused_naming_cursor(client, seven, cursor):
    body = assert_problem(client.get("/calls", params={"cursor": cursor}), 422, "cursor")
    assert body["errors"][0]["location"] == "query"
