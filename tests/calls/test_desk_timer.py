"""The routing timer of a real server: offers time out with no request coming in.

Every other desk test drives the clock itself with the timer off; these start `hotline serve`
with the timer on and only watch (GET requests, which never route), so whatever happens is
the timer's doing. They run on SQLite, or on PostgreSQL when HOTLINE_TEST_DATABASE_URL is set.
"""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import adviser_payload, parse_time
from tests.servers import admin_headers, running_server

OFFER_TIMEOUT_S = 1.0
TICK_S = 0.2
# How late a timeout may come on a slow machine: a few ticks plus scheduling noise.
SLACK_S = 2.0


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        yield url


def timer_settings(offer_timeout_s: float = OFFER_TIMEOUT_S) -> dict[str, object]:
    return {
        "routing_timer": "true",
        "offer_timeout_s": offer_timeout_s,
        "routing_tick_s": TICK_S,
    }


class Api:
    """The few desk requests these tests make, against one server."""

    def __init__(self, base_url: str, database_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10, headers=admin_headers(database_url))

    def close(self) -> None:
        self.http.close()

    def adviser(self) -> str:
        created = self.http.post("/advisers", json=adviser_payload())
        assert created.status_code == 201, created.text
        adviser_id = created.json()["id"]
        presence = self.http.put(f"/advisers/{adviser_id}/presence", json={"presence": "available"})
        assert presence.status_code == 200, presence.text
        return adviser_id

    def incoming(self) -> dict[str, Any]:
        body = {"line": "stress", "received_at": datetime.now(UTC).isoformat()}
        response = self.http.post("/calls", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def call(self, call_id: str) -> dict[str, Any]:
        response = self.http.get(f"/calls/{call_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def events(self, call_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/calls/{call_id}/events")
        assert response.status_code == 200, response.text
        return response.json()

    def adviser_state(self, adviser_id: str) -> dict[str, Any]:
        response = self.http.get(f"/advisers/{adviser_id}")
        assert response.status_code == 200, response.text
        return response.json()


def eventually(check: Callable[[], Any], *, timeout_s: float, what: str) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.05)


def event_types(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(event["type"], event["adviser_id"]) for event in events]


def timed_out(api: Api, call_id: str) -> list[dict[str, Any]] | None:
    events = api.events(call_id)
    return events if any(event["type"] == "timed_out" for event in events) else None


def assert_timed_out_on_time(events: list[dict[str, Any]], timeout_s: float) -> None:
    """The timeout came no earlier than the offer's expiry, and not much later."""
    offered = parse_time(next(e["at"] for e in events if e["type"] == "offered"))
    expired = parse_time(next(e["at"] for e in events if e["type"] == "timed_out"))
    waited = (expired - offered).total_seconds()
    assert timeout_s <= waited <= timeout_s + SLACK_S, waited


def test_offers_time_out_and_a_missing_adviser_is_benched_with_no_request(database_url, tmp_path):
    with running_server(database_url, tmp_path / "serve.log", **timer_settings()) as server:
        api = Api(server.base_url, database_url)
        try:
            adviser = api.adviser()
            first = api.incoming()
            assert first["status"] == "assigned"
            assert first["adviser_id"] == adviser

            # No request at all while the offer runs out: only the timer can act.
            time.sleep(OFFER_TIMEOUT_S + 4 * TICK_S)
            events = eventually(
                lambda: timed_out(api, first["id"]), timeout_s=SLACK_S, what="first timeout"
            )
            assert event_types(events) == [
                ("queued", None),
                ("offered", adviser),
                ("timed_out", adviser),
            ]
            assert_timed_out_on_time(events, OFFER_TIMEOUT_S)
            # Back in the queue, and not offered again to the adviser who missed it.
            call = api.call(first["id"])
            assert (call["status"], call["adviser_id"]) == ("queued", None)
            state = api.adviser_state(adviser)
            assert (state["availability"], state["presence"]) == ("available", "available")

            # The adviser is free, so the next caller goes to them; a second miss benches them.
            second = api.incoming()
            assert (second["status"], second["adviser_id"]) == ("assigned", adviser)
            time.sleep(OFFER_TIMEOUT_S + 4 * TICK_S)
            events = eventually(
                lambda: timed_out(api, second["id"]), timeout_s=SLACK_S, what="second timeout"
            )
            assert_timed_out_on_time(events, OFFER_TIMEOUT_S)
            state = api.adviser_state(adviser)
            assert state["availability"] == "break"
            assert state["presence"] == "break"
            assert state["presence_reason"] == "missed_offers"
            history = api.http.get(f"/advisers/{adviser}/presence").json()
            assert (history[0]["presence"], history[0]["reason"]) == ("break", "missed_offers")

            # Nobody is left to take either call: both wait, offered to no one.
            for call_id in (first["id"], second["id"]):
                call = api.call(call_id)
                assert (call["status"], call["adviser_id"]) == ("queued", None)
            stress = next(
                q for q in api.http.get("/queue").json()["lines"] if q["line"] == "stress"
            )
            assert [entry["call_id"] for entry in stress["waiting"]] == [first["id"], second["id"]]
            assert all(entry["offered_to"] is None for entry in stress["waiting"])
        finally:
            api.close()
    assert "routing tick failed" not in server.log_text()


def pending_offers(database_url: str) -> list[tuple[str, datetime]]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT CAST(call_id AS VARCHAR), expires_at FROM call_offer "
                    "WHERE state = 'pending'"
                )
            ).all()
    finally:
        engine.dispose()
    return [(str(call_id), expires_at) for call_id, expires_at in rows]


def test_an_offer_that_expired_while_no_server_ran_times_out_right_after_a_restart(
    database_url, tmp_path
):
    timeout_s = 3.0
    with running_server(
        database_url, tmp_path / "first.log", **timer_settings(timeout_s)
    ) as server:
        api = Api(server.base_url, database_url)
        try:
            adviser = api.adviser()
            call = api.incoming()
        finally:
            api.close()
    # Stopped with the offer still live; it stays so while no server runs.
    assert (call["status"], call["adviser_id"]) == ("assigned", adviser)
    [(call_id, _)] = pending_offers(database_url)
    assert call_id.replace("-", "") == call["id"].replace("-", "")

    time.sleep(timeout_s + 0.5)
    assert len(pending_offers(database_url)) == 1

    # The new server would give new offers a minute; this one's expiry was stored.
    restarted_at = datetime.now(UTC)
    with running_server(database_url, tmp_path / "second.log", **timer_settings(60)) as server:
        api = Api(server.base_url, database_url)
        try:
            events = eventually(
                lambda: timed_out(api, call["id"]), timeout_s=SLACK_S, what="timeout after restart"
            )
            assert event_types(events) == [
                ("queued", None),
                ("offered", adviser),
                ("timed_out", adviser),
            ]
            offered_at, expired_at = (parse_time(event["at"]) for event in events[1:])
            # Expired by the new server's timer, not backdated, and not before the expiry.
            assert restarted_at <= expired_at <= datetime.now(UTC)
            assert expired_at - offered_at >= timedelta(seconds=timeout_s)
            assert api.call(call["id"])["status"] == "queued"
            assert pending_offers(database_url) == []
        finally:
            api.close()
