"""Valid call payloads to start from; a test overrides only what it is about."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

# A fixed Monday morning in the past, so that no timestamp trips the future check.
BASE_TIME = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def closed_call(received_at: datetime = BASE_TIME, **overrides: Any) -> dict[str, Any]:
    """A call recorded after the fact: answered, ended, classified and closed."""
    payload: dict[str, Any] = {
        "line": "stress",
        "direction": "inbound",
        "received_at": iso(received_at),
        "answered_at": iso(received_at + timedelta(seconds=25)),
        "ended_at": iso(received_at + timedelta(minutes=12)),
        "caller_type": "employee",
        "sector": "health_social",
        "workplace_size": "50-249",
        "issue_categories": ["workload", "emotional_demands"],
        "advice": ["apv", "involve_representatives"],
        "stress_reported": True,
        "notes": "Ringer om stort arbejdspres på et bosted.",
        "language": "da",
        "status": "closed",
    }
    payload.update(overrides)
    return payload


def live_call(received_at: datetime = BASE_TIME, **overrides: Any) -> dict[str, Any]:
    """A call that has just entered the queue."""
    payload: dict[str, Any] = {"line": "stress", "received_at": iso(received_at)}
    payload.update(overrides)
    return payload


def create_call(client: TestClient, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a call through the API and return its body; fail loudly if refused."""
    response = client.post("/calls", json=payload if payload is not None else closed_call())
    assert response.status_code == 201, response.text
    return response.json()


def random_id() -> str:
    return str(uuid.uuid4())
