"""`task_due`: the routing timer tells an assignee's desk, once, that a task fell due."""

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from service.calls import desk as desk_service
from service.config import get_settings
from service.events.models import DeskEvent
from tests.factories import create_adviser, create_case, iso

TUESDAY_MORNING = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


def told(session) -> list[tuple[str, dict]]:
    rows = session.exec(
        select(DeskEvent).where(DeskEvent.type == "task_due").order_by(col(DeskEvent.id))
    ).all()
    return [(str(row.adviser_id), row.data) for row in rows]


def tick(session, clock) -> None:
    desk_service.tick(session=session, clock=clock, settings=get_settings())


def test_a_task_is_told_of_once_when_it_falls_due_and_again_once_moved(client, session, clock):
    clock.set(TUESDAY_MORNING)
    adviser = create_adviser(client)
    case = create_case(client)
    due = TUESDAY_MORNING + timedelta(hours=1)
    body = {"kind": "send_material", "due_at": iso(due), "assignee_adviser_id": adviser["id"]}
    task = client.post(f"/cases/{case['id']}/tasks", json=body)
    assert task.status_code == 201, task.text
    tick(session, clock)
    assert told(session) == []  # not due yet
    clock.advance(3600)  # due now, to the microsecond
    tick(session, clock)
    expected = {
        "task_id": task.json()["id"],
        "case_id": case["id"],
        "kind": "send_material",
        "due_at": due.isoformat(),
    }
    assert told(session) == [(adviser["id"], expected)]
    clock.advance(60)
    tick(session, clock)
    assert len(told(session)) == 1  # once
    # Moved to tomorrow: told again when that comes, not before.
    later = due + timedelta(days=1)
    moved = client.patch(
        f"/cases/{case['id']}/tasks/{task.json()['id']}", json={"due_at": iso(later)}
    )
    assert moved.status_code == 200, moved.text
    tick(session, clock)
    assert len(told(session)) == 1
    clock.set(later)
    tick(session, clock)
    assert told(session)[-1] == (adviser["id"], expected | {"due_at": later.isoformat()})


def test_a_done_or_unassigned_task_is_told_to_no_one(client, session, clock):
    clock.set(TUESDAY_MORNING)
    adviser = create_adviser(client)
    case = create_case(client)
    due = iso(TUESDAY_MORNING + timedelta(minutes=5))
    done = client.post(
        f"/cases/{case['id']}/tasks",
        json={"kind": "other", "due_at": due, "assignee_adviser_id": adviser["id"]},
    ).json()
    path = f"/cases/{case['id']}/tasks/{done['id']}"
    assert client.patch(path, json={"state": "done"}).status_code == 200
    unassigned = client.post(
        f"/cases/{case['id']}/tasks",
        json={"kind": "other", "due_at": due, "assignee_adviser_id": adviser["id"]},
    ).json()
    cleared = client.patch(
        f"/cases/{case['id']}/tasks/{unassigned['id']}", json={"assignee_adviser_id": None}
    )
    assert cleared.status_code == 200, cleared.text
    clock.advance(600)
    tick(session, clock)
    assert told(session) == []
