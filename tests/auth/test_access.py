"""Who may do what: tokens, the role-by-endpoint table, an adviser's reach and time window."""

import hashlib
import re
import uuid
from datetime import timedelta
from unittest.mock import ANY

import pytest
from fastapi.routing import iter_route_contexts
from sqlmodel import select

from service.auth.models import TELEPHONY_OPERATIONS
from service.main import create_app
from service.reports.weeks import IsoWeek
from service.tokens.models import ApiToken
from tests.auth.telephony import telephony_token
from tests.desk import CLASSIFICATION, Desk
from tests.factories import (
    BASE_TIME,
    assert_problem,
    bearer,
    closed_call,
    create_adviser,
    live_call,
    make_token,
    parse_time,
    use_settings,
)

SPEC = create_app().openapi()
OPEN = {("get", "/healthz"), ("get", "/readyz")}
ROLES = ("adviser", "supervisor", "admin")
RANK = {role: n for n, role in enumerate(ROLES)}

# Each operation's least role, and whether the phone system's token (telephony, outside the
# ranks) may use it. Advisers reach further only for their own things: the tests below check
# that part; the phone system only a live call, a waiting call's priority and the queue.
PHONE, NO = True, False
ACCESS = {
    ("get", "/taxonomy"): ("adviser", NO),
    ("post", "/calls"): ("adviser", PHONE),
    ("get", "/calls"): ("adviser", NO),
    ("get", "/calls/{call_id}"): ("adviser", NO),
    ("patch", "/calls/{call_id}"): ("adviser", PHONE),
    ("post", "/calls/{call_id}/accept"): ("adviser", NO),
    ("post", "/calls/{call_id}/reject"): ("adviser", NO),
    ("post", "/calls/{call_id}/hold"): ("adviser", NO),
    ("post", "/calls/{call_id}/resume"): ("adviser", NO),
    ("post", "/calls/{call_id}/end"): ("adviser", NO),
    ("post", "/calls/{call_id}/close"): ("adviser", NO),
    ("post", "/calls/{call_id}/abandon"): ("adviser", PHONE),
    ("post", "/calls/{call_id}/transfer"): ("adviser", NO),
    ("get", "/calls/{call_id}/events"): ("adviser", NO),
    ("get", "/calls/{call_id}/related"): ("adviser", NO),
    ("get", "/queue"): ("adviser", PHONE),
    ("get", "/opening-hours"): ("adviser", NO),
    ("get", "/closed-days/{line}"): ("adviser", NO),
    ("put", "/closed-days/{line}"): ("supervisor", NO),
    ("post", "/advisers"): ("admin", NO),
    ("get", "/advisers"): ("adviser", NO),
    ("get", "/advisers/{adviser_id}"): ("adviser", NO),
    ("patch", "/advisers/{adviser_id}"): ("admin", NO),
    ("put", "/advisers/{adviser_id}/presence"): ("adviser", NO),
    ("get", "/advisers/{adviser_id}/presence"): ("adviser", NO),
    ("get", "/advisers/{adviser_id}/calls"): ("adviser", NO),
    ("get", "/routing/rules"): ("adviser", NO),
    ("put", "/routing/rules/{line}"): ("supervisor", NO),
    ("get", "/reports/weekly"): ("supervisor", NO),
    ("get", "/reports/weekly.csv"): ("supervisor", NO),
    ("get", "/reports/weekly.xlsx"): ("supervisor", NO),
    ("get", "/reports/trend"): ("supervisor", NO),
    ("get", "/reports/abandoned"): ("supervisor", NO),
    ("post", "/tokens"): ("admin", NO),
    ("get", "/tokens"): ("admin", NO),
    ("delete", "/tokens/{token_id}"): ("admin", NO),
    ("get", "/audit"): ("admin", NO),
    ("post", "/retention/run"): ("admin", NO),
    ("get", "/advisers/{adviser_id}/figures"): ("adviser", NO),
    ("post", "/cases"): ("adviser", NO),
    ("get", "/cases"): ("adviser", NO),
    ("get", "/cases/{case_id}"): ("adviser", NO),
    ("patch", "/cases/{case_id}"): ("adviser", NO),
    ("post", "/cases/{case_id}/close"): ("adviser", NO),
    ("post", "/cases/{case_id}/wait"): ("adviser", NO),
    ("post", "/cases/{case_id}/resume"): ("adviser", NO),
    ("post", "/cases/{case_id}/reopen"): ("supervisor", NO),
    ("post", "/cases/{case_id}/calls"): ("adviser", NO),
    ("delete", "/cases/{case_id}/calls/{call_id}"): ("adviser", NO),
    # cases: tasks
    ("post", "/cases/{case_id}/tasks"): ("adviser", NO),
    ("patch", "/cases/{case_id}/tasks/{task_id}"): ("adviser", NO),
    ("get", "/tasks"): ("adviser", NO),
    # cases: notes, referrals, timeline
    ("post", "/cases/{case_id}/notes"): ("adviser", NO),
    ("post", "/cases/{case_id}/referrals"): ("adviser", NO),
    ("patch", "/cases/{case_id}/referrals/{referral_id}"): ("supervisor", NO),
    ("get", "/cases/{case_id}/timeline"): ("adviser", NO),
    # cases: merge
    ("post", "/cases/{case_id}/merge"): ("adviser", NO),
    # search: an adviser finds what they may see
    ("get", "/search"): ("adviser", NO),
    # Every principal with an adviser record: the desk of that adviser (see test_desk_events).
    ("get", "/desk/events"): ("adviser", NO),
}
LEAST_ROLE = {operation: role for operation, (role, _) in ACCESS.items()}
TELEPHONY_MAY = {operation for operation, (_, phone) in ACCESS.items() if phone}
OPERATIONS = sorted(
    (method, path) for path, item in SPEC["paths"].items() for method in item
)  # fmt: skip
GUARDED = [op for op in OPERATIONS if op not in OPEN]
STREAMS = {("get", "/desk/events")}


