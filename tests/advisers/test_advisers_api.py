"""/advisers: registering, reading, listing and changing advisers, and every refusal."""

import uuid

import pytest
import sqlalchemy
from sqlmodel import func, select

from service.advisers import service as advisers_service
from service.advisers.models import Adviser, AdviserExpertise, AdviserLanguage, AdviserLine
from service.taxonomy.models import IssueCategory, Line
from tests.conftest import TEST_ADMIN_EMAIL
from tests.factories import (
    adviser_payload,
    assert_problem,
    create_adviser,
    parse_time,
    random_id,
)


def count_rows(session) -> dict[str, int]:
    """How many advisers (but the test client's admin) and adviser links are stored."""
    counts = {
        model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Adviser, AdviserLine, AdviserLanguage, AdviserExpertise)
    }
    counts["adviser"] -= 1
    return counts


def retire(session, model, code: str) -> None:
    session.exec(sqlalchemy.update(model).where(model.code == code).values(active=False))
    session.commit()


def set_presence(session, adviser: dict, presence: str) -> None:
    # Presence is the desk's business, not these endpoints'; set it as the desk would.
    statement = sqlalchemy.update(Adviser).where(Adviser.id == uuid.UUID(adviser["id"]))
    session.exec(statement.values(presence=presence, availability="available"))
    session.commit()


def stored(client, adviser: dict) -> dict:
    response = client.get(f"/advisers/{adviser['id']}")
    assert response.status_code == 200, response.text
    return response.json()


def patch(client, adviser: dict, changes: dict):
    return client.patch(f"/advisers/{adviser['id']}", json=changes)


def patched(client, adviser: dict, changes: dict) -> dict:
    response = patch(client, adviser, changes)
    assert response.status_code == 200, response.text
    return response.json()


def listed(client, **params) -> list[str]:
    """The advisers listed, but the test client's admin."""
    response = client.get("/advisers", params=params)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json() if a["email"] != TEST_ADMIN_EMAIL]


# Creating and reading


def test_post_answers_201_with_location_and_the_adviser(client):
    payload = adviser_payload(
        name="  Mette Sørensen ",
        email="Mette.Sorensen@Example.DK",
        lines=["stress", "managers"],
        languages=["en", "da"],
        expertise=["violence", "emotional_demands"],
        capacity=2,
    )
    response = client.post("/advisers", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/advisers/{body['id']}"
    assert body["name"] == "Mette Sørensen"
    assert body["email"] == "mette.sorensen@example.dk"
    assert body["lines"] == ["managers", "stress"]
    assert body["languages"] == ["da", "en"]
    assert body["expertise"] == ["emotional_demands", "violence"]
    assert body["capacity"] == 2
    assert body["version"] == 1
    parse_time(body["presence_since"])


def test_new_adviser_gets_the_defaults(client):
    payload = adviser_payload()
    del payload["languages"]
    response = client.post("/advisers", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["capacity"] == 1
    assert body["active"] is True
    assert body["presence"] == "offline"
    assert body["availability"] == "offline"
    assert body["presence_reason"] is None
    assert body["last_call_ended_at"] is None
    assert body["missed_offers_in_row"] == 0
    assert body["languages"] == ["da"]
    assert body["expertise"] == []


def test_get_returns_what_post_returned(client):
    created = create_adviser(client, expertise=["workload"])
    assert stored(client, created) == created


def test_unknown_id_is_a_404_problem(client):
    create_adviser(client)
    body = assert_problem(client.get(f"/advisers/{random_id()}"), 404)
    assert "errors" not in body


@pytest.mark.parametrize("method", ["get", "patch"])
def test_malformed_id_is_a_422_naming_the_path_parameter(client, method):
    response = client.request(method, "/advisers/not-a-uuid", json={})
    body = assert_problem(response, 422, "adviser_id")
    assert body["errors"][0]["location"] == "path"


def test_patch_of_an_unknown_adviser_is_a_404(client):
    assert_problem(client.patch(f"/advisers/{random_id()}", json={"name": "X"}), 404)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": None}, ["name"]),
        ({"name": "   "}, ["name"]),
        ({"name": "x" * 201}, ["name"]),
        ({"email": None}, ["email"]),
        ({"email": "not-an-e-mail"}, ["email"]),
        ({"email": "two@@example.dk"}, ["email"]),
        ({"lines": None}, ["lines"]),
        ({"lines": []}, ["lines"]),
        ({"lines": "stress"}, ["lines"]),
        ({"lines": ["stress", "stress"]}, ["lines"]),
        ({"lines": ["hotdogs"]}, ["lines.0"]),
        ({"lines": ["stress", "Stress"]}, ["lines.1"]),
        ({"expertise": ["workload", "astrology"]}, ["expertise.1"]),
        ({"expertise": ["workload", "workload"]}, ["expertise"]),
        ({"languages": ["da", "da"]}, ["languages"]),
        ({"languages": []}, ["languages"]),
        ({"languages": ["de"]}, ["languages.0"]),
        ({"capacity": 0}, ["capacity"]),
        ({"capacity": 6}, ["capacity"]),
        ({"capacity": "two"}, ["capacity"]),
        ({"active": "yes"}, ["active"]),
        ({"presence": "available"}, ["presence"]),
        ({"availability": "available"}, ["availability"]),
        ({"missed_offers_in_row": 3}, ["missed_offers_in_row"]),
        ({"version": 7}, ["version"]),
        ({"id": random_id()}, ["id"]),
    ],
)
def test_invalid_adviser_is_refused_naming_the_field_and_stores_nothing(
    client, session, changes, fields
):
    payload = {
        name: value for name, value in adviser_payload(**changes).items() if value is not None
    }
    rows = count_rows(session)
    assert_problem(client.post("/advisers", json=payload), 422, *fields)
    assert count_rows(session) == rows


