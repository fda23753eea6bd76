"""Valid call payloads to start from; a test overrides only what it is about."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import func, select

from service.calls.models import Call, CallAdvice, CallIssueCategory

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


def record_call(client: TestClient, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a call through the API and return the whole answer; fail loudly if refused."""
    response = client.post("/calls", json=payload if payload is not None else closed_call())
    assert response.status_code == 201, response.text
    return response.json()


def as_read(answer: dict[str, Any]) -> dict[str, Any]:
    """The call as `GET /calls/{id}` shows it, from the answer of `POST /calls` (which adds
    the repeat contact, `related`)."""
    return {name: value for name, value in answer.items() if name != "related"}


def create_call(client: TestClient, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a call through the API and return it as it reads back; fail if refused."""
    return as_read(record_call(client, payload))


def create_case(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Open a case through the API and return its body; fail loudly if refused."""
    payload = {"line": "stress", "title": "Trusler fra en beboer"} | overrides
    response = client.post("/cases", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def adviser_payload(**overrides: Any) -> dict[str, Any]:
    """A valid new adviser; e-mail addresses are unique per call of this function."""
    payload: dict[str, Any] = {
        "name": "Mette Sørensen",
        "email": f"adviser-{uuid.uuid4().hex[:10]}@example.dk",
        "lines": ["stress"],
        "languages": ["da"],
    }
    payload.update(overrides)
    return payload


def create_adviser(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Create an adviser through the API and return its body; fail loudly if refused."""
    response = client.post("/advisers", json=adviser_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def random_id() -> str:
    return str(uuid.uuid4())


# Helpers for the HTTP-level tests: problem details, row counts and code lists.

PROBLEM_MEDIA_TYPE = "application/problem+json"


def error_fields(body: dict[str, Any]) -> set[str]:
    """The field names that a problem body's `errors` list names."""
    return {error["field"] for error in body.get("errors") or []}


def assert_problem(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem of `status`; with `fields`, its errors name exactly those."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key], body
    if status == 422:
        assert isinstance(body["errors"], list) and body["errors"], body
        assert all(error["field"] and error["reason"] for error in body["errors"]), body
    if fields:
        assert error_fields(body) == set(fields), body["errors"]
    return body


def count_rows(session: Any) -> dict[str, int]:
    """How many calls and call-to-code links are stored."""
    return {
        model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Call, CallIssueCategory, CallAdvice)
    }


def deactivate(session: Any, model: Any, code: str) -> None:
    """Retire a code the way an administrator would: the row stays, marked inactive."""
    session.exec(update(model).where(model.code == code).values(active=False))
    session.commit()


def in_future(delta: timedelta = timedelta(days=1)) -> str:
    """An ISO timestamp `delta` from now, well beyond any allowed clock skew."""
    return iso(datetime.now(UTC) + delta)


def parse_time(text: str) -> datetime:
    """Parse a timestamp the API returned, insisting that it carries an offset."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.tzinfo is not None, text
    return moment


def make_token(
    session: Any,
    role: str,
    *,
    email: str | None = None,
    adviser_id: uuid.UUID | str | None = None,
    days: int = 30,
    now: datetime | None = None,
) -> str:
    """A bearer token for `role`, for the adviser with this id or a new person; the secret."""
    from service.advisers.models import Adviser
    from service.config import get_settings
    from service.tokens import service as tokens_service
    from service.tokens.models import ApiTokenCreate

    if adviser_id is not None:
        email = session.get(Adviser, uuid.UUID(str(adviser_id))).email
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.dk"
    token_in = ApiTokenCreate(email=email, role=role, days=days)
    _, secret = tokens_service.create_token(
        session=session,
        settings=get_settings(),
        token_in=token_in,
        now=now or datetime.now(UTC),
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def as_admin(app: Any) -> None:
    """Let every request of `app` act as an admin without a token.

    For clients on databases of their own whose tests are about something else: a token
    would add rows to data those tests compare.
    """
    from service.auth.dependencies import get_principal
    from service.auth.models import Principal, Role

    app.dependency_overrides[get_principal] = lambda: Principal(role=Role.admin, adviser_id=None)


def use_settings(client: TestClient, **changes: Any) -> Any:
    """Run the test app's routes under other settings (and the Desk driver's ticks): the
    settings are passed in, so no environment or cache needs touching."""
    from service.config import Settings, get_settings

    settings = Settings(**changes)
    client.app.dependency_overrides[get_settings] = lambda: settings  # type: ignore[attr-defined]
    return settings
