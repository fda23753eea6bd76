"""Input a client should never send still gets a clear 4xx, never a 500, and stores nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from service.calls.models import Call
from tests.desk import CLASSIFICATION, Desk
from tests.factories import (
    adviser_payload,
    assert_problem,
    closed_call,
    create_adviser,
    create_call,
    error_fields,
    live_call,
)


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


# -- free text: every field a person types -------------------------------------------------


@dataclass(frozen=True)
class FreeTextField:
    """A request that carries one free-text field, and where its value can be read back."""

    method: str
    path: str
    field: str
    body: Callable[[str], dict[str, Any]]
    # What the API now shows of the field, once the request succeeded.
    stored: Callable[[], Any]
    # The state that a refused request must leave as it was.
    state: Callable[[], Any]


def _event_reason(desk: Desk, call_id: str, kind: str) -> str | None:
    events = desk.client.get(f"/calls/{call_id}/events").json()
    return next(e["reason"] for e in events if e["type"] == kind)


def _notes_of_a_new_call(desk: Desk) -> FreeTextField:
    def stored() -> Any:
        [call] = desk.client.get("/calls").json()["items"]
        return call["notes"]

    return FreeTextField(
        "POST", "/calls", "notes", lambda text: closed_call(notes=text),
        stored, lambda: desk.client.get("/calls").json()["items"],
    )  # fmt: skip


def _notes_of_a_change(desk: Desk) -> FreeTextField:
    call = create_call(desk.client)
    path = f"/calls/{call['id']}"
    return FreeTextField(
        "PATCH", path, "notes", lambda text: {"notes": text},
        lambda: desk.client.get(path).json()["notes"], lambda: desk.client.get(path).json(),
    )  # fmt: skip


def _notes_on_closing(desk: Desk) -> FreeTextField:
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    desk.ok(call["id"], "end", adviser)
    path = f"/calls/{call['id']}"
    return FreeTextField(
        "POST", f"{path}/close", "notes",
        lambda text: {"adviser_id": adviser, "notes": text} | CLASSIFICATION,
        lambda: desk.client.get(path).json()["notes"], lambda: desk.client.get(path).json(),
    )  # fmt: skip


def _rejection_reason(desk: Desk) -> FreeTextField:
    adviser = desk.adviser()
    call = desk.incoming()
    assert call["adviser_id"] == adviser
    path = f"/calls/{call['id']}"
    return FreeTextField(
        "POST", f"{path}/reject", "reason", lambda text: {"adviser_id": adviser, "reason": text},
        lambda: _event_reason(desk, call["id"], "rejected"),
        lambda: (desk.client.get(path).json(), desk.events(call["id"])),
    )  # fmt: skip


def _transfer_reason(desk: Desk) -> FreeTextField:
    adviser = desk.adviser()
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser)
    path = f"/calls/{call['id']}"
    return FreeTextField(
        "POST", f"{path}/transfer", "reason",
        lambda text: {"adviser_id": adviser, "to_line": "managers", "reason": text},
        lambda: _event_reason(desk, call["id"], "transferred"),
        lambda: (desk.client.get(path).json(), desk.events(call["id"])),
    )  # fmt: skip


def _presence_reason(desk: Desk) -> FreeTextField:
    adviser = desk.adviser()
    path = f"/advisers/{adviser}"

    def stored() -> Any:
        history = desk.client.get(f"{path}/presence").json()
        assert history[0]["reason"] == desk.adviser_state(adviser)["presence_reason"]
        return history[0]["reason"]

    return FreeTextField(
        "PUT", f"{path}/presence", "reason", lambda text: {"presence": "break", "reason": text},
        stored, lambda: (desk.adviser_state(adviser), desk.client.get(f"{path}/presence").json()),
    )  # fmt: skip


def _name_of_a_new_adviser(desk: Desk) -> FreeTextField:
    email = "ny.raadgiver@example.dk"

    def stored() -> Any:
        [adviser] = [a for a in desk.client.get("/advisers").json() if a["email"] == email]
        return adviser["name"]

    return FreeTextField(
        "POST", "/advisers", "name", lambda text: adviser_payload(name=text, email=email),
        stored, lambda: desk.client.get("/advisers").json(),
    )  # fmt: skip


def _name_of_a_changed_adviser(desk: Desk) -> FreeTextField:
    path = f"/advisers/{desk.adviser(available=False)}"
    return FreeTextField(
        "PATCH", path, "name", lambda text: {"name": text},
        lambda: desk.client.get(path).json()["name"], lambda: desk.client.get(path).json(),
    )  # fmt: skip


def _name_of_a_token(desk: Desk) -> FreeTextField:
    email = "ny.leder@example.dk"

    def stored() -> Any:
        # The fixture's own admin token has no name.
        [token] = [t for t in desk.client.get("/tokens").json() if t["name"] is not None]
        [person] = [a for a in desk.client.get("/advisers").json() if a["email"] == email]
        assert person["name"] == token["name"]  # a new person is registered under it
        return token["name"]

    return FreeTextField(
        "POST", "/tokens", "name",
        lambda text: {"email": email, "role": "supervisor", "name": text},
        stored, lambda: (desk.client.get("/tokens").json(), desk.client.get("/advisers").json()),
    )  # fmt: skip


FREE_TEXT_FIELDS = {
    "call notes (POST /calls)": _notes_of_a_new_call,
    "call notes (PATCH /calls/{id})": _notes_of_a_change,
    "call notes (POST /calls/{id}/close)": _notes_on_closing,
    "rejection reason": _rejection_reason,
    "transfer reason": _transfer_reason,
    "presence reason": _presence_reason,
    "adviser name (POST /advisers)": _name_of_a_new_adviser,
    "adviser name (PATCH /advisers/{id})": _name_of_a_changed_adviser,
    "token name": _name_of_a_token,
}


def _row_counts(session) -> dict[str, int]:
    """Rows in every table: what a refused request must leave as it found."""
    session.expire_all()
    return {
        table.name: session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }


@pytest.mark.parametrize("case", FREE_TEXT_FIELDS.values(), ids=FREE_TEXT_FIELDS.keys())
@pytest.mark.parametrize(
    "text", ["\x00", "Mette\x00Sørensen", "pause\x00"], ids=["nul", "nul-inside", "nul-last"]
)
def test_nul_in_free_text_is_422_naming_the_field_and_stores_nothing(
    client, session, clock, case, text
):
    """PostgreSQL text cannot hold NUL: it used to reach the insert there and fail as a 500,
    everywhere but in call notes."""
    desk = Desk(client, session, clock)
    attempt = case(desk)
    state, rows = attempt.state(), _row_counts(session)
    response = client.request(attempt.method, attempt.path, json=attempt.body(text))
    body = assert_problem(response, 422, attempt.field)
    assert "NUL" in body["errors"][0]["reason"]
    assert _row_counts(session) == rows
    assert attempt.state() == state


@pytest.mark.parametrize("case", FREE_TEXT_FIELDS.values(), ids=FREE_TEXT_FIELDS.keys())
@pytest.mark.parametrize(
    "text",
    [
        "Æblegrød på Ærø, øl og å",
        "Stress 😮‍💨 på jobbet 👩🏽‍⚕️",
        "\u202eRTL override\u202c og \u200fmærke\u200e",
        "עברית ועربية",
    ],
    ids=["danish", "emoji", "direction-marks", "rtl-scripts"],
)
def test_unicode_in_free_text_is_stored_as_sent(client, session, clock, case, text):
    desk = Desk(client, session, clock)
    attempt = case(desk)
    response = client.request(attempt.method, attempt.path, json=attempt.body(text))
    assert response.status_code in (200, 201), response.text
    assert attempt.stored() == text


# -- SQL injection in every filter ---------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "x'; DROP TABLE call; --",
    "1 OR 1=1",
    "' UNION SELECT name FROM adviser --",
    "%",
]
WEEK = {"week": "2025-W23"}
# (path, the other parameters it needs, the parameter attacked, what a safe answer is):
# "refused" is a 422 naming the parameter; "empty" a 200 that matches nothing, since no row
# has such a value; "ignored" the same 200 as without the parameter, which the path lacks.
FILTERS = [
    ("/calls", {}, "line", "refused"),
    ("/calls", {}, "status", "refused"),
    ("/calls", {}, "adviser_id", "refused"),
    ("/calls", {}, "caller_type", "refused"),
    ("/calls", {}, "sector", "refused"),
    ("/calls", {}, "issue_category", "refused"),
    ("/calls", {}, "received_from", "refused"),
    ("/calls", {}, "received_to", "refused"),
    ("/calls", {}, "limit", "refused"),
    ("/calls", {}, "cursor", "refused"),
    ("/advisers", {}, "active", "refused"),
    ("/advisers", {}, "line", "refused"),
    ("/advisers", {}, "presence", "refused"),
    ("/advisers", {}, "name", "refused"),  # not a filter: unknown parameters are refused
    ("/reports/weekly", {}, "week", "refused"),
    ("/reports/weekly", WEEK, "line", "refused"),
    ("/reports/weekly", WEEK, "publishable", "refused"),
    ("/reports/weekly", WEEK, "language", "refused"),
    ("/reports/weekly.csv", {}, "week", "refused"),
    ("/reports/weekly.csv", WEEK, "line", "refused"),
    ("/reports/weekly.csv", WEEK, "language", "refused"),
    ("/reports/weekly.xlsx", {}, "week", "refused"),
    ("/reports/weekly.xlsx", WEEK, "line", "refused"),
    ("/reports/weekly.xlsx", WEEK, "publishable", "refused"),
    ("/reports/weekly.xlsx", WEEK, "language", "refused"),
    ("/reports/trend", {"to": "2025-W23"}, "from", "refused"),
    ("/reports/trend", {"from": "2025-W20"}, "to", "refused"),
    ("/reports/trend", {"from": "2025-W20", "to": "2025-W23"}, "line", "refused"),
    ("/reports/abandoned", {}, "week", "refused"),
    ("/reports/abandoned", WEEK, "line", "refused"),
    ("/advisers/{adviser}/figures", {}, "week", "refused"),
    ("/audit", {}, "adviser_id", "refused"),
    ("/audit", {}, "before", "refused"),
    ("/audit", {}, "from", "refused"),
    ("/audit", {}, "to", "refused"),
    ("/audit", {}, "limit", "refused"),
    ("/audit", {}, "action", "empty"),
    ("/audit", {}, "object_type", "empty"),
    ("/audit", {}, "object_id", "empty"),
    ("/queue", {}, "line", "refused"),  # not a filter: unknown parameters are refused
]


@pytest.mark.parametrize("injection", INJECTIONS)
@pytest.mark.parametrize(
    ("path", "params", "attacked", "safe"),
    FILTERS,
    ids=[f"{path.split('/')[-1] or path}-{attacked}" for path, _, attacked, _ in FILTERS],
)
def test_injection_in_any_filter_is_refused_or_matches_nothing_and_changes_nothing(
    client, session, path, params, attacked, safe, injection
):
    create_call(client)
    path = path.format(adviser=create_adviser(client)["id"])
    rows = _row_counts(session)
    response = client.get(path, params=params | {attacked: injection})
    if safe == "refused":
        body = assert_problem(response, 422)
        assert attacked in error_fields(body)
    else:
        assert response.status_code == 200, response.text
        without = client.get(path, params=params).json()
        assert response.json() == ([] if safe == "empty" else without)
        assert without, "without the filter there should be rows it could have leaked"
    assert _row_counts(session) == rows


# -- weeks at the ends of the calendar -----------------------------------------------------

# Each week-taking parameter, with the others it needs; {} is where the week goes.
WEEK_PARAMETERS = [
    ("/reports/weekly", "week", {}),
    ("/reports/weekly.csv", "week", {}),
    ("/reports/weekly.xlsx", "week", {}),
    ("/reports/abandoned", "week", {}),
    ("/advisers/{adviser}/figures", "week", {}),
    ("/reports/trend", "from", {"to": "9998-W53"}),
    ("/reports/trend", "to", {"from": "0002-W01"}),
]


@pytest.mark.parametrize(
    "week", ["0001-W01", "0001-W02", "0001-W52", "0000-W01", "9999-W01", "9999-W52"]
)
@pytest.mark.parametrize(
    ("path", "parameter", "others"),
    WEEK_PARAMETERS,
    ids=[f"{path.split('/')[-1]}-{parameter}" for path, parameter, _ in WEEK_PARAMETERS],
)
def test_a_week_at_the_ends_of_the_calendar_is_422_saying_which_weeks_are(
    client, path, parameter, others, week
):
    """0001-W01 used to reach IsoWeek.bounds and overflow Python's dates there (a 500);
    0001-W02's report overflowed on the week before it."""
    path = path.format(adviser=create_adviser(client)["id"])
    response = client.get(path, params=others | {parameter: week})
    body = assert_problem(response, 422, parameter)
    assert body["errors"][0]["location"] == "query"
    assert "0002-W01 to 9998-W53" in body["errors"][0]["reason"]