def test_the_table_decides_every_operation():
    """A new endpoint must get a line in LEAST_ROLE, so that someone decided who may use it."""
    assert set(GUARDED) == set(LEAST_ROLE)


# The pages anyone may open: the way in (sign-in, its identity provider's flow, the language
# link) and `/`, which leads to the pages. Every other page needs a session (tests/web).
OPEN_PAGES = {
    ("GET", "/"),
    ("GET", "/web/signin"),
    ("POST", "/web/signin"),
    ("GET", "/web/language"),
    ("GET", "/web/signin/oidc"),
    ("GET", "/web/signin/oidc/callback"),
}


def _outside_the_spec() -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in iter_route_contexts(create_app().routes)
        if getattr(route.original_route, "include_in_schema", True) is False
        for method in (route.methods or {"GET"}) - {"HEAD"}
    }


def test_outside_the_spec_only_the_docs_and_the_ways_in_are_served_without_a_token(client):
    """Routes the spec does not describe escape the table above: the docs, and the pages,
    which without a session lead to the sign-in page (walked through the included routers:
    `app.routes` holds the routers, not their routes)."""
    unlisted = _outside_the_spec()
    docs = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
    assert {path for _, path in unlisted if not path.startswith("/web/") and path != "/"} == docs
    client.headers.pop("Authorization")
    assert client.get("/openapi.json").json()["paths"].keys() == SPEC["paths"].keys()
    pages = sorted(
        item for item in unlisted if item[1].startswith("/web/") and item not in OPEN_PAGES
    )
    assert len(pages) > 5
    for method, path in pages:
        url = re.sub(r"\{\w+\}", "x", path)
        answer = client.request(method, url, follow_redirects=False)
        # A page sends the browser to sign in; a form post without a session is refused.
        assert answer.status_code in (303, 401, 403), (method, path, answer.status_code)
        if answer.status_code == 303:
            assert answer.headers["location"].startswith("/web/signin?next="), (method, path)


def test_the_openapi_spec_declares_the_bearer_scheme_on_every_guarded_operation():
    schemes = SPEC["components"]["securitySchemes"]
    assert schemes == {"HTTPBearer": {"type": "http", "scheme": "bearer", "description": schemes[
        "HTTPBearer"]["description"]}}  # fmt: skip
    for method, path in OPERATIONS:
        security = SPEC["paths"][path][method].get("security")
        if (method, path) in OPEN:
            assert not security, (method, path)
        else:
            assert security == [{"HTTPBearer": []}], (method, path)
            assert {"401", "403"} <= set(SPEC["paths"][path][method]["responses"]), (method, path)


