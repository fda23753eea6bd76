"""The API behaves alike everywhere: unknown query parameters, paging, and 405s (issue 16)."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from service.advisers.models import PresenceEvent
from service.main import create_app
from service.pagination import NEXT_CURSOR_HEADER
from tests.factories import (
    assert_problem,
    create_adviser,
    create_call,
    create_case,
    error_fields,
    make_token,
)

UNKNOWN = "no_such_parameter"

# Not API operations: FastAPI's own documents, and Swagger UI's OAuth2 landing page, which
# the identity provider calls back with parameters of its own choosing (`code`, `state`).
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _is_page(route) -> bool:
    """The web pages (`/web/...`, outside the spec): forms, with tests of their own
    (tests/web), which ignore what a browser adds to a page's address."""
    return getattr(route.original_route, "include_in_schema", True) is False


def _get_routes() -> list[str]:
    return sorted(
        {
            route.path
            for route in iter_route_contexts(create_app().routes)
            if "GET" in (route.methods or ()) and route.path not in DOCS and not _is_page(route)
        }
    )


GET_ROUTES = _get_routes()
WRITING_ROUTES = sorted(
    (method, route.path)
    for route in iter_route_contexts(create_app().routes)
    if isinstance(route.original_route, APIRoute) and not _is_page(route)
    for method in route.methods - {"GET", "HEAD"}
)


@pytest.mark.parametrize(("method", "path"), WRITING_ROUTES)
def test_an_unknown_query_parameter_is_a_422_on_every_writing_route_too(
    client, session, method, path
):
    """POST, PUT, PATCH and DELETE used to ignore them: a typo in a client went unseen."""
    token_id = client.post("/tokens", json={"email": "q@example.dk", "role": "adviser"})
    ids = {
        "call_id": create_call(client)["id"],
        "adviser_id": create_adviser(client)["id"],
        "case_id": create_case(client)["id"],
        # The query is refused before the task or referral is looked up.
        "task_id": str(uuid.uuid4()),
        "referral_id": str(uuid.uuid4()),
        "token_id": token_id.json()["id"],
        "line": "stress",
    }
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    response = client.request(method, url, params={UNKNOWN: "1"}, json={})
    body = assert_problem(response, 422)
    assert UNKNOWN in error_fields(body), body


def test_the_walk_finds_every_route_behind_the_included_routers():
    """app.routes holds the included routers, not their routes: the walk must see through."""
    api_routes = [
        route.path
        for route in iter_route_contexts(create_app().routes)
        if isinstance(route.original_route, APIRoute)
        and "GET" in route.methods
        and not _is_page(route)
    ]
    assert {"/calls", "/advisers", "/queue", "/tokens", "/audit"} <= set(GET_ROUTES)
    assert "/web/signin" not in GET_ROUTES
    assert set(api_routes) == set(GET_ROUTES)


@pytest.mark.parametrize(
    "path",
    GET_ROUTES,
)
def test_an_unknown_query_parameter_is_a_422_naming_it_on_every_get_route(client, path):
    ids = {"call_id": create_call(client)["id"], "adviser_id": create_adviser(client)["id"]}
    ids |= {"line": "stress", "case_id": create_case(client)["id"]}
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    response = client.get(url, params={UNKNOWN: "1"})
    body = assert_problem(response, 422)
    assert UNKNOWN in error_fields(body), body
    [problem] = [e for e in body["errors"] if e["field"] == UNKNOWN]
    assert problem["location"] == "query"


def test_an_unknown_query_parameter_comes_after_the_sign_in(client):
    """Who may ask is decided first: without a token it is a 401, not a 422."""
    client.headers.pop("Authorization")
    for path in ("/queue", "/tokens", "/audit", "/advisers", "/routing/rules"):
        response = client.get(path, params={UNKNOWN: "1"})
        assert response.status_code == 401, (path, response.text)


