"""A call's close opens a case for it or makes it part of one, in the close's transaction."""

import uuid

from sqlmodel import func, select

from service.calls.models import Call
from service.cases.models import Case
from tests.desk import CLASSIFICATION, Desk
from tests.factories import BASE_TIME, assert_problem, create_case


def answered(desk: Desk, adviser_id: str) -> str:
    """A live call, offered to the adviser, accepted and ended: in wrap-up."""
    call = desk.incoming()
    desk.ok(call["id"], "accept", adviser_id)
    desk.ok(call["id"], "end", adviser_id)
    return call["id"]


def test_a_close_opens_a_case_the_closing_adviser_owns(client, session, clock):
    clock.set(BASE_TIME)
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call_id = answered(desk, adviser)
    closing = CLASSIFICATION | {
        "open_case": {"title": "Trusler på bostedet"},
        "callback_requested": True,
        "callback_phone": "+45 22 34 56 78",
    }
    closed = desk.ok(call_id, "close", adviser, **closing)
    case = client.get(f"/cases/{closed['case_id']}").json()
    # The callback the close scheduled is part of the case too.
    callback = session.exec(select(Call).where(Call.origin_call_id == uuid.UUID(call_id))).one()
    assert (case["title"], case["owner_adviser_id"], case["call_ids"]) == (
        "Trusler på bostedet",
        adviser,
        [call_id, str(callback.id)],
    )
    assert case["workplace"]["sector"] == CLASSIFICATION["sector"]
    assert case["status_changed_by"] == f"adviser:{adviser}"


def test_a_close_joins_an_open_case_and_refuses_a_closed_one(client, session, clock):
    clock.set(BASE_TIME)
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    case = create_case(client, owner_adviser_id=adviser)
    first = answered(desk, adviser)
    assert (
        desk.ok(first, "close", adviser, **CLASSIFICATION, join_case_id=case["id"])["case_id"]
        == case["id"]
    )
    client.post(f"/cases/{case['id']}/close", json={"outcome": "resolved_by_advice"})
    second = answered(desk, adviser)
    response = desk.act(second, "close", adviser, **CLASSIFICATION, join_case_id=case["id"])
    assert_problem(response, 422, "join_case_id")
    # Nothing of the close happened: the call is still in wrap-up, in no case.
    assert (desk.call(second)["status"], desk.call(second)["case_id"]) == ("wrap_up", None)


def test_a_close_cannot_both_open_and_join_a_case(client, session, clock):
    clock.set(BASE_TIME)
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    case = create_case(client, owner_adviser_id=adviser)
    call_id = answered(desk, adviser)
    before = session.exec(select(func.count()).select_from(Case)).one()
    both = CLASSIFICATION | {"join_case_id": case["id"], "open_case": {"title": "Ny"}}
    assert_problem(desk.act(call_id, "close", adviser, **both), 422, "open_case")
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Case)).one() == before
    assert desk.call(call_id)["status"] == "wrap_up"