@pytest.mark.parametrize("missing", ["name", "email", "lines"])
def test_required_fields_are_required(client, session, missing):
    payload = adviser_payload()
    del payload[missing]
    assert_problem(client.post("/advisers", json=payload), 422, missing)
    assert count_rows(session)["adviser"] == 0


def test_all_code_problems_are_reported_together(client, session):
    payload = adviser_payload(lines=["stress", "nope"], expertise=["nope", "workload", "nah"])
    body = assert_problem(client.post("/advisers", json=payload), 422)
    assert [error["field"] for error in body["errors"]] == ["lines.1", "expertise.0", "expertise.2"]
    assert count_rows(session)["adviser"] == 0


def test_all_schema_problems_are_reported_together(client):
    payload = adviser_payload(email="nope", capacity=0, presence="available")
    assert_problem(client.post("/advisers", json=payload), 422, "email", "capacity", "presence")


def test_a_retired_line_or_category_is_refused_for_a_new_adviser(client, session):
    retire(session, Line, "managers")
    retire(session, IssueCategory, "violence")
    payload = adviser_payload(lines=["stress", "managers"], expertise=["violence"])
    body = assert_problem(client.post("/advisers", json=payload), 422, "lines.1", "expertise.0")
    assert "no longer in use" in body["errors"][0]["reason"]
    assert count_rows(session)["adviser"] == 0


def test_duplicate_email_in_another_case_is_a_409_and_stores_nothing(client, session):
    create_adviser(client, email="anna.berg@example.dk")
    rows = count_rows(session)
    response = client.post("/advisers", json=adviser_payload(email="Anna.Berg@EXAMPLE.dk"))
    body = assert_problem(response, 409, "email")
    assert body["errors"][0]["location"] == "body"
    assert count_rows(session) == rows


def test_validation_is_reported_before_the_email_conflict(client):
    create_adviser(client, email="anna.berg@example.dk")
    payload = adviser_payload(email="anna.berg@example.dk", lines=["nope"])
    assert_problem(client.post("/advisers", json=payload), 422, "lines.0")