# -- 405 names every method of the resource ------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/calls", "GET, POST"),
        ("DELETE", "/calls", "GET, POST"),
        ("PUT", "/calls", "GET, POST"),
        ("DELETE", "/calls/{call}", "GET, PATCH"),
        ("POST", "/calls/{call}", "GET, PATCH"),
        ("GET", "/calls/{call}/accept", "POST"),
        ("DELETE", "/advisers", "GET, POST"),
        ("DELETE", "/advisers/{adviser}/presence", "GET, PUT"),
        ("POST", "/queue", "GET"),
        ("PATCH", "/tokens", "GET, POST"),
        ("GET", "/tokens/{call}", "DELETE"),
    ],
)
def test_a_405_names_every_method_of_the_resource_in_allow(client, method, path, allowed):
    path = path.format(call=create_call(client)["id"], adviser=create_adviser(client)["id"])
    response = client.request(method, path)
    body = assert_problem(response, 405)
    assert response.headers["allow"] == allowed
    assert body["instance"] == path
    assert allowed in body["detail"]


def test_a_405_on_head_says_so_without_a_body(client):
    response = client.head("/calls")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


# -- every listing pages like /calls -------------------------------------------------------


def walk(client, path: str, limit: int, **params) -> list[list[dict]]:
    """Every page of a bare-list listing, following its `Next-Cursor` header."""
    pages: list[list[dict]] = []
    cursor = None
    while True:
        query = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = response.headers.get(NEXT_CURSOR_HEADER)
        if cursor is None:
            return pages
        assert len(pages) < 100, "the pages never end"


def assert_pages_are_the_listing(client, path: str, limit: int, **params) -> list[list[dict]]:
    whole = client.get(path, params=params | {"limit": 500})
    assert whole.status_code == 200, whole.text
    assert NEXT_CURSOR_HEADER not in whole.headers
    pages = walk(client, path, limit, **params)
    assert [item for page in pages for item in page] == whole.json()
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit
    return pages


def test_presence_history_pages_instead_of_stopping_at_500(client, session, clock):
    adviser = create_adviser(client)
    start = datetime(2025, 6, 2, 8, tzinfo=UTC)
    for n in range(501):
        presence = "available" if n % 2 else "break"
        at = start + timedelta(seconds=n // 2)  # pairs share a time: the id breaks the tie
        session.add(PresenceEvent(adviser_id=uuid.UUID(adviser["id"]), presence=presence, at=at))
    session.commit()
    path = f"/advisers/{adviser['id']}/presence"

    first = client.get(path, params={"limit": 500})
    assert len(first.json()) == 500
    rest = client.get(path, params={"cursor": first.headers[NEXT_CURSOR_HEADER], "limit": 500})
    assert len(rest.json()) == 1
    assert NEXT_CURSOR_HEADER not in rest.headers
    everything = first.json() + rest.json()
    assert len({event["at"] + event["presence"] for event in everything}) == 501
    keys = [event["at"] for event in everything]
    assert keys == sorted(keys, reverse=True)
    assert len(client.get(path).json()) == 50  # the default page, as /calls has it
    pages = walk(client, path, 7)
    assert [event for page in pages for event in page] == everything
    assert len(pages) == 72


def test_tokens_page_newest_first(client, session, clock):
    for n in range(5):
        make_token(session, "adviser", now=clock() - timedelta(days=n))
    make_token(session, "adviser", now=clock() - timedelta(days=2))  # a tie on created_at
    pages = assert_pages_are_the_listing(client, "/tokens", 2)
    created = [token["created_at"] for page in pages for token in page]
    assert created == sorted(created, reverse=True)
    assert len(created) == 7  # and the test client's own


def test_tokens_default_to_pages_of_50(client, session, clock):
    for _ in range(51):
        make_token(session, "adviser", now=clock())
    response = client.get("/tokens")
    assert len(response.json()) == 50
    assert NEXT_CURSOR_HEADER in response.headers


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/tokens", {"limit": 0}, "limit"),
        ("/tokens", {"limit": 501}, "limit"),
        ("/tokens", {"cursor": "garbage!"}, "cursor"),
        ("/advisers/{adviser}/presence", {"limit": 501}, "limit"),
        ("/advisers/{adviser}/presence", {"cursor": "garbage!"}, "cursor"),
        ("/advisers", {"limit": 0}, "limit"),
        ("/advisers", {"cursor": "garbage!"}, "cursor"),
        ("/audit", {"limit": 501}, "limit"),
        ("/audit", {"cursor": "garbage!"}, "cursor"),
    ],
)
def test_a_bad_limit_or_cursor_is_a_422_naming_it(client, path, params, field):
    path = path.format(adviser=create_adviser(client)["id"])
    assert_problem(client.get(path, params=params), 422, field)


