"""Every error is RFC 9457 problem details, with `instance` set to the request path."""

import pytest

from tests.factories import (
    PROBLEM_MEDIA_TYPE,
    assert_problem,
    closed_call,
    count_rows,
    create_call,
    live_call,
    random_id,
)


@pytest.mark.parametrize("path", ["/nope", "/calls/x/y", "/taxonomy/line", "/call"])
def test_unknown_route_is_a_404_problem(client, path):
    body = assert_problem(client.get(path), 404)
    assert body["instance"] == path
    assert "errors" not in body


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/calls/{id}", {"GET", "PATCH"}),
        ("PUT", "/calls/{id}", {"GET", "PATCH"}),
        ("POST", "/calls/{id}", {"GET", "PATCH"}),
        ("DELETE", "/calls", {"GET", "POST"}),
        ("PATCH", "/calls", {"GET", "POST"}),
        ("POST", "/taxonomy", {"GET"}),
    ],
)
def test_wrong_method_is_a_405_problem(client, method, path, allowed):
    call = create_call(client)
    path = path.format(id=call["id"])
    response = client.request(method, path, json={})
    body = assert_problem(response, 405)
    assert body["instance"] == path
    # Starlette names the methods of the first route on the path; they must be real ones.
    assert {m.strip() for m in response.headers["allow"].split(",")} & allowed
    assert {m.strip() for m in response.headers["allow"].split(",")} <= allowed
    assert client.get(f"/calls/{call['id']}").json() == call


def test_not_found_call_names_the_id(client):
    missing = random_id()
    body = assert_problem(client.get(f"/calls/{missing}"), 404)
    assert missing in body["detail"]
    assert body["type"] != assert_problem(client.get("/calls?limit=0"), 422)["type"]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/calls", live_call(line="hotline_3")),
        ("POST", "/calls", live_call(colour="red")),
        ("GET", "/calls?line=nope&limit=5", None),
        ("GET", "/calls?limit=0", None),
        ("GET", "/calls?cursor=garbage", None),
        ("PATCH", "/calls/{id}", {"notes": None, "line": None}),
        ("PATCH", "/calls/{id}", {"status": "queued"}),
        ("GET", "/calls/not-a-uuid", None),
    ],
)
def test_validation_problem_has_every_member(client, method, path, payload):
    call = create_call(client)
    path = path.format(id=call["id"])
    body = assert_problem(client.request(method, path, json=payload), 422)
    assert body["instance"] == path.split("?")[0]
    assert body["title"]
    assert body["type"] == assert_problem(client.get("/calls?limit=0"), 422)["type"]
    for error in body["errors"]:
        assert error["field"] and error["reason"]
        assert error["location"] in {"body", "query", "path"}


def test_every_failing_field_is_reported_at_once(client):
    payload = live_call(caller_type="astronaut", language="de", notes="\x00", colour="red")
    body = assert_problem(client.post("/calls", json=payload), 422)
    reported = {error["field"] for error in body["errors"]}
    # Schema errors come first; the code lists are checked once the schema is satisfied.
    assert {"language", "notes", "colour"} <= reported


def test_problem_media_type_has_no_parameters(client):
    response = client.get("/calls/" + random_id())
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["status"] == 404


def test_successful_responses_are_plain_json(client):
    created = client.post("/calls", json=closed_call())
    assert created.headers["content-type"] == "application/json"
    assert client.get("/calls").headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        (
            "POST",
            "/calls",
            live_call() | {"received_at": "0001-01-01T00:30:00+01:00"},
            "received_at",
        ),
        ("GET", "/calls?received_from=0001-01-01T00:30:00%2B01:00", None, "received_from"),
        ("GET", "/calls?received_to=9999-12-31T23:30:00-01:00", None, "received_to"),
    ],
)
def test_instants_outside_the_storable_range_are_a_422_not_a_500(
    client, session, method, path, payload, field
):
    # The offset is valid, but the instant falls outside the years 1..9999 once in UTC.
    before = count_rows(session)
    body = assert_problem(client.request(method, path, json=payload), 422, field)
    assert body["errors"][0]["location"] == ("body" if method == "POST" else "query")
    assert count_rows(session) == before
