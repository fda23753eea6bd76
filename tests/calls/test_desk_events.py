"""`GET /desk/events` on a real server: offers and the rest pushed to a connected desk.

A real `hotline serve` (the hub runs in its lifespan), a real HTTP stream; on SQLite, or on
PostgreSQL when HOTLINE_TEST_DATABASE_URL is set, where a second process shows that events
travel by LISTEN/NOTIFY.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bench.server import person_token
from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.desk import CLASSIFICATION
from tests.desk_stream import DeskStream
from tests.factories import adviser_payload
from tests.servers import Server, admin_headers, running_server

HEARTBEAT_S = 0.5


@pytest.fixture(scope="module")
def push_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(TEST_DATABASE_URL, tmp_path_factory.mktemp("push")) as url:
        yield url


@pytest.fixture(scope="module")
def server(push_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("push-log") / "serve.log"
    with running_server(
        push_database_url, log, desk_heartbeat_s=HEARTBEAT_S, desk_push="true"
    ) as server:
        yield server


@pytest.fixture(scope="module")
def admin(server: Server, push_database_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url, timeout=10, headers=admin_headers(push_database_url)
    ) as client:
        yield client


class Desk:
    """One adviser, their token and their open stream."""

    def __init__(self, server: Server, admin: httpx.Client, database_url: str) -> None:
        payload = adviser_payload(email=f"desk-{uuid.uuid4().hex[:8]}@example.dk")
        created = admin.post("/advisers", json=payload)
        assert created.status_code == 201, created.text
        self.id = created.json()["id"]
        self.token = person_token(database_url, payload["email"], "adviser")
        self.http = httpx.Client(
            base_url=server.base_url,
            timeout=10,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.base_url = server.base_url
        self.stream: DeskStream | None = None

    def connect(self, last_event_id: int | None = None) -> DeskStream:
        self.stream = DeskStream(self.base_url, self.token, last_event_id)
        assert self.stream.status == 200
        return self.stream

    def available(self) -> None:
        response = self.http.put(f"/advisers/{self.id}/presence", json={"presence": "available"})
        assert response.status_code == 200, response.text

    def act(self, call_id: str, action: str, **body: Any) -> dict[str, Any]:
        response = self.http.post(f"/calls/{call_id}/{action}", json=body or None)
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.http.close()


@pytest.fixture
def desk(server: Server, admin: httpx.Client, push_database_url: str) -> Iterator[Desk]:
    desk = Desk(server, admin, push_database_url)
    yield desk
    # Offline again, and nothing left waiting: the next test's desk is offered its own calls.
    desk.http.put(f"/advisers/{desk.id}/presence", json={"presence": "offline"})
    for line in admin.get("/queue").json()["lines"]:
        for waiting in line["waiting"]:
            admin.post(f"/calls/{waiting['call_id']}/abandon", json=None)
    desk.close()


def incoming(client: httpx.Client, line: str = "stress", **fields: Any) -> dict[str, Any]:
    body = {"line": line, "received_at": datetime.now(UTC).isoformat(), **fields}
    response = client.post("/calls", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_offer_reaches_the_connected_desk_with_the_call_and_its_expiry(desk, admin):
    stream = desk.connect()
    first = stream.next("queue")
    assert {line["line"] for line in first.data["lines"]} >= {"stress", "managers"}
    desk.available()
    presence = stream.next("presence")
    assert presence.data["presence"] == "available" and presence.id is not None
    call = incoming(admin)
    offer = stream.next("offer")
    assert offer.data["call"]["id"] == call["id"]
    assert offer.data["call"]["status"] == "assigned"
    assert offer.data["call"]["adviser_id"] == desk.id
    assert offer.data["call"]["related"] == {"calls": [], "cases": []}
    expires_at = datetime.fromisoformat(offer.data["expires_at"])
    assert 0 < (expires_at - datetime.now(UTC)).total_seconds() <= 20
    assert offer.id is not None and offer.id > presence.id
    assert stream.next("presence").data["presence"] == "offered"
    # The queues as every desk sees them, once they changed.
    waiting = {line["line"]: line for line in stream.next("queue").data["lines"]}
    assert waiting["stress"]["waiting"] >= 1
    desk.act(call["id"], "reject")
    cancelled = stream.next("offer_cancelled")
    assert cancelled.data == {"call_id": call["id"], "reason": "rejected"}
    admin.post(f"/calls/{call['id']}/abandon", json=None)


def test_the_call_in_hand_is_pushed_step_by_step(desk, admin):
    stream = desk.connect()
    desk.available()
    call = incoming(admin)
    assert stream.next("offer").data["call"]["id"] == call["id"]
    desk.act(call["id"], "accept")
    accepted = stream.next("call_changed")
    assert accepted.data == {"call_id": call["id"], "step": "accepted", "status": "in_progress"}
    desk.act(call["id"], "hold")
    assert stream.next("call_changed").data["step"] == "held"
    desk.act(call["id"], "end")
    ended = stream.next("call_changed")
    assert (ended.data["step"], ended.data["status"]) == ("held", "in_progress") or (
        ended.data["step"],
        ended.data["status"],
    ) == ("resumed", "in_progress")
    desk.act(call["id"], "close", **CLASSIFICATION)
    steps = [stream.next("call_changed").data["step"] for _ in range(2)]
    assert steps[-1] == "closed"


def test_an_offer_withdrawn_because_the_caller_hung_up_says_so(desk, admin):
    stream = desk.connect()
    desk.available()
    call = incoming(admin)
    assert stream.next("offer").data["call"]["id"] == call["id"]
    abandoned = admin.post(f"/calls/{call['id']}/abandon", json=None)
    assert abandoned.status_code == 200, abandoned.text
    assert stream.next("offer_cancelled").data == {"call_id": call["id"], "reason": "abandoned"}


def test_a_desk_that_reconnects_is_sent_what_it_missed_first(desk, admin):
    stream = desk.connect()
    desk.available()
    last = stream.next("presence")
    stream.close()
    call = incoming(admin)  # offered while the desk is away
    again = desk.connect(last_event_id=last.id)
    offer = again.next("offer")
    assert offer.data["call"]["id"] == call["id"]
    assert offer.id is not None and offer.id > last.id
    assert again.next("presence").data["presence"] == "offered"
    # Without Last-Event-ID, a desk starts from now: the offer is not sent again.
    again.close()
    fresh = desk.connect()
    fresh.next("queue")
    with pytest.raises(AssertionError, match="no offer event"):
        fresh.next("offer", timeout=1.5)
    desk.act(call["id"], "reject")


def test_a_quiet_stream_has_a_heartbeat(desk):
    stream = desk.connect()
    beat = stream.next("heartbeat", timeout=HEARTBEAT_S * 6)
    assert datetime.fromisoformat(beat.data["at"]).tzinfo is not None


def _revoke(admin: httpx.Client, desk: Desk) -> None:
    mine = [token for token in admin.get("/tokens").json() if token["adviser_id"] == desk.id]
    assert mine
    for token in mine:
        assert admin.delete(f"/tokens/{token['id']}").status_code == 204


def test_a_revoked_token_ends_its_stream_at_the_next_heartbeat(desk, admin):
    """Found by the desk page's browser test: the stream checked the token only when it
    connected, and went on pushing offers, calls and notes included, after revocation."""
    stream = desk.connect()
    stream.next("queue")
    _revoke(admin, desk)
    assert stream.ended(timeout=HEARTBEAT_S * 6)


def test_a_desk_whose_token_was_revoked_is_not_sent_the_offer(desk, admin):
    stream = desk.connect()
    desk.available()
    stream.next("presence")
    _revoke(admin, desk)
    call = incoming(admin)
    assert stream.ended(timeout=HEARTBEAT_S * 6)
    assert "offer" not in stream.types()
    admin.post(f"/calls/{call['id']}/abandon", json=None)
    # The fixture's own sign-off uses the desk's token, revoked here.
    offline = admin.put(f"/advisers/{desk.id}/presence", json={"presence": "offline"})
    assert offline.status_code == 200, offline.text


def test_an_offer_sent_is_a_recorded_read_of_the_calls_notes(desk, admin, push_database_url):
    stream = desk.connect()
    desk.available()
    call = incoming(admin, notes="Transferred from the managers' line: threats at work.")
    assert stream.next("offer").data["call"]["notes"] == call["notes"]
    engine = create_db_engine(push_database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT adviser_id, role FROM audit_event WHERE object_id = :id "
                    "AND action = 'call.read'"
                ),
                {"id": call["id"]},
            ).all()
    finally:
        engine.dispose()
    # The stream's read, by the adviser it was sent to (who recorded the call wrote the
    # notes: that is no read).
    assert [(uuid.UUID(str(adviser)), role) for adviser, role in rows] == [
        (uuid.UUID(desk.id), "adviser")
    ]
    desk.act(call["id"], "reject")


def test_the_stream_needs_a_token(server):
    none = httpx.get(f"{server.base_url}/desk/events", timeout=5)
    assert none.status_code == 401
    assert none.headers["content-type"].startswith("application/problem+json")


def test_a_last_event_id_that_is_no_number_is_a_422_naming_it(desk):
    response = desk.http.get("/desk/events", headers={"Last-Event-ID": "yesterday"})
    assert response.status_code == 422, response.text
    fields = {error["field"] for error in response.json()["errors"]}
    assert any("last-event-id" in field.lower() for field in fields), fields


@pytest.mark.skipif(
    TEST_DATABASE_URL is None, reason="SQLite's desk is one process: its commit wakes its hub"
)
def test_an_offer_made_by_another_process_arrives_by_listen_notify(
    desk, push_database_url, tmp_path: Path
):
    stream = desk.connect()
    with (
        running_server(push_database_url, tmp_path / "other.log", desk_push="true") as other,
        httpx.Client(
            base_url=other.base_url, timeout=10, headers=admin_headers(push_database_url)
        ) as elsewhere,
    ):
        presence = elsewhere.put(f"/advisers/{desk.id}/presence", json={"presence": "available"})
        assert presence.status_code == 200, presence.text
        call = incoming(elsewhere)
        offer = stream.next("offer", timeout=5)
        assert offer.data["call"]["id"] == call["id"]
        elsewhere.post(f"/calls/{call['id']}/abandon", json=None)


def test_every_event_sent_is_one_the_spec_describes(desk, admin):
    from service.main import create_app

    spec = create_app().openapi()["paths"]["/desk/events"]["get"]["responses"]["200"]
    schema = spec["content"]["text/event-stream"]["itemSchema"]
    stream = desk.connect()
    desk.available()
    call = incoming(admin)
    stream.next("offer")
    desk.act(call["id"], "reject")
    stream.next("offer_cancelled")
    stream.next("heartbeat", timeout=HEARTBEAT_S * 6)
    names = set(schema["properties"]["event"]["enum"])
    for event in stream.seen:
        assert event.type in names
        assert event.id is None or str(event.id).isdigit()
        assert isinstance(event.data, dict)  # the data line is JSON


def test_a_server_with_desks_connected_stops_on_sigterm(push_database_url, tmp_path: Path):
    # uvicorn waits for open connections before it shuts down; the streams end first.
    with running_server(push_database_url, tmp_path / "stop.log", desk_push="true") as other:
        desk = Desk(other, httpx.Client(base_url=other.base_url, headers=admin_headers(
            push_database_url), timeout=10), push_database_url)  # fmt: skip
        stream = desk.connect()
        stream.next("queue")
        other.process.terminate()
        # uvicorn re-raises the signal once it has shut down: -15 is a clean exit too.
        assert other.process.wait(timeout=10) in (0, -15)
        assert "Application shutdown complete" in other.log_text()
        desk.close()