@pytest.fixture
def world(client, session, clock):
    """An adviser with a waiting call in reach, and one token per role."""
    adviser = create_adviser(client)
    waiting = client.post("/calls", json=live_call(clock() - timedelta(minutes=1)))
    assert waiting.status_code == 201, waiting.text
    tokens = {
        "adviser": make_token(session, "adviser", adviser_id=adviser["id"], now=clock()),
        "supervisor": make_token(session, "supervisor", now=clock()),
        "admin": make_token(session, "admin", now=clock()),
        "telephony": telephony_token(session, now=clock()),
    }
    token_id = session.exec(select(ApiToken.id)).first()
    case = client.post(
        "/cases", json={"line": "stress", "title": "Trusler", "owner_adviser_id": adviser["id"]}
    )
    assert case.status_code == 201, case.text
    values = {
        "case_id": case.json()["id"],
        "call_id": waiting.json()["id"],
        "adviser_id": adviser["id"],
        "line": "stress",
        "token_id": str(token_id),
        "referral_id": str(uuid.uuid4()),  # the role is decided before the referral is sought
        "task_id": client.post(
            f"/cases/{case.json()['id']}/tasks",
            json={"kind": "other", "due_at": clock().isoformat()},
        ).json()["id"],
    }
    return {"adviser": adviser, "tokens": tokens, "values": values}


def request(client, method: str, path: str, values: dict, headers: dict):
    url = path.format(**values)
    params = {"week": "2025-W23", "from": "2025-W20", "to": "2025-W23"}
    if path.endswith("/figures"):
        params = {"week": "2025-W23"}
    if (method, path) in STREAMS:
        # An answer that goes on for as long as the desk is open: its status, then let go.
        with client.stream(method, url, headers=headers) as response:
            if response.status_code != 200:
                response.read()  # a refusal's problem body, for the checks
            return response
    if method in ("get", "delete"):
        return client.request(method, url, params=params, headers=headers)
    # A body that names the acting adviser as the adviser themselves: the role is the test.
    body = {"adviser_id": values["adviser_id"]}
    return client.request(method, url, params=params, json=body, headers=headers)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_role_by_endpoint(client, world, method, path, role):
    response = request(client, method, path, world["values"], bearer(world["tokens"][role]))
    if RANK[role] < RANK[LEAST_ROLE[(method, path)]]:
        body = assert_problem(response, 403)
        assert "role" in body["detail"]
    else:
        assert response.status_code not in (401, 403), response.text


def test_the_tables_telephony_column_is_the_one_the_service_enforces():
    """The service's list (`service.auth.models`) names route paths: one that named no
    operation would let nothing through, and one missing here would go untested."""
    assert {(method.lower(), path) for method, path in TELEPHONY_OPERATIONS} == TELEPHONY_MAY
    assert set(GUARDED) >= TELEPHONY_MAY


# What the phone system sends to what it may use: a live call, a priority, a hang-up.
TELEPHONY_BODIES = {
    ("post", "/calls"): lambda now: live_call(now - timedelta(seconds=5)),
    ("patch", "/calls/{call_id}"): lambda now: {"priority": 3},
    ("post", "/calls/{call_id}/abandon"): lambda now: None,
}


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_telephony_by_endpoint(client, world, clock, method, path):
    """The phone system's token uses its four operations; every other is 403, saying why."""
    headers = bearer(world["tokens"]["telephony"])
    if (method, path) not in TELEPHONY_MAY:
        body = assert_problem(request(client, method, path, world["values"], headers), 403)
        if (method, path) in STREAMS:
            assert "an adviser's token" in body["detail"]  # the desk is an adviser's
        else:
            assert body["detail"].startswith("A telephony token (the phone system's) may only")
        return
    url = path.format(**world["values"])
    if method == "get":
        response = client.get(url, headers=headers)
    else:
        response = client.request(method, url, json=TELEPHONY_BODIES[(method, path)](clock()),
                                  headers=headers)  # fmt: skip
    assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize(("method", "path"), GUARDED)
def test_every_guarded_endpoint_answers_401_without_a_token(client, world, method, path):
    response = request(client, method, path, world["values"], {"Authorization": ""})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith('Bearer realm="hotline"')


