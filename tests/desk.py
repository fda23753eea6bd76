"""A small driver for desk tests: advisers, live calls and the passing of time."""

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.calls import desk as desk_service
from service.config import get_settings
from tests.factories import create_adviser


class Desk:
    """Drives the desk through the API, with the test's clock in hand."""

    def __init__(self, client: TestClient, session: Session, clock: Any) -> None:
        self.client = client
        self.session = session
        self.clock = clock

    @property
    def now(self) -> datetime:
        return self.clock()

    def adviser(self, *, available: bool = True, **overrides: Any) -> str:
        adviser = create_adviser(self.client, **overrides)
        if available:
            self.presence(adviser["id"], "available")
        return adviser["id"]

    def presence(self, adviser_id: str, presence: str, reason: str | None = None) -> dict:
        body = {"presence": presence} | ({"reason": reason} if reason else {})
        response = self.client.put(f"/advisers/{adviser_id}/presence", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def incoming(self, line: str = "stress", **overrides: Any) -> dict:
        body = {"line": line, "received_at": self.now.isoformat()} | overrides
        response = self.client.post("/calls", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def act(self, call_id: str, action: str, adviser_id: str | None = None, **body: Any):
        payload = ({"adviser_id": adviser_id} if adviser_id else {}) | body
        return self.client.post(f"/calls/{call_id}/{action}", json=payload or None)

    def ok(self, call_id: str, action: str, adviser_id: str | None = None, **body: Any) -> dict:
        response = self.act(call_id, action, adviser_id, **body)
        assert response.status_code == 200, response.text
        return response.json()

    def call(self, call_id: str) -> dict:
        return self.client.get(f"/calls/{call_id}").json()

    def adviser_state(self, adviser_id: str) -> dict:
        return self.client.get(f"/advisers/{adviser_id}").json()

    def events(self, call_id: str) -> list[tuple[str, str | None]]:
        """The call's journal as (type, adviser_id) pairs."""
        events = self.client.get(f"/calls/{call_id}/events").json()
        return [(event["type"], event["adviser_id"]) for event in events]

    def wait(self, seconds: float) -> None:
        """Let time pass, and let the routing timer do what it would have done."""
        self.clock.advance(seconds)
        # The app's settings, which a test may have overridden (`use_settings`).
        settings = self.client.app.dependency_overrides.get(get_settings, get_settings)()
        desk_service.tick(session=self.session, clock=self.clock, settings=settings)


CLASSIFICATION = {
    "caller_type": "employee",
    "sector": "health_social",
    "issue_categories": ["violence", "emotional_demands"],
    "advice": ["apv"],
}
