"""A case's follow-up tasks through the API: add, finish, cancel, the work list, callbacks."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from service.audit.models import AuditEvent
from service.auth.dependencies import get_principal
from service.auth.models import Principal, Role
from service.calls.models import Call
from service.cases.models import Case, CaseEvent, CaseTask
from tests.desk import Desk
from tests.factories import (
    assert_problem,
    bearer,
    create_adviser,
    create_case,
    iso,
    make_token,
    parse_time,
)

# A Tuesday at 10:00 in Copenhagen (summer time): the lines are open.
TUESDAY_MORNING = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
# Friday 13 June 2025, 14:00 local: an hour before closing; the next opening after closing
# is Monday 16 June 08:00 local (06:00Z).
FRIDAY_AFTERNOON = datetime(2025, 6, 13, 12, 0, tzinfo=UTC)
MONDAY_OPENING = datetime(2025, 6, 16, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def tuesday(clock):
    clock.set(TUESDAY_MORNING)


def count(session, model, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def add(client, case_id: str, *, headers=None, **body):
    payload = {"kind": "send_material", "due_at": iso(TUESDAY_MORNING + timedelta(days=1))}
    return client.post(f"/cases/{case_id}/tasks", json=payload | body, headers=headers or {})


def added(client, case_id: str, **body) -> dict:
    response = add(client, case_id, **body)
    assert response.status_code == 201, response.text
    return response.json()


def change(client, case_id: str, task_id: str, headers=None, **body):
    return client.patch(f"/cases/{case_id}/tasks/{task_id}", json=body, headers=headers or {})


def changed(client, case_id: str, task_id: str, **body) -> dict:
    response = change(client, case_id, task_id, **body)
    assert response.status_code == 200, response.text
    return response.json()


def work_list(client, headers=None, **params) -> list[dict]:
    response = client.get("/tasks", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def follow_up(client, case_id: str) -> datetime | None:
    value = client.get(f"/cases/{case_id}").json()["follow_up_due_at"]
    return None if value is None else parse_time(value)


def timeline(session, case_id: str) -> list[tuple[str, str | None, str | None]]:
    session.expire_all()
    statement = select(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case_id))
    events = session.exec(statement.order_by(CaseEvent.at, CaseEvent.id)).all()
    return [(e.type, str(e.task_id) if e.task_id else None, e.to_status) for e in events]


# -- adding a task -------------------------------------------------------------------------


def test_a_task_is_added_with_its_etag_location_and_step_on_the_timeline(client, session):
    case = create_case(client)
    due = TUESDAY_MORNING + timedelta(days=2)
    response = add(client, case["id"], due_at=iso(due), note="Send APV-vejledning, CPR 010190-1234")
    assert response.status_code == 201, response.text
    task = response.json()
    assert response.headers["Location"] == f"/cases/{case['id']}/tasks/{task['id']}"
    assert response.headers["ETag"] == f'"{task["id"]}-1"'
    assert task["case_id"] == case["id"]
    assert task["case_reference"] == case["reference"]
    assert (task["kind"], task["state"], task["overdue"]) == ("send_material", "open", False)
    assert parse_time(task["due_at"]) == due
    assert task["assignee_adviser_id"] is None  # an admin is no adviser to do it
    assert task["note"] == "Send APV-vejledning, CPR [CPR]"
    assert task["redacted"] == ["note"]
    assert (task["call_id"], task["callback_phone"], task["done_at"]) == (None, None, None)
    assert timeline(session, case["id"])[-1] == ("task_added", task["id"], None)
    after = client.get(f"/cases/{case['id']}").json()
    assert parse_time(after["follow_up_due_at"]) == due
    assert after["version"] == case["version"] + 1


def test_an_advisers_task_is_their_own_unless_they_name_another(client, session, clock):
    adviser, colleague = create_adviser(client), create_adviser(client)
    token = bearer(make_token(session, "adviser", adviser_id=adviser["id"], now=clock()))
    case = create_case(client, owner_adviser_id=adviser["id"])
    own = added(client, case["id"], headers=token)
    assert own["assignee_adviser_id"] == adviser["id"]
    handed = added(client, case["id"], headers=token, assignee_adviser_id=colleague["id"])
    assert handed["assignee_adviser_id"] == colleague["id"]


def test_an_adviser_adds_or_changes_no_task_on_a_case_out_of_reach(client, session, clock):
    adviser = create_adviser(client)
    token = bearer(make_token(session, "adviser", adviser_id=adviser["id"], now=clock()))
    case = create_case(client)  # owned by no one, no task of theirs
    task = added(client, case["id"])
    assert_problem(add(client, case["id"], headers=token), 403)
    assert_problem(change(client, case["id"], task["id"], headers=token, state="done"), 403)
    assert count(session, CaseTask) == 1
    assert client.get("/tasks", params={"case_id": case["id"]}).json()["items"][0]["state"] == (
        "open"
    )


BAD_BODIES = [
    ({"kind": "no_such_kind"}, "kind"),
    ({"kind": None}, "kind"),
    ({"due_at": "2025-06-04T10:00:00"}, "due_at"),  # naive: in which zone?
    ({"due_at": "1717491600"}, "due_at"),
    ({"callback_phone": "22 34 56 78"}, "callback_phone"),  # a send_material task
    ({"kind": "callback", "callback_phone": "12 34 56 78"}, "callback_phone"),
    ({"note": "x" * 2001}, "note"),
    ({"assignee_adviser_id": str(uuid.uuid4())}, "assignee_adviser_id"),
    ({"state": "done"}, "state"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_a_bad_task_is_a_422_naming_the_field_and_nothing_is_stored(client, session, body, field):
    case = create_case(client)
    calls = count(session, Call)
    assert_problem(add(client, case["id"], **body), 422, field)
    assert count(session, CaseTask) == 0
    assert count(session, Call) == calls
    after = client.get(f"/cases/{case['id']}").json()
    assert (after["version"], after["follow_up_due_at"]) == (case["version"], None)


def test_an_inactive_adviser_gets_no_task(client, session):
    adviser = create_adviser(client)
    response = client.patch(f"/advisers/{adviser['id']}", json={"active": False})
    assert response.status_code == 200, response.text
    case = create_case(client)
    assert_problem(
        add(client, case["id"], assignee_adviser_id=adviser["id"]), 422, "assignee_adviser_id"
    )
    assert count(session, CaseTask) == 0


def test_a_closed_case_takes_no_task(client, session):
    case = create_case(client)
    closing = {"outcome": "resolved_by_advice"}
    assert client.post(f"/cases/{case['id']}/close", json=closing).status_code == 200
    body = assert_problem(add(client, case["id"]), 409)
    assert body["case_status"] == "closed"
    assert count(session, CaseTask) == 0


def test_a_waiting_case_takes_a_task(client):
    case = create_case(client)
    waiting = client.post(f"/cases/{case['id']}/wait", json={"waiting_for": "caller"})
    assert waiting.status_code == 200, waiting.text
    assert added(client, case["id"])["state"] == "open"


def test_a_retry_with_the_same_key_answers_the_same_task_and_stores_one(client, session):
    case = create_case(client)
    key = {"Idempotency-Key": "task-" + uuid.uuid4().hex}
    first = add(client, case["id"], headers=key, note="Ring til TR")
    again = add(client, case["id"], headers=key, note="Ring til TR")
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert count(session, CaseTask) == 1
    assert [step for step in timeline(session, case["id"]) if step[0] == "task_added"] == [
        ("task_added", first.json()["id"], None)
    ]
    other = add(client, case["id"], headers=key, note="Noget andet")
    assert_problem(other, 422)  # the key was used for another request
    assert count(session, CaseTask) == 1


# -- the case's next follow-up -------------------------------------------------------------


def test_the_case_follows_up_at_its_earliest_open_task(client, session):
    case = create_case(client)
    later = added(client, case["id"], due_at=iso(TUESDAY_MORNING + timedelta(days=3)))
    sooner = added(client, case["id"], due_at=iso(TUESDAY_MORNING + timedelta(days=1)))
    assert follow_up(client, case["id"]) == TUESDAY_MORNING + timedelta(days=1)

    done = changed(client, case["id"], sooner["id"], state="done")
    assert (done["state"], parse_time(done["done_at"])) == ("done", TUESDAY_MORNING)
    assert done["version"] == 2
    assert follow_up(client, case["id"]) == TUESDAY_MORNING + timedelta(days=3)
    assert timeline(session, case["id"])[-1] == ("task_changed", sooner["id"], "done")

    moved = changed(client, case["id"], later["id"], due_at=iso(TUESDAY_MORNING + timedelta(2)))
    assert follow_up(client, case["id"]) == parse_time(moved["due_at"])

    cancelled = changed(client, case["id"], later["id"], state="cancelled")
    assert (cancelled["state"], cancelled["done_at"]) == ("cancelled", None)
    assert follow_up(client, case["id"]) is None
    assert timeline(session, case["id"])[-1] == ("task_changed", later["id"], "cancelled")


def test_a_task_is_overdue_once_its_due_time_passes_open(client, clock):
    case = create_case(client)
    soon = added(client, case["id"], due_at=iso(TUESDAY_MORNING + timedelta(hours=1)))
    finished = added(client, case["id"], due_at=iso(TUESDAY_MORNING + timedelta(minutes=30)))
    changed(client, case["id"], finished["id"], state="done")
    assert work_list(client, overdue="true") == []
    assert ids(work_list(client, overdue="false")) == [soon["id"]]

    clock.advance(2 * 3600)
    [overdue] = work_list(client, overdue="true")
    assert (overdue["id"], overdue["overdue"]) == (soon["id"], True)
    assert work_list(client, overdue="false") == []
    # A done task is never overdue, however late it is.
    [done] = work_list(client, state="done")
    assert (done["id"], done["overdue"]) == (finished["id"], False)
    assert work_list(client, state="done", overdue="true") == []


# -- changing a task -----------------------------------------------------------------------


def test_a_done_or_cancelled_task_is_final(client, session):
    case = create_case(client)
    task = added(client, case["id"])
    done = changed(client, case["id"], task["id"], state="done")
    again = changed(client, case["id"], task["id"], state="done")  # a repeat changes nothing
    assert (again["version"], again["done_at"]) == (done["version"], done["done_at"])
    for body in ({"state": "cancelled"}, {"state": "open"}, {"note": "Alligevel ikke"}):
        problem = assert_problem(change(client, case["id"], task["id"], **body), 409)
        assert problem["task_state"] == "done"
    steps = [step for step in timeline(session, case["id"]) if step[0] == "task_changed"]
    assert steps == [("task_changed", task["id"], "done")]


def test_a_change_from_a_stale_copy_is_a_412(client):
    case = create_case(client)
    task = added(client, case["id"])
    etag = f'"{task["id"]}-1"'
    changed(client, case["id"], task["id"], note="Første udgave")
    stale = change(client, case["id"], task["id"], headers={"If-Match": etag}, state="done")
    assert_problem(stale, 412)
    fresh = {"If-Match": f'"{task["id"]}-2"'}
    response = change(client, case["id"], task["id"], headers=fresh, state="done")
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{task["id"]}-3"'


def test_a_task_of_another_case_is_not_found_there(client):
    case, other = create_case(client), create_case(client)
    task = added(client, other["id"])
    assert_problem(change(client, case["id"], task["id"], state="done"), 404)
    assert_problem(change(client, case["id"], str(uuid.uuid4()), state="done"), 404)
    assert work_list(client, case_id=other["id"])[0]["state"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"state": None}, "state"),
        ({"due_at": None}, "due_at"),
        ({"due_at": "2025-06-05T10:00:00"}, "due_at"),
        ({"state": "finished"}, "state"),
        ({"assignee_adviser_id": str(uuid.uuid4())}, "assignee_adviser_id"),
        ({"kind": "callback"}, "kind"),
    ],
)
def test_a_bad_change_is_a_422_naming_the_field_and_changes_nothing(client, body, field):
    case = create_case(client)
    task = added(client, case["id"])
    assert_problem(change(client, case["id"], task["id"], **body), 422, field)
    [after] = work_list(client, case_id=case["id"])
    assert after == task


def test_a_task_is_handed_over_and_unassigned(client):
    adviser = create_adviser(client)
    case = create_case(client)
    task = added(client, case["id"])
    handed = changed(client, case["id"], task["id"], assignee_adviser_id=adviser["id"])
    assert handed["assignee_adviser_id"] == adviser["id"]
    assert ids(work_list(client, assignee=adviser["id"])) == [task["id"]]
    unassigned = changed(client, case["id"], task["id"], assignee_adviser_id=None)
    assert unassigned["assignee_adviser_id"] is None
    assert work_list(client, assignee=adviser["id"]) == []


# -- closing a case with open tasks --------------------------------------------------------


def test_an_open_task_blocks_closing_unless_cancelled_with_it(client, session):
    case = create_case(client)
    first, second = added(client, case["id"]), added(client, case["id"])
    changed(client, case["id"], second["id"], state="done")
    closing = {"outcome": "resolved_by_advice"}
    blocked = client.post(f"/cases/{case['id']}/close", json=closing)
    assert assert_problem(blocked, 409)["open_task_ids"] == [first["id"]]
    assert client.get(f"/cases/{case['id']}").json()["status"] == "open"

    closed = client.post(f"/cases/{case['id']}/close", json=closing | {"cancel_open_tasks": True})
    assert closed.status_code == 200, closed.text
    assert closed.json()["follow_up_due_at"] is None
    states = {
        t["id"]: t["state"] for s in ("done", "cancelled") for t in work_list(client, state=s)
    }
    assert states == {first["id"]: "cancelled", second["id"]: "done"}
    assert count(session, CaseTask, CaseTask.state == "open") == 0


# -- the work list -------------------------------------------------------------------------


@pytest.fixture
def team(client, session, clock):
    """Two advisers with a task each on one case, an unassigned task; tokens per person."""
    mette, jonas = create_adviser(client), create_adviser(client)
    case = create_case(client, owner_adviser_id=mette["id"])
    day = timedelta(days=1)
    tasks = {
        "mette": added(
            client,
            case["id"],
            assignee_adviser_id=mette["id"],
            due_at=iso(TUESDAY_MORNING + 2 * day),
        ),
        "jonas": added(
            client, case["id"], assignee_adviser_id=jonas["id"], due_at=iso(TUESDAY_MORNING + day)
        ),
        "nobody": added(client, case["id"], due_at=iso(TUESDAY_MORNING + 3 * day)),
    }
    tokens = {
        "mette": bearer(make_token(session, "adviser", adviser_id=mette["id"], now=clock())),
        "jonas": bearer(make_token(session, "adviser", adviser_id=jonas["id"], now=clock())),
        "supervisor": bearer(make_token(session, "supervisor", now=clock())),
    }
    return {
        "case": case,
        "advisers": {"mette": mette, "jonas": jonas},
        "tasks": tasks,
        "tokens": tokens,
    }


def test_an_adviser_lists_their_own_tasks_a_supervisor_anyones(client, team):
    tasks, tokens, advisers = team["tasks"], team["tokens"], team["advisers"]
    mine = [tasks["mette"]["id"]]
    assert ids(work_list(client, tokens["mette"])) == mine
    assert ids(work_list(client, tokens["mette"], assignee="me")) == mine
    assert ids(work_list(client, tokens["mette"], assignee=advisers["mette"]["id"])) == mine
    assert ids(work_list(client, tokens["jonas"])) == [tasks["jonas"]["id"]]
    # Everyone's, earliest due first.
    everyone = [tasks[name]["id"] for name in ("jonas", "mette", "nobody")]
    assert ids(work_list(client, tokens["supervisor"])) == everyone
    assert ids(work_list(client, assignee=advisers["jonas"]["id"])) == [tasks["jonas"]["id"]]


def test_an_adviser_may_not_list_a_colleagues_tasks(client, team):
    colleague = team["advisers"]["jonas"]["id"]
    response = client.get("/tasks", params={"assignee": colleague}, headers=team["tokens"]["mette"])
    assert_problem(response, 403)


def test_an_adviser_lists_no_task_of_a_case_they_no_longer_see(client, team):
    case = team["case"]
    closing = {"outcome": "resolved_by_advice", "cancel_open_tasks": True}
    assert client.post(f"/cases/{case['id']}/close", json=closing).status_code == 200
    assert work_list(client, team["tokens"]["mette"], state="cancelled") == []
    assert len(work_list(client, team["tokens"]["supervisor"], state="cancelled")) == 3


def test_me_needs_an_adviser_record(client, team):
    client.app.dependency_overrides[get_principal] = lambda: Principal(
        role=Role.supervisor, adviser_id=None
    )
    assert_problem(client.get("/tasks", params={"assignee": "me"}), 422, "assignee")
    assert len(work_list(client)) == 3  # without `me`, everyone's


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"assignee": "someone"}, "assignee"),
        ({"state": "finished"}, "state"),
        ({"due_before": "2025-06-05T10:00:00"}, "due_before"),
        ({"overdue": "maybe"}, "overdue"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"case_id": "42"}, "case_id"),
    ],
)
def test_a_bad_work_list_query_is_a_422_naming_it(client, params, field):
    assert_problem(client.get("/tasks", params=params), 422, field)


def test_the_work_list_filters_and_pages_by_due_time(client, team):
    tasks = team["tasks"]
    before = iso(TUESDAY_MORNING + timedelta(days=2, hours=1))
    assert ids(work_list(client, due_before=before)) == [tasks["jonas"]["id"], tasks["mette"]["id"]]
    other = create_case(client)
    elsewhere = added(client, other["id"])
    assert ids(work_list(client, case_id=other["id"])) == [elsewhere["id"]]

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/tasks", params=params).json()
        assert len(page["items"]) <= 2
        seen += ids(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids(work_list(client)) and len(seen) == 4


def test_the_work_list_records_who_read_the_notes(client, session):
    case = create_case(client)
    noted = added(client, case["id"], note="Ring efter kl. 12")
    added(client, case["id"])
    reads = (AuditEvent.action == "case_task.read",)
    before = count(session, AuditEvent, *reads)
    assert len(work_list(client)) == 2
    session.expire_all()
    rows = session.exec(select(AuditEvent).where(*reads).order_by(AuditEvent.id)).all()[before:]
    assert [(row.object_type, row.object_id, row.fields) for row in rows] == [
        ("case_task", noted["id"], ["note"])
    ]


# -- a callback task rings as an outbound call -------------------------------------------


def test_a_callback_task_queues_a_call_of_the_case_for_the_next_opening(client, session, clock):
    clock.set(FRIDAY_AFTERNOON)
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    case = create_case(client)
    due = FRIDAY_AFTERNOON + timedelta(hours=2)  # 16:00 local: the lines have closed
    task = added(client, case["id"], kind="callback", due_at=iso(due), callback_phone="22 34 56 78")
    assert task["callback_phone"] == "+4522345678"
    assert task["call_id"] is not None
    call = desk.call(task["call_id"])
    assert (call["direction"], call["status"], call["line"]) == ("outbound", "queued", case["line"])
    assert (call["callback_requested"], call["callback_phone"]) == (True, "+4522345678")
    assert parse_time(call["callback_due_at"]) == MONDAY_OPENING
    assert parse_time(call["received_at"]) == MONDAY_OPENING
    assert client.get(f"/cases/{case['id']}").json()["call_ids"] == [call["id"]]
    assert desk.events(call["id"]) == [("queued", None)]

    desk.wait(3 * 3600)  # the evening: the call waits, though the adviser is free
    assert (desk.call(call["id"])["status"], desk.call(call["id"])["adviser_id"]) == (
        "queued",
        None,
    )
    clock.set(MONDAY_OPENING)
    desk.wait(0)
    rung = desk.call(call["id"])
    assert (rung["status"], rung["adviser_id"]) == ("assigned", adviser)


def test_a_callback_due_in_opening_hours_rings_at_its_due_time(client, session, clock):
    case = create_case(client)
    due = TUESDAY_MORNING + timedelta(hours=2)
    task = added(client, case["id"], kind="callback", due_at=iso(due), callback_phone="22345678")
    call = session.get(Call, uuid.UUID(task["call_id"]))
    assert call.callback_due_at == due
    assert call.case_id == uuid.UUID(case["id"])


def test_a_callback_task_without_a_number_is_a_task_only(client, session):
    case = create_case(client)
    calls = count(session, Call)
    task = added(client, case["id"], kind="callback")
    assert (task["call_id"], task["callback_phone"]) == (None, None)
    assert count(session, Call) == calls


def test_cancelling_a_callback_task_leaves_its_queued_call(client, session):
    """Decided: the call stays queued (it is in the case, and the adviser offered it sees
    why); a task cancelled does not abandon a call that no caller hung up."""
    case = create_case(client)
    task = added(client, case["id"], kind="callback", callback_phone="22345678")
    changed(client, case["id"], task["id"], state="cancelled")
    call = session.get(Call, uuid.UUID(task["call_id"]))
    session.refresh(call)
    assert call.status == "queued"


def test_tasks_are_stored_as_the_api_shows_them(client, session):
    case = create_case(client)
    task = added(client, case["id"], note="Tjek med tilsynet")
    session.expire_all()
    row = session.get(CaseTask, uuid.UUID(task["id"]))
    assert (str(row.case_id), row.kind, row.state, row.note) == (
        case["id"],
        "send_material",
        "open",
        "Tjek med tilsynet",
    )
    assert session.get(Case, uuid.UUID(case["id"])).follow_up_due_at == row.due_at


def test_an_unknown_query_parameter_is_a_422_before_the_task_is_looked_up(client):
    case = create_case(client)
    url = f"/cases/{case['id']}/tasks/{uuid.uuid4()}"
    response = client.patch(url, params={"no_such_parameter": "1"}, json={})
    assert "no_such_parameter" in {e["field"] for e in assert_problem(response, 422)["errors"]}


def test_every_task_body_shows_an_example(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("CaseTaskCreate", "CaseTaskUpdate", "CaseTaskPublic"):
        assert schemas[name]["examples"], name


RACERS = 6


def test_tasks_added_at_once_leave_the_case_following_up_at_the_earliest(committed):
    """Each addition works the follow-up out from the tasks committed before it: without the
    case's row held, two at once each saw only their own task, and the later commit won."""
    client = committed.client
    case = create_case(client)
    start = threading.Barrier(RACERS)
    now = datetime.now(UTC)

    def post(index: int) -> Any:
        start.wait()
        due = now + timedelta(days=RACERS - index)
        return add(client, case["id"], due_at=iso(due))

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(post, range(RACERS)))

    assert [answer.status_code for answer in answers] == [201] * RACERS, [a.text for a in answers]
    after = client.get(f"/cases/{case['id']}").json()
    earliest = min(parse_time(answer.json()["due_at"]) for answer in answers)
    assert parse_time(after["follow_up_due_at"]) == earliest
    assert after["version"] == case["version"] + RACERS