def test_an_email_taken_between_check_and_commit_is_still_a_409(client, session, monkeypatch):
    create_adviser(client, email="anna.berg@example.dk")
    rows = count_rows(session)
    real_owner = advisers_service._email_owner
    calls = []

    def owner_missed_by_the_first_check(*, session, email):
        calls.append(email)
        return None if len(calls) == 1 else real_owner(session=session, email=email)

    monkeypatch.setattr(advisers_service, "_email_owner", owner_missed_by_the_first_check)
    response = client.post("/advisers", json=adviser_payload(email="ANNA.berg@example.dk"))
    assert_problem(response, 409, "email")
    assert len(calls) == 2
    assert count_rows(session) == rows


# Listing


def test_list_is_ordered_by_name_then_id(client):
    carl = create_adviser(client, name="Carl")
    anna_1 = create_adviser(client, name="Anna")
    bo = create_adviser(client, name="Bo")
    anna_2 = create_adviser(client, name="Anna")
    assert listed(client) == [anna_1["id"], anna_2["id"], bo["id"], carl["id"]]


def test_list_returns_the_public_view(client):
    created = create_adviser(client, expertise=["workload"])
    response = client.get("/advisers")
    assert response.headers["content-type"] == "application/json"
    assert [a for a in response.json() if a["email"] != TEST_ADMIN_EMAIL] == [created]


def test_list_is_empty_without_advisers(client):
    assert listed(client) == []


def test_filter_by_active(client):
    active = create_adviser(client, name="A")
    inactive = create_adviser(client, name="B", active=False)
    assert listed(client, active="true") == [active["id"]]
    assert listed(client, active="false") == [inactive["id"]]
    assert listed(client) == [active["id"], inactive["id"]]


def test_filter_by_line_lists_the_advisers_serving_it(client):
    stress = create_adviser(client, name="A", lines=["stress"])
    managers = create_adviser(client, name="B", lines=["managers"])
    both = create_adviser(client, name="C", lines=["managers", "stress"])
    assert listed(client, line="stress") == [stress["id"], both["id"]]
    assert listed(client, line="managers") == [managers["id"], both["id"]]


def test_filter_by_presence(client, session):
    offline = create_adviser(client, name="A")
    available = create_adviser(client, name="B")
    set_presence(session, available, "available")
    assert listed(client, presence="available") == [available["id"]]
    assert listed(client, presence="offline") == [offline["id"]]
    assert listed(client, presence="on_call") == []


def test_filters_combine_with_and(client, session):
    match = create_adviser(client, name="A", lines=["managers"])
    wrong_line = create_adviser(client, name="B", lines=["stress"])
    inactive = create_adviser(client, name="C", lines=["managers"], active=False)
    offline = create_adviser(client, name="D", lines=["managers", "stress"])
    for adviser in (match, wrong_line, inactive):
        set_presence(session, adviser, "available")
    params = {"active": "true", "line": "managers", "presence": "available"}
    assert listed(client, **params) == [match["id"]]
    assert listed(client, active="true", line="managers") == [match["id"], offline["id"]]
    assert listed(client, line="managers", presence="available") == [match["id"], inactive["id"]]
    assert listed(client, active="false", line="stress") == []