@pytest.mark.parametrize(
    "authorization",
    ["Bearer hl_not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "hl_no-scheme", "Bearer a.b.c"],
)
def test_bad_credentials_are_401_with_a_challenge(client, authorization):
    response = client.get("/calls", headers={"Authorization": authorization})
    assert_problem(response, 401)
    assert "Bearer" in response.headers["www-authenticate"]


def test_health_needs_no_token(client):
    for path in ("/healthz", "/readyz"):
        assert client.get(path, headers={"Authorization": ""}).status_code == 200


# -- tokens ----------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash_and_shown_once(client, session):
    response = client.post("/tokens", json={"email": "Ny.Leder@Example.dk", "role": "supervisor"})
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["token"]
    assert len(secret) > 40
    stored = session.get(ApiToken, uuid.UUID(created["id"]))
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored.model_dump())
    listed = client.get("/tokens").json()
    assert created["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)
    # The person was registered, in lower case, serving no line.
    person = client.get(f"/advisers/{created['adviser_id']}").json()
    assert (person["email"], person["lines"], person["active"]) == (
        "ny.leder@example.dk",
        [],
        False,
    )
    assert client.get("/reports/trend", params={"from": "2025-W20", "to": "2025-W21"},
                      headers=bearer(secret)).status_code == 200  # fmt: skip


def test_a_token_for_a_known_email_belongs_to_that_person(client):
    adviser = create_adviser(client, email="kendt@example.dk")
    created = client.post("/tokens", json={"email": "KENDT@example.dk", "role": "adviser"}).json()
    assert created["adviser_id"] == adviser["id"]


def test_a_revoked_token_stops_working_at_once(client, session, clock):
    secret = make_token(session, "supervisor", now=clock())
    assert client.get("/queue", headers=bearer(secret)).status_code == 200
    token = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(secret.encode()).hexdigest())
    ).one()
    assert client.delete(f"/tokens/{token.id}").status_code == 204
    body = assert_problem(client.get("/queue", headers=bearer(secret)), 401)
    assert "revoked" in body["detail"]
    assert client.delete(f"/tokens/{token.id}").status_code == 204  # revoking twice is fine
    assert_problem(client.delete(f"/tokens/{uuid.uuid4()}"), 404)


def test_a_token_expires(client, session, clock):
    secret = make_token(session, "supervisor", days=1, now=clock())
    clock.advance(23 * 3600)
    assert client.get("/queue", headers=bearer(secret)).status_code == 200
    clock.advance(2 * 3600)
    body = assert_problem(client.get("/queue", headers=bearer(secret)), 401)
    assert "expired" in body["detail"]


def test_last_used_is_recorded_at_most_once_a_minute(client, session, clock):
    secret = make_token(session, "supervisor", now=clock())
    digest = hashlib.sha256(secret.encode()).hexdigest()

    def last_used():
        session.expire_all()
        return (
            session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).one().last_used_at
        )

    assert last_used() is None
    client.get("/queue", headers=bearer(secret))
    first = last_used()
    assert first == clock()
    clock.advance(30)
    client.get("/queue", headers=bearer(secret))
    assert last_used() == first
    clock.advance(31)
    client.get("/queue", headers=bearer(secret))
    assert last_used() == clock()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"email": "nope", "role": "admin"}, "email"), ({"email": "a@example.dk", "role": "root"},
     "role"), ({"email": "a@example.dk", "role": "admin", "days": 0}, "days")],
)  # fmt: skip
def test_bad_token_requests_are_refused_and_store_nothing(client, session, payload, field):
    before = len(session.exec(select(ApiToken)).all())
    assert_problem(client.post("/tokens", json=payload), 422, field)
    assert len(session.exec(select(ApiToken)).all()) == before


# -- an adviser's reach ----------------------------------------------------------------------


@pytest.fixture
def two_advisers(client, session, clock):
    mine, theirs = create_adviser(client), create_adviser(client)
    token = make_token(session, "adviser", adviser_id=mine["id"], now=clock())
    return mine["id"], theirs["id"], bearer(token)