# The fields that carry free text a caller or adviser wrote (and may hold personal data).
# `snippet`: a search hit's piece of a note, summary or title.
FREE_TEXT_FIELDS = {
    "notes",
    "reason",
    "presence_reason",
    "title",
    "summary",
    "body",
    "note",
    "snippet",
}


def _free_text_in(schema, components, seen=frozenset()) -> set[str]:
    """The free-text field names anywhere in an OpenAPI schema, through its $refs."""
    if isinstance(schema, list):
        return set().union(*(_free_text_in(s, components, seen) for s in schema))
    if not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else _free_text_in(components[name], components, seen | {name})
    found = set(schema.get("properties", {})) & FREE_TEXT_FIELDS
    return found.union(*(_free_text_in(v, components, seen) for v in schema.values()))


def test_every_operation_that_answers_with_free_text_declares_its_read_audited():
    """Which GETs write an audit row used to be a URL check in db.py, which a new route
    returning notes would have slipped past. Each route now declares it (AUDITED_READ)."""
    spec = create_app().openapi()
    components = spec["components"]["schemas"]
    answering, declaring = set(), set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            success = [r for code, r in operation["responses"].items() if code.startswith("2")]
            if _free_text_in(success, components):
                answering.add((method, path))
            if operation.get("x-audited-read"):
                declaring.add((method, path))
    assert ("get", "/calls/{call_id}/events") in answering  # the walk sees through $refs
    assert declaring == answering


@pytest.mark.parametrize(
    "path", ["/calls", "/calls/{call_id}", "/advisers", "/advisers/{adviser_id}"]
)
def test_a_declared_audited_read_writes_its_audit_row(client, session, path):
    from sqlmodel import func, select

    from service.audit.models import AuditEvent

    ids = {"call_id": create_call(client)["id"], "adviser_id": create_adviser(client)["id"]}
    away = {"presence": "break", "reason": "meeting with the inspection"}
    assert client.put(f"/advisers/{ids['adviser_id']}/presence", json=away).status_code == 200
    before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    response = client.get(re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path))
    assert response.status_code == 200, response.text
    session.expire_all()
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() > before


# A POST that is safe to repeat as it is: the retention run erases what is due, once.
# Linking a call to a case: a second link of the same call changes nothing.
REPEATABLE_POSTS = {("post", "/retention/run"), ("post", "/cases/{case_id}/calls")}


def test_every_writing_operation_declares_what_makes_a_retry_safe():
    """Idempotency was wired by hand three ways; each writing route now declares which kind
    it is (x-idempotency), and the declaration must match what the route takes."""
    spec = create_app().openapi()
    undeclared, mismatched = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("get", "head"):
                continue
            kind = operation.get("x-idempotency")
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if kind is None:
                undeclared.append((method, path))
            elif (kind == "Idempotency-Key") != ("idempotency-key" in headers):
                mismatched.append((method, path, kind))
            elif kind == "repeatable" and method == "post":
                if (method, path) not in REPEATABLE_POSTS:
                    mismatched.append((method, path, kind))
            elif kind not in ("Idempotency-Key", "repeatable"):
                mismatched.append((method, path, kind))
    assert undeclared == []
    assert mismatched == []
    assert spec["paths"]["/calls"]["post"]["x-idempotency"] == "Idempotency-Key"