WEEK_BEFORE = {"0002-W01": "0001-W52", "9998-W53": "9998-W52"}
WEEK_PATHS = [
    "/reports/weekly",
    "/reports/weekly.csv",
    "/reports/weekly.xlsx",
    "/reports/abandoned",
    "/advisers/{a}/figures",
]


@pytest.mark.parametrize("week", sorted(WEEK_BEFORE))
@pytest.mark.parametrize("path", WEEK_PATHS)
@pytest.mark.parametrize("publishable", ["false", "true"])
def test_the_first_and_last_supported_weeks_are_reported_on(client, path, week, publishable):
    params = {"week": week} | ({} if "figures" in path else {"publishable": publishable})
    response = client.get(path.format(a=create_adviser(client)["id"]), params=params)
    assert response.status_code == 200, response.text
    if path == "/reports/weekly":
        report = response.json()
        # No calls: 0, or withheld (a zero too is withheld when publishable).
        assert report["totals"]["received"] == (None if publishable == "true" else 0)
        assert report["previous_week"]["week"] == WEEK_BEFORE[week]


@pytest.mark.parametrize(
    "weeks",
    [["0002-W01", "0002-W02", "0002-W03"], ["9998-W51", "9998-W52", "9998-W53"]],
    ids=["first", "last"],
)
def test_a_trend_at_either_end_of_the_supported_weeks_is_reported_on(client, weeks):
    response = client.get("/reports/trend", params={"from": weeks[0], "to": weeks[-1]})
    assert response.status_code == 200, response.text
    assert [week["week"] for week in response.json()["weeks"]] == weeks