def handled_call(client, adviser_id: str, **overrides) -> dict:
    response = client.post("/calls", json=closed_call(adviser_id=adviser_id, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def test_an_adviser_reaches_their_own_and_waiting_calls_only(client, two_advisers, clock):
    mine, theirs, headers = two_advisers
    own = handled_call(client, mine)
    other = handled_call(client, theirs)
    waiting = client.post("/calls", json=live_call(clock() - timedelta(minutes=2))).json()
    assert client.get(f"/calls/{own['id']}", headers=headers).status_code == 200
    assert client.get(f"/calls/{waiting['id']}", headers=headers).status_code == 200
    assert_problem(client.get(f"/calls/{other['id']}", headers=headers), 403)
    assert_problem(client.get(f"/calls/{other['id']}/events", headers=headers), 403)
    assert_problem(client.patch(f"/calls/{other['id']}", json={"notes": "x"}, headers=headers),
                   403)  # fmt: skip
    listed = {c["id"] for c in client.get("/calls", headers=headers).json()["items"]}
    assert listed == {own["id"], waiting["id"]}
    # A supervisor sees them all.
    everything = {c["id"] for c in client.get("/calls").json()["items"]}
    assert {own["id"], other["id"], waiting["id"]} <= everything


def test_an_adviser_cannot_act_as_another(client, two_advisers):
    mine, theirs, headers = two_advisers
    for path in (f"/advisers/{theirs}/presence", f"/advisers/{theirs}/calls"):
        assert_problem(client.get(path, headers=headers), 403)
    body = assert_problem(
        client.put(f"/advisers/{theirs}/presence", json={"presence": "available"},
                   headers=headers), 403,
    )  # fmt: skip
    assert "only as that adviser" in body["detail"]
    assert_problem(client.post("/calls", json=closed_call(adviser_id=theirs), headers=headers), 403)
    own = client.put(f"/advisers/{mine}/presence", json={"presence": "available"}, headers=headers)
    assert own.status_code == 200, own.text
    # A supervisor may set another adviser's presence.
    supervisor = client.put(f"/advisers/{theirs}/presence", json={"presence": "break"})
    assert supervisor.status_code == 200, supervisor.text


def test_an_adviser_acts_on_a_call_only_as_themselves(client, two_advisers, clock):
    mine, theirs, headers = two_advisers
    waiting = client.post("/calls", json=live_call(clock())).json()
    assert waiting["status"] == "queued"  # nobody is available: within every adviser's reach
    for action in ("accept", "reject", "hold", "end"):
        response = client.post(
            f"/calls/{waiting['id']}/{action}", json={"adviser_id": theirs}, headers=headers
        )
        assert "only as that adviser" in assert_problem(response, 403)["detail"], action
    # As themselves the desk answers on the merits: the call was never offered to them.
    response = client.post(
        f"/calls/{waiting['id']}/accept", json={"adviser_id": mine}, headers=headers
    )
    assert_problem(response, 409)
    # Once it is offered to someone else, it is out of reach.
    client.put(f"/advisers/{theirs}/presence", json={"presence": "available"})
    offered = client.get(f"/calls/{waiting['id']}").json()
    assert (offered["status"], offered["adviser_id"]) == ("assigned", theirs)
    assert_problem(client.get(f"/calls/{waiting['id']}", headers=headers), 403)


def test_an_adviser_may_change_a_call_for_a_day_after_closing_then_only_supervisors(
    client, two_advisers, clock
):
    mine, _, headers = two_advisers
    call = handled_call(client, mine)
    closed_at = BASE_TIME + timedelta(minutes=12)
    clock.set(closed_at + timedelta(hours=23))
    ok = client.patch(f"/calls/{call['id']}", json={"notes": "Tilføjet"}, headers=headers)
    assert ok.status_code == 200, ok.text
    clock.set(closed_at + timedelta(hours=25))
    body = assert_problem(
        client.patch(f"/calls/{call['id']}", json={"notes": "Senere"}, headers=headers), 403
    )
    assert "supervisor" in body["detail"]
    assert client.get(f"/calls/{call['id']}").json()["notes"] == "Tilføjet"
    assert client.patch(f"/calls/{call['id']}", json={"notes": "Rettet"}).status_code == 200


def stored_call(client, call_id: str) -> dict:
    return client.get(f"/calls/{call_id}").json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # Closing it again, now: the window would run from now.
        pytest.param(lambda now: {"closed_at": now.isoformat()}, "closed_at", id="closed again"),
        # Reopening it: no closing, no window, until they close it again.
        pytest.param(lambda now: {"status": "wrap_up"}, "status", id="reopened"),
        pytest.param(lambda now: {"closed_at": None, "notes": "Åbnet igen"}, "closed_at",
                     id="closing cleared"),
    ],
)  # fmt: skip
def test_an_adviser_may_not_move_the_closing_that_their_window_runs_from(
    client, two_advisers, clock, change, field
):
    mine, _, headers = two_advisers
    call = handled_call(client, mine)
    closed_at = BASE_TIME + timedelta(minutes=12)
    clock.set(closed_at + timedelta(hours=23))
    before = stored_call(client, call["id"])

    response = client.patch(f"/calls/{call['id']}", json=change(clock()), headers=headers)

    body = assert_problem(response, 403)
    assert [e["field"] for e in body["errors"]] == [field]
    assert "supervisor" in body["errors"][0]["reason"]
    assert stored_call(client, call["id"]) == before
    # The window still runs from the first closing: a day after it, the adviser is done.
    clock.set(closed_at + timedelta(hours=25))
    assert_problem(
        client.patch(f"/calls/{call['id']}", json={"notes": "Senere"}, headers=headers), 403
    )


