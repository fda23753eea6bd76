"""The desk's event journal, in-process: written with the change it tells of, or not at all."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from service.audit.models import AuditEvent
from service.auth.models import Principal, Role
from service.config import get_settings
from service.events.models import DeskEvent
from service.retention.service import run_retention
from tests.desk import Desk
from tests.factories import assert_problem


@pytest.fixture
def desk(client, session, clock) -> Desk:
    return Desk(client, session, clock)


def journal(session) -> list[tuple[str, str | None, dict[str, Any]]]:
    rows = session.exec(select(DeskEvent).order_by(col(DeskEvent.id))).all()
    return [(r.type, None if r.adviser_id is None else str(r.adviser_id), r.data) for r in rows]


def test_an_offer_and_its_rejection_are_journaled_for_the_adviser(desk, session):
    adviser = desk.adviser()
    before = len(journal(session))
    call = desk.incoming()
    written = journal(session)[before:]
    assert ("offer", adviser, {"call_id": call["id"]}) in written
    offered = {"presence": "offered", "since": desk.now.isoformat()}
    assert ("presence", adviser, offered) in written
    # The queue changed: one event for every desk, naming the line only.
    assert ("queue", None, {"line": "stress"}) in written
    desk.ok(call["id"], "reject", adviser)
    rejected = journal(session)[before + len(written) :]
    assert ("offer_cancelled", adviser, {"call_id": call["id"], "reason": "rejected"}) in rejected


def test_no_free_text_goes_into_the_journal(desk, session):
    adviser = desk.adviser()
    call = desk.incoming(notes="Trusler fra en beboer, CPR 010203-1234.")
    desk.ok(call["id"], "accept", adviser)
    for _, _, data in journal(session):
        assert "notes" not in data and "Trusler" not in str(data)


def test_a_refused_request_journals_nothing(desk, session, client):
    desk.adviser()
    count = select(func.count()).select_from(DeskEvent)
    before = session.exec(count).one()
    refused = client.post("/calls", json={"line": "nowhere", "received_at": desk.now.isoformat()})
    assert_problem(refused, 422, "line")
    assert session.exec(count).one() == before


def test_a_principal_without_an_adviser_record_is_refused_on_record(client, session):
    # An identity provider's user the service has no adviser for: no desk to push to.
    client.app.state.authenticate = lambda **_: Principal(role=Role.supervisor, adviser_id=None)
    response = client.get("/desk/events", headers={"Authorization": "Bearer anything"})
    assert_problem(response, 403)
    denied = session.exec(
        select(AuditEvent).where(AuditEvent.result == "denied", AuditEvent.role == "supervisor")
    ).all()
    assert [event.action for event in denied] == ["GET /desk/events"]


def test_retention_prunes_the_events_older_than_kept(session, clock):
    now = clock()
    kept_h = get_settings().desk_events_kept_h
    for hours in (kept_h + 1, kept_h - 1):
        session.add(DeskEvent(type="presence", at=now - timedelta(hours=hours), data={}))
    session.flush()
    run_retention(session=session, settings=get_settings(), now=now)
    left = session.exec(select(DeskEvent.at)).all()
    assert left == [now - timedelta(hours=kept_h - 1)]
