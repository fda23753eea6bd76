"""Schema-driven fuzzing of every operation, signed in as an admin: no 5xx, no answer the
spec does not describe. A bounded number of examples per operation keeps it in CI."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from service.db import get_session
from service.main import create_app
from tests.factories import bearer, make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# Loaded once; each test points the app at its own rolled-back session and clock.
APP = create_app()
# Not the desk's stream: it answers for as long as the desk stays connected, so each example
# would wait out a read timeout. Its answers are checked against the spec's event schema by
# tests/calls/test_desk_events.py instead.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/desk/events")


@pytest.fixture
def admin(session: Session, clock) -> Iterator[dict[str, str]]:
    def session_for_request() -> Iterator[Session]:
        try:
            yield session
        finally:
            session.rollback()

    APP.state.clock = clock
    APP.dependency_overrides[get_session] = session_for_request
    yield bearer(make_token(session, "admin", days=3650, now=clock()))
    APP.dependency_overrides.clear()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_fails_or_answers_outside_its_spec(case, admin):
    case.call_and_validate(headers=admin, checks=CHECKS)