def test_an_adviser_may_send_back_the_closing_they_read(client, two_advisers, clock):
    mine, _, headers = two_advisers
    call = handled_call(client, mine)
    clock.set(BASE_TIME + timedelta(hours=1))
    # The copy they read, sent back whole with a change, moves nothing.
    echoed = client.patch(
        f"/calls/{call['id']}",
        json={"closed_at": call["closed_at"], "status": "closed", "notes": "Tilføjet"},
        headers=headers,
    )
    assert echoed.status_code == 200, echoed.text
    assert (echoed.json()["closed_at"], echoed.json()["notes"]) == (call["closed_at"], "Tilføjet")


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_may_reopen_a_call_and_move_its_closing(
    client, session, two_advisers, clock, role
):
    mine, _, _ = two_advisers
    call = handled_call(client, mine)
    clock.set(BASE_TIME + timedelta(hours=1))
    headers = bearer(make_token(session, role, now=clock()))
    later = BASE_TIME + timedelta(minutes=30)
    moved = client.patch(
        f"/calls/{call['id']}", json={"closed_at": later.isoformat()}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert parse_time(moved.json()["closed_at"]) == later
    reopened = client.patch(f"/calls/{call['id']}", json={"status": "wrap_up"}, headers=headers)
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["closed_at"]) == ("wrap_up", None)


@pytest.fixture
def two_hour_window(client):
    use_settings(client, adviser_edit_hours=2)


def test_the_window_is_the_one_configured(client, two_advisers, clock, two_hour_window):
    mine, _, headers = two_advisers
    call = handled_call(client, mine)
    closed_at = BASE_TIME + timedelta(minutes=12)
    clock.set(closed_at + timedelta(hours=1, minutes=59))
    ok = client.patch(f"/calls/{call['id']}", json={"notes": "Tilføjet"}, headers=headers)
    assert ok.status_code == 200, ok.text
    clock.set(closed_at + timedelta(hours=2, minutes=1))
    body = assert_problem(
        client.patch(f"/calls/{call['id']}", json={"notes": "Senere"}, headers=headers), 403
    )
    assert "more than 2 hours ago" in body["detail"]
    # Moving the closing is refused inside the shorter window as well.
    clock.set(closed_at + timedelta(hours=1))
    refused = client.patch(f"/calls/{call['id']}", json={"status": "wrap_up"}, headers=headers)
    assert [e["field"] for e in assert_problem(refused, 403)["errors"]] == ["status"]


# What an adviser who let an offer go reaches of the call afterwards: nothing.
LET_GO = {
    "rejected": lambda desk, call_id, adviser_id, headers: desk.client.post(
        f"/calls/{call_id}/reject", json={"adviser_id": adviser_id}, headers=headers
    ),
    "timed out": lambda desk, call_id, adviser_id, headers: desk.wait(21),
    "withdrawn by a break": lambda desk, call_id, adviser_id, headers: desk.client.put(
        f"/advisers/{adviser_id}/presence", json={"presence": "break"}, headers=headers
    ),
}