def test_filter_by_a_retired_line_still_finds_its_advisers(client, session):
    adviser = create_adviser(client, lines=["managers"])
    retire(session, Line, "managers")
    assert listed(client, line="managers") == [adviser["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"line": "hotdogs"}, "line"),
        ({"line": "stress' OR '1'='1"}, "line"),
        ({"presence": "asleep"}, "presence"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_invalid_filters_are_refused_naming_the_parameter(client, params, field):
    create_adviser(client)
    body = assert_problem(client.get("/advisers", params=params), 422, field)
    assert body["errors"][0]["location"] == "query"


# Changing


def test_partial_update_changes_only_the_fields_sent(client, clock):
    adviser = create_adviser(client, expertise=["workload"])
    clock.advance(1)
    body = patched(client, adviser, {"name": "Mette Holm", "capacity": 3})
    assert (body["name"], body["capacity"]) == ("Mette Holm", 3)
    for name, value in adviser.items():
        if name not in {"name", "capacity", "version", "updated_at"}:
            assert body[name] == value, name
    assert body["version"] == adviser["version"] + 1
    assert parse_time(body["updated_at"]) == clock.now > parse_time(adviser["updated_at"])
    assert stored(client, adviser) == body


def test_email_is_changed_lower_case(client):
    adviser = create_adviser(client)
    body = patched(client, adviser, {"email": "New.Address@Example.DK"})
    assert body["email"] == "new.address@example.dk"
    assert body["version"] == 2


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("lines", ["managers"], ["managers"]),
        ("lines", ["managers", "stress"], ["managers", "stress"]),
        ("languages", ["en"], ["en"]),
        ("languages", ["en", "da"], ["da", "en"]),
        ("expertise", [], []),
        ("expertise", ["violence", "moral_stress"], ["moral_stress", "violence"]),
    ],
)
def test_lists_replace_the_stored_list(client, session, name, value, expected):
    adviser = create_adviser(
        client, lines=["stress"], languages=["da"], expertise=["workload", "violence"]
    )
    body = patched(client, adviser, {name: value})
    assert body[name] == expected
    assert body["version"] == 2
    assert stored(client, adviser)[name] == expected
    links = {"lines": AdviserLine, "languages": AdviserLanguage, "expertise": AdviserExpertise}
    assert count_rows(session)[links[name].__tablename__] == len(expected)


def test_lists_can_be_changed_back_and_forth(client):
    adviser = create_adviser(client, lines=["stress"], expertise=["workload"])
    patched(client, adviser, {"lines": ["stress", "managers"], "expertise": ["violence"]})
    patched(client, adviser, {"lines": ["managers"], "expertise": ["workload", "violence"]})
    body = patched(client, adviser, {"lines": ["stress"], "expertise": ["workload"]})
    assert (body["lines"], body["expertise"], body["version"]) == (["stress"], ["workload"], 4)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"name": "Mette Sørensen", "capacity": 1, "active": True},
        {"name": "  Mette Sørensen  "},
        {"email": "METTE.SORENSEN@example.dk"},
        {"lines": ["stress", "managers"]},
        {"languages": ["en", "da"]},
        {"expertise": ["workload", "violence"]},
    ],
)
def test_patch_that_changes_nothing_keeps_the_version(client, changes):
    adviser = create_adviser(
        client,
        name="Mette Sørensen",
        email="mette.sorensen@example.dk",
        lines=["managers", "stress"],
        languages=["da", "en"],
        expertise=["violence", "workload"],
    )
    assert patched(client, adviser, changes) == adviser
    assert stored(client, adviser) == adviser


def test_every_real_change_bumps_the_version_once(client):
    adviser = create_adviser(client)
    assert patched(client, adviser, {"active": False})["version"] == 2
    assert patched(client, adviser, {"active": False})["version"] == 2
    assert patched(client, adviser, {"active": True, "capacity": 2})["version"] == 3


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": None}, ["name"]),
        ({"email": None}, ["email"]),
        ({"lines": None}, ["lines"]),
        ({"languages": None}, ["languages"]),
        ({"expertise": None}, ["expertise"]),
        ({"capacity": None}, ["capacity"]),
        ({"active": None}, ["active"]),
        ({"name": None, "active": None, "lines": ["nope"]}, ["name", "active", "lines.0"]),
        ({"name": ""}, ["name"]),
        ({"email": "nope"}, ["email"]),
        ({"lines": []}, ["lines"]),
        ({"lines": ["stress", "hotdogs"]}, ["lines.1"]),
        ({"expertise": ["astrology"]}, ["expertise.0"]),
        ({"languages": ["en", "en"]}, ["languages"]),
        ({"capacity": 0}, ["capacity"]),
        ({"capacity": 6}, ["capacity"]),
        ({"presence": "available"}, ["presence"]),
        ({"availability": "break"}, ["availability"]),
        ({"version": 9}, ["version"]),
        ({"capacity": 2, "presence": "on_call"}, ["presence"]),
    ],
)
def test_refused_patch_names_the_field_and_changes_nothing(client, session, changes, fields):
    adviser = create_adviser(client, expertise=["workload"])
    rows = count_rows(session)
    body = assert_problem(patch(client, adviser, changes), 422, *fields)
    if None in changes.values():
        assert {error["reason"] for error in body["errors"] if error["field"] in changes} == {
            "cannot be null"
        }
    assert stored(client, adviser) == adviser
    assert count_rows(session) == rows