@pytest.mark.parametrize("how", LET_GO)
def test_an_adviser_who_let_an_offer_go_does_not_reach_the_call_or_its_notes(
    client, session, clock, how
):
    desk = Desk(client, session, clock)
    first, second = desk.adviser(), desk.adviser(available=False)
    first_headers = bearer(make_token(session, "adviser", adviser_id=first, now=clock()))
    second_headers = bearer(make_token(session, "adviser", adviser_id=second, now=clock()))
    call = desk.incoming()
    assert desk.call(call["id"])["adviser_id"] == first
    # What they are offered they may read, to decide on it.
    assert client.get(f"/calls/{call['id']}", headers=first_headers).status_code == 200
    LET_GO[how](desk, call["id"], first, first_headers)
    desk.presence(second, "available")
    assert desk.call(call["id"])["adviser_id"] == second
    accepted = client.post(
        f"/calls/{call['id']}/accept", json={"adviser_id": second}, headers=second_headers
    )
    assert accepted.status_code == 200, accepted.text
    noted = client.patch(f"/calls/{call['id']}", json={"notes": "Om sin leder"},
                         headers=second_headers)  # fmt: skip
    assert noted.status_code == 200, noted.text

    assert_problem(client.get(f"/calls/{call['id']}", headers=first_headers), 403)
    assert_problem(client.get(f"/calls/{call['id']}/events", headers=first_headers), 403)
    listed = client.get("/calls", headers=first_headers).json()["items"]
    assert call["id"] not in {c["id"] for c in listed}
    assert "Om sin leder" not in str(listed)
    assert client.get(f"/calls/{call['id']}", headers=second_headers).status_code == 200


def test_an_adviser_still_reaches_a_call_they_took_before_transferring_it(client, session, clock):
    desk = Desk(client, session, clock)
    first, second = desk.adviser(), desk.adviser(available=False)
    first_headers = bearer(make_token(session, "adviser", adviser_id=first, now=clock()))
    call = desk.incoming()
    desk.ok(call["id"], "accept", first)
    desk.presence(second, "available")
    desk.ok(call["id"], "transfer", first, to_adviser_id=second, reason="Kender sagen")
    desk.ok(call["id"], "accept", second)
    assert desk.call(call["id"])["adviser_id"] == second
    assert client.get(f"/calls/{call['id']}", headers=first_headers).status_code == 200
    listed = client.get("/calls", headers=first_headers).json()["items"]
    assert call["id"] in {c["id"] for c in listed}


def test_an_adviser_reads_their_own_figures_as_the_weekly_report_has_them(client, session, clock):
    clock.set(BASE_TIME)
    desk = Desk(client, session, clock)
    mine, other = desk.adviser(), desk.adviser(available=False)
    call = desk.incoming()
    desk.wait(5)
    desk.ok(call["id"], "accept", mine)
    desk.wait(600)
    desk.ok(call["id"], "end", mine)
    desk.wait(60)
    desk.ok(call["id"], "close", mine, **CLASSIFICATION)
    desk.wait(3600)
    week = str(IsoWeek.of(BASE_TIME.date()))
    headers = bearer(make_token(session, "adviser", adviser_id=mine, now=clock()))
    own = client.get(f"/advisers/{mine}/figures", params={"week": week}, headers=headers)
    assert own.status_code == 200, own.text
    report = client.get("/reports/weekly", params={"week": week}).json()
    [row] = [r for r in report["by_adviser"] if r["adviser_id"] == mine]
    assert own.json() == {"week": week, "adviser_id": mine, "figures": row}
    assert row["answered"] == 1
    assert_problem(
        client.get(f"/advisers/{other}/figures", params={"week": week}, headers=headers), 403
    )
    assert_problem(client.get("/reports/weekly", params={"week": week}, headers=headers), 403)
    # A week off the desk has no figures; a supervisor may read anyone's.
    off = client.get(f"/advisers/{other}/figures", params={"week": week}).json()
    assert off["figures"] is None
    assert_problem(client.get(f"/advisers/{mine}/figures", params={"week": "2025-W99"}), 422)


# The operations that read a body (a body sent to one that reads none is not looked at).
WITH_BODY = [
    (method, path) for method, path in GUARDED if "requestBody" in SPEC["paths"][path][method]
]
UNDECODABLE = [b"{bad", b'{"line": "\xff\xfe"}', b"[" * 20_000 + b"]" * 20_000]


@pytest.mark.parametrize("content", UNDECODABLE, ids=["not-json", "not-utf8", "too-deep"])
@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_who_may_ask_is_decided_before_a_body_that_does_not_decode(
    client, world, method, path, content
):
    """FastAPI decoded the body before the role check: an adviser posting `{bad` to
    /tokens got a 422, not the 403 that every other body of theirs gets there."""
    url = path.format(**world["values"])
    json_type = {"content-type": "application/json"}
    unsigned = client.request(
        method, url, content=content, headers=json_type | {"Authorization": ""}
    )
    assert_problem(unsigned, 401)
    for role in (*ROLES, "telephony"):
        headers = json_type | bearer(world["tokens"][role])
        response = client.request(method, url, content=content, headers=headers)
        if role == "telephony" and (method, path) not in TELEPHONY_MAY:
            assert "telephony" in assert_problem(response, 403)["detail"]
        elif role != "telephony" and RANK[role] < RANK[LEAST_ROLE[(method, path)]]:
            assert "role" in assert_problem(response, 403)["detail"]
        else:
            body = assert_problem(response, 422, "body")
            assert body["errors"] == [{"field": "body", "reason": ANY, "location": "body"}], body


def test_a_body_that_does_not_decode_says_where_it_fails(client, world):
    headers = {"content-type": "application/json"} | bearer(world["tokens"]["admin"])
    response = client.post("/calls", content=b'{"line": "stress",}', headers=headers)
    body = assert_problem(response, 422, "body")
    assert body["errors"][0]["reason"].startswith("not valid JSON: Expecting property name")
    assert "at character 19" in body["errors"][0]["reason"]


# Where an adviser may see a colleague: the directory (names, lines, languages, presence).
COLLEAGUES_SEEN = {("get", "/advisers/{adviser_id}")}
ADVISER_PATHS = [
    (method, path)
    for method, path in GUARDED
    if "{adviser_id}" in path
    and LEAST_ROLE[(method, path)] == "adviser"
    and (method, path) not in COLLEAGUES_SEEN
]


def _names_an_adviser_in_its_body(method: str, path: str) -> bool:
    body = SPEC["paths"][path][method].get("requestBody")
    if body is None:
        return False
    schema = body["content"]["application/json"]["schema"]
    refs = [s["$ref"] for s in [schema, *schema.get("anyOf", [])] if "$ref" in s]
    components = SPEC["components"]["schemas"]
    return any("adviser_id" in components[ref.rsplit("/", 1)[1]]["properties"] for ref in refs)


VALID_BODIES = {
    ("post", "/calls"): closed_call(),
    ("post", "/calls/{call_id}/transfer"): {"to_line": "managers", "reason": "needs a manager"},
}
ADVISER_BODIES = [
    (method, path)
    for method, path in GUARDED
    if LEAST_ROLE[(method, path)] == "adviser" and _names_an_adviser_in_its_body(method, path)
]


def test_the_walks_find_the_routes_that_name_an_adviser():
    assert ("put", "/advisers/{adviser_id}/presence") in ADVISER_PATHS
    assert ("get", "/advisers/{adviser_id}/figures") in ADVISER_PATHS
    assert {("post", "/calls"), ("post", "/calls/{call_id}/accept")} <= set(ADVISER_BODIES)


@pytest.mark.parametrize(("method", "path"), ADVISER_PATHS)
def test_an_adviser_acts_as_no_colleague_named_in_the_path(client, world, method, path):
    """Acting as oneself was checked by hand in each route; it is now declared once per
    route (OwnAdviserDep), and this walk holds every route that names an adviser to it."""
    colleague = create_adviser(client)
    values = world["values"] | {"adviser_id": colleague["id"]}
    response = request(client, method, path, values, bearer(world["tokens"]["adviser"]))
    assert_problem(response, 403)
    own = request(client, method, path, world["values"], bearer(world["tokens"]["adviser"]))
    assert own.status_code not in (401, 403), own.text


@pytest.mark.parametrize(("method", "path"), ADVISER_BODIES)
def test_an_adviser_acts_as_no_colleague_named_in_the_body(client, world, method, path):
    """A valid body otherwise, so that only naming the colleague can refuse it."""
    colleague = create_adviser(client)
    url = path.format(**world["values"])
    body = VALID_BODIES.get((method, path), {}) | {"adviser_id": colleague["id"]}
    headers = bearer(world["tokens"]["adviser"])
    response = client.request(method, url, json=body, headers=headers)
    assert_problem(response, 403)