def test_email_change_to_a_taken_address_is_a_409_and_changes_nothing(client, session):
    create_adviser(client, email="anna.berg@example.dk")
    adviser = create_adviser(client, email="bo.lund@example.dk")
    rows = count_rows(session)
    response = patch(client, adviser, {"email": "Anna.Berg@example.dk", "capacity": 2})
    assert_problem(response, 409, "email")
    assert stored(client, adviser) == adviser
    assert count_rows(session) == rows


def test_a_retired_code_the_adviser_has_stays_allowed(client, session):
    adviser = create_adviser(client, lines=["stress", "managers"], expertise=["violence"])
    retire(session, Line, "managers")
    retire(session, IssueCategory, "violence")
    body = patched(client, adviser, {"lines": ["managers"], "expertise": ["violence", "workload"]})
    assert (body["lines"], body["expertise"]) == (["managers"], ["violence", "workload"])
    assert patched(client, adviser, {"name": "Ny"})["lines"] == ["managers"]


def test_a_retired_code_is_refused_where_it_would_be_new(client, session):
    adviser = create_adviser(client, lines=["stress"], expertise=["workload"])
    retire(session, Line, "managers")
    retire(session, IssueCategory, "violence")
    changes = {"lines": ["stress", "managers"], "expertise": ["workload", "violence"]}
    body = assert_problem(patch(client, adviser, changes), 422, "lines.1", "expertise.1")
    assert all("no longer in use" in error["reason"] for error in body["errors"])
    assert stored(client, adviser) == adviser


def test_unknown_list_parameters_are_refused(client):
    response = client.get("/advisers", params={"colour": "red"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "colour"


def test_the_list_pages_by_name_with_the_next_cursor_in_a_header(client):
    """Like /calls: `limit` (default 50) and `cursor`; the list stays a list, the cursor of
    the next page comes in `Next-Cursor`. Names that tie are ordered by id across pages."""
    for name in ["Åse", "Bo", "Bo", "Bo", "Carl", "Dorte", "Ærø"]:
        create_adviser(client, name=name)
    whole = client.get("/advisers", params={"limit": 500})
    assert "Next-Cursor" not in whole.headers
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get("/advisers", params=params)
        assert response.status_code == 200, response.text
        assert len(response.json()) <= 2
        seen += response.json()
        cursor = response.headers.get("Next-Cursor")
        if cursor is None:
            break
    assert seen == whole.json()
    assert len(seen) == 8  # and the test client's admin


def test_the_list_pages_with_its_filters(client):
    for n in range(3):
        create_adviser(client, name=f"Aktiv {n}")
        create_adviser(client, name=f"Passiv {n}", active=False)
    first = client.get("/advisers", params={"active": "true", "limit": 2})
    assert [a["name"] for a in first.json()] == ["Aktiv 0", "Aktiv 1"]
    cursor = first.headers["Next-Cursor"]
    rest = client.get("/advisers", params={"active": "true", "limit": 2, "cursor": cursor})
    assert [a["name"] for a in rest.json()] == ["Aktiv 2"]
    assert "Next-Cursor" not in rest.headers


def test_the_list_is_50_at_a_time_unless_asked(client):
    for n in range(50):
        create_adviser(client, name=f"Rådgiver {n:02}")
    response = client.get("/advisers")
    assert len(response.json()) == 50
    assert "Next-Cursor" in response.headers


def test_updated_at_follows_the_requests_clock(client, clock):
    adviser = create_adviser(client)
    assert parse_time(adviser["updated_at"]) == clock.now
    later = clock.advance(3600)
    body = patched(client, adviser, {"capacity": 2})
    assert parse_time(body["updated_at"]) == later
