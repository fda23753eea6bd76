"""The case record through the API: open, read, change, list, its actions, calls and merge."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from service.audit.models import AuditEvent
from service.cases import permissions
from service.cases.models import Case, CaseEvent, CaseNote, CaseTask
from service.cases.states import CaseStatus
from tests.factories import (
    BASE_TIME,
    assert_problem,
    bearer,
    closed_call,
    create_adviser,
    create_call,
    create_case,
    make_token,
)

VALID_CVR = "13585628"


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def add_task(session, case_id: str, *, due_at: datetime, assignee=None, state="open") -> CaseTask:
    task = CaseTask(
        case_id=uuid.UUID(case_id),
        kind="send_material",
        state=state,
        due_at=due_at,
        assignee_adviser_id=uuid.UUID(assignee) if assignee else None,
    )
    session.add(task)
    session.commit()
    return task


# -- opening a case ---------------------------------------------------------------------------


def test_a_case_opened_from_a_call_takes_the_call_and_its_workplace(client, session, clock):
    call = create_call(client, closed_call(sector="health_social", workplace_size="50-249"))
    body = {
        "line": "stress",
        "title": "Trusler fra en beboer",
        "summary": "Pædagog, CPR 010190-1234, trues af en beboer.",
        "risk_flag": "violence_or_threats",
        "workplace": {"cvr": "DK 1358 5628", "name": "Bostedet Egely"},
        "call_ids": [call["id"]],
    }
    response = client.post("/cases", json=body)
    assert response.status_code == 201, response.text
    case = response.json()
    assert response.headers["Location"] == f"/cases/{case['id']}"
    assert response.headers["ETag"] == f'"{case["id"]}-{case["version"]}"'
    assert case["reference"] == f"{clock().astimezone(ZoneInfo('Europe/Copenhagen')).year}-00001"
    assert case["status"] == "open" and case["previous_status"] is None
    assert case["summary"] == "Pædagog, CPR [CPR], trues af en beboer."
    assert case["redacted"] == ["summary"]
    assert case["call_ids"] == [call["id"]]
    assert case["workplace"] == {
        "cvr": VALID_CVR,
        "p_number": None,
        "name": "Bostedet Egely",
        "address": None,
        # Filled in from the call's classification, which the case did not give.
        "sector": "health_social",
        "industry_code": None,
        "workplace_size": "50-249",
    }
    assert client.get(f"/calls/{call['id']}").json()["case_id"] == case["id"]
    assert client.get(f"/cases/{case['id']}").json() == case
    [opened, linked] = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case["id"])).order_by(CaseEvent.id)
    ).all()
    assert (opened.type, opened.to_status, linked.type, str(linked.call_id)) == (
        "opened",
        "open",
        "call_linked",
        call["id"],
    )


def test_references_count_on_per_year_in_copenhagen_time(client, clock):
    clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 in Copenhagen
    first = create_case(client)["reference"]
    second = create_case(client)["reference"]
    clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on New Year's Day
    third = create_case(client)["reference"]
    assert int(second[5:]) == int(first[5:]) + 1
    assert (first[:5], second[:5]) == ("2026-", "2026-")
    assert third == "2027-00001"


def test_an_adviser_who_opens_a_case_owns_it(client, session, clock):
    adviser = create_adviser(client)
    token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    body = {"line": "managers", "title": "Ny leder"}
    response = client.post("/cases", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    assert response.json()["owner_adviser_id"] == adviser["id"]
    assert response.json()["status_changed_by"] == f"adviser:{adviser['id']}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"workplace": {"cvr": "13585629"}}, "workplace.cvr"),
        ({"workplace": {"cvr": "1234"}}, "workplace.cvr"),
        ({"workplace": {"p_number": "12"}}, "workplace.p_number"),
        ({"workplace": {"sector": "no_such_sector"}}, "workplace.sector"),
        ({"line": "no_such_line"}, "line"),
        ({"title": ""}, "title"),
        ({"risk_flag": "maybe"}, "risk_flag"),
        ({"call_ids": [str(uuid.uuid4())]}, "call_ids.0"),
        ({"owner_adviser_id": str(uuid.uuid4())}, "owner_adviser_id"),
    ],
)
def test_a_case_with_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    client, session, change, field
):
    before = (count(session, Case), count(session, CaseEvent))
    response = client.post("/cases", json={"line": "stress", "title": "Trusler"} | change)
    assert_problem(response, 422, field)
    assert (count(session, Case), count(session, CaseEvent)) == before


def test_a_call_is_part_of_one_case_at_most(client, session):
    call = create_call(client)
    first = create_case(client, call_ids=[call["id"]])
    before = count(session, Case)
    response = client.post(
        "/cases", json={"line": "stress", "title": "x", "call_ids": [call["id"]]}
    )
    body = assert_problem(response, 409)
    assert body["case_id"] == first["id"]
    assert count(session, Case) == before
    other = create_case(client)
    assert_problem(client.post(f"/cases/{other['id']}/calls", json={"call_id": call["id"]}), 409)
    # Linking it again where it is changes nothing.
    again = client.post(f"/cases/{first['id']}/calls", json={"call_id": call["id"]})
    assert again.status_code == 200 and again.json()["version"] == first["version"]


def test_a_retried_open_with_the_same_key_is_one_case(client, session):
    headers = {"Idempotency-Key": "open-case-1"}
    body = {"line": "stress", "title": "Trusler"}
    first = client.post("/cases", json=body, headers=headers)
    second = client.post("/cases", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert count(session, Case) == 1


# -- changing a case ----------------------------------------------------------------------


def test_patch_changes_what_is_sent_and_needs_the_current_copy(client, session):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    tag = f'"{case["id"]}-{case["version"]}"'
    response = client.patch(
        f"/cases/{case['id']}", json={"summary": "Nu med APV"}, headers={"If-Match": tag}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["summary"], changed["version"], changed["title"]) == (
        "Nu med APV",
        case["version"] + 1,
        case["title"],
    )
    assert changed["workplace"]["cvr"] == VALID_CVR  # not sent, not changed
    stale = client.patch(f"/cases/{case['id']}", json={"title": "Andet"}, headers={"If-Match": tag})
    assert_problem(stale, 412)
    assert client.get(f"/cases/{case['id']}").json()["title"] == case["title"]
    assert_problem(client.patch(f"/cases/{case['id']}", json={"title": None}), 422, "title")
    assert_problem(client.patch(f"/cases/{case['id']}", json={"status": "closed"}), 422, "status")
    cleared = client.patch(f"/cases/{case['id']}", json={"workplace": None}).json()
    assert cleared["workplace"] is None


# -- the lifecycle --------------------------------------------------------------------------


def test_a_case_waits_resumes_closes_and_is_reopened_by_a_supervisor(client, session, clock):
    case = create_case(client)
    url = f"/cases/{case['id']}"
    assert_problem(client.post(f"{url}/wait", json={}), 422, "waiting_for")
    assert_problem(client.post(f"{url}/resume"), 409)
    waiting = client.post(f"{url}/wait", json={"waiting_for": "third_party"}).json()
    assert (waiting["status"], waiting["waiting_for"], waiting["previous_status"]) == (
        "waiting",
        "third_party",
        "open",
    )
    clock.advance(60)
    resumed = client.post(f"{url}/resume").json()
    assert (resumed["status"], resumed["waiting_for"]) == ("open", None)
    assert resumed["status_changed_at"] > waiting["status_changed_at"]
    assert_problem(client.post(f"{url}/close", json={}), 422, "outcome")
    assert_problem(client.post(f"{url}/close", json={"outcome": "solved"}), 422, "outcome")
    closed = client.post(f"{url}/close", json={"outcome": "resolved_by_advice"}).json()
    assert (closed["status"], closed["outcome"]) == ("closed", "resolved_by_advice")
    assert closed["closed_at"] == closed["status_changed_at"]
    assert_problem(client.post(f"{url}/wait", json={"waiting_for": "caller"}), 409)

    adviser = create_adviser(client)
    adviser_token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    body = assert_problem(client.post(f"{url}/reopen", headers=bearer(adviser_token)), 403)
    assert "role" in body["detail"]
    supervisor = make_token(session, "supervisor", now=clock())
    reopened = client.post(f"{url}/reopen", headers=bearer(supervisor)).json()
    assert (reopened["status"], reopened["previous_status"], reopened["outcome"]) == (
        "open",
        "closed",
        None,
    )
    assert reopened["status_changed_by"].startswith("supervisor:")
    assert_problem(client.post(f"{url}/reopen", headers=bearer(supervisor)), 409)
    steps = session.exec(
        select(CaseEvent.from_status, CaseEvent.to_status)
        .where(CaseEvent.case_id == uuid.UUID(case["id"]), CaseEvent.type == "status_changed")
        .order_by(CaseEvent.id)
    ).all()
    assert [tuple(step) for step in steps] == [
        ("open", "waiting"),
        ("waiting", "open"),
        ("open", "closed"),
        ("closed", "open"),
    ]


def test_open_tasks_block_the_close_unless_it_cancels_them(client, session, clock):
    case = create_case(client)
    first = add_task(session, case["id"], due_at=clock() + timedelta(days=1))
    second = add_task(session, case["id"], due_at=clock() + timedelta(days=2))
    add_task(session, case["id"], due_at=clock() - timedelta(days=2), state="done")
    url = f"/cases/{case['id']}/close"
    body = assert_problem(client.post(url, json={"outcome": "no_further_contact"}), 409)
    assert body["open_task_ids"] == [str(first.id), str(second.id)]
    assert client.get(f"/cases/{case['id']}").json()["status"] == "open"
    closing = {"outcome": "no_further_contact", "cancel_open_tasks": True}
    assert client.post(url, json=closing).status_code == 200
    session.expire_all()
    states = session.exec(
        select(CaseTask.state).where(CaseTask.case_id == uuid.UUID(case["id"]))
    ).all()
    assert sorted(states) == ["cancelled", "cancelled", "done"]


def test_a_stale_copy_changes_nothing(client):
    case = create_case(client)
    stale = f'"{case["id"]}-{case["version"] - 1}"'
    response = client.post(
        f"/cases/{case['id']}/wait", json={"waiting_for": "caller"}, headers={"If-Match": stale}
    )
    assert_problem(response, 412)
    assert client.get(f"/cases/{case['id']}").json()["status"] == "open"


def test_a_retried_action_is_answered_with_the_case_and_changes_nothing(client, session):
    case = create_case(client)
    headers = {"Idempotency-Key": "wait-1"}
    url = f"/cases/{case['id']}/wait"
    first = client.post(url, json={"waiting_for": "caller"}, headers=headers)
    second = client.post(url, json={"waiting_for": "caller"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    steps = session.exec(
        select(func.count()).where(
            CaseEvent.case_id == uuid.UUID(case["id"]), CaseEvent.type == "status_changed"
        )
    ).one()
    assert steps == 1


# -- calls in a case ------------------------------------------------------------------------


def test_a_call_is_unlinked_and_stays_a_call(client):
    call = create_call(client)
    case = create_case(client, call_ids=[call["id"]])
    response = client.delete(f"/cases/{case['id']}/calls/{call['id']}")
    assert response.status_code == 200, response.text
    assert response.json()["call_ids"] == []
    assert client.get(f"/calls/{call['id']}").json()["case_id"] is None
    assert_problem(client.delete(f"/cases/{case['id']}/calls/{call['id']}"), 422, "call_id")


def test_a_callback_is_part_of_its_origin_calls_case(client):
    origin = create_call(client)
    case = create_case(client, call_ids=[origin["id"]])
    later = BASE_TIME + timedelta(hours=2)
    callback = create_call(
        client, closed_call(later, direction="outbound", origin_call_id=origin["id"])
    )
    assert callback["case_id"] == case["id"]
    assert client.get(f"/cases/{case['id']}").json()["call_ids"] == [origin["id"], callback["id"]]


# -- merge ----------------------------------------------------------------------------------


def test_a_merged_case_moves_its_calls_tasks_and_notes_and_stays_a_tombstone(
    client, session, clock
):
    kept_call, moved_call = create_call(client), create_call(client)
    survivor = create_case(client, call_ids=[kept_call["id"]])
    merged = create_case(client, call_ids=[moved_call["id"]], workplace={"cvr": VALID_CVR})
    task = add_task(session, merged["id"], due_at=clock() + timedelta(days=3))
    session.add(CaseNote(case_id=uuid.UUID(merged["id"]), body="Ringede igen", created_at=clock()))
    session.commit()
    response = client.post(f"/cases/{merged['id']}/merge", json={"into": survivor["id"]})
    assert response.status_code == 200, response.text
    tombstone = response.json()
    assert (tombstone["status"], tombstone["merged_into_id"], tombstone["call_ids"]) == (
        "merged",
        survivor["id"],
        [],
    )
    now = client.get(f"/cases/{survivor['id']}").json()
    assert sorted(now["call_ids"]) == sorted([kept_call["id"], moved_call["id"]])
    assert now["workplace"]["cvr"] == VALID_CVR  # learnt from the merged case
    assert now["follow_up_due_at"] is not None
    session.expire_all()
    assert str(session.get(CaseTask, task.id).case_id) == survivor["id"]
    notes = session.exec(select(CaseNote.case_id)).all()
    assert [str(case_id) for case_id in notes] == [survivor["id"]]
    assert_problem(client.post(f"/cases/{merged['id']}/close", json={"outcome": "duplicate"}), 409)
    again = client.post(f"/cases/{survivor['id']}/merge", json={"into": survivor["id"]})
    assert_problem(again, 409)


def test_a_case_cannot_be_merged_into_a_closed_one_or_one_out_of_reach(client, session, clock):
    closed = create_case(client)
    client.post(f"/cases/{closed['id']}/close", json={"outcome": "duplicate"})
    case = create_case(client)
    assert_problem(client.post(f"/cases/{case['id']}/merge", json={"into": closed["id"]}), 409)
    adviser = create_adviser(client)
    token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    own = create_case(client, owner_adviser_id=adviser["id"])
    response = client.post(
        f"/cases/{own['id']}/merge", json={"into": case["id"]}, headers=bearer(token)
    )
    assert_problem(response, 422, "into")
    assert client.get(f"/cases/{own['id']}").json()["status"] == "open"


# -- who may --------------------------------------------------------------------------------


def test_an_adviser_reaches_only_the_live_cases_they_are_part_of(client, session, clock):
    owner, other = create_adviser(client), create_adviser(client)
    owner_token = make_token(session, "adviser", adviser_id=owner["id"], now=clock())
    other_token = make_token(session, "adviser", adviser_id=other["id"], now=clock())
    case = create_case(client, owner_adviser_id=owner["id"])
    url = f"/cases/{case['id']}"
    assert client.get(url, headers=bearer(owner_token)).status_code == 200
    assert_problem(client.get(url, headers=bearer(other_token)), 403)
    assert_problem(client.get(f"/cases/{uuid.uuid4()}", headers=bearer(other_token)), 403)
    assert_problem(client.get(f"/cases/{uuid.uuid4()}"), 404)
    listed = client.get("/cases", headers=bearer(other_token)).json()["items"]
    assert listed == []
    # Handling a call of the case brings the other adviser in.
    call = create_call(client, closed_call(adviser_id=other["id"]))
    client.post(f"{url}/calls", json={"call_id": call["id"]})
    assert client.get(url, headers=bearer(other_token)).status_code == 200
    client.post(f"{url}/close", json={"outcome": "resolved_by_advice"})
    assert_problem(client.get(url, headers=bearer(owner_token)), 403)
    assert client.get("/cases", headers=bearer(owner_token)).json()["items"] == []


def test_the_listings_scope_is_the_permission_rule(client, session, clock):
    """`adviser_may_see` (SQL, for listings) and `permissions.may_see` (one case) agree on
    every combination of what makes an adviser part of a case, in every status."""
    adviser = create_adviser(client)
    adviser_id = uuid.UUID(adviser["id"])
    token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    expected = set()
    for owner, task, handled, status in itertools.product(
        (False, True), (False, True), (False, True), list(CaseStatus)
    ):
        case = create_case(client, owner_adviser_id=adviser["id"] if owner else None)
        if task:
            add_task(session, case["id"], due_at=clock(), assignee=adviser["id"], state="done")
        if handled:
            call = create_call(client, closed_call(adviser_id=adviser["id"]))
            client.post(f"/cases/{case['id']}/calls", json={"call_id": call["id"]})
        stored = session.get(Case, uuid.UUID(case["id"]))
        stored.status = status
        if status is CaseStatus.merged:
            stored.merged_into_id = stored.id
        if status is CaseStatus.closed:
            stored.outcome = "duplicate"
        if status is CaseStatus.waiting:
            stored.waiting_for = "caller"
        session.add(stored)
        session.commit()
        facts = permissions.CaseFacts(
            status=status,
            owner_adviser_id=adviser_id if owner else None,
            task_assignee_ids=frozenset({adviser_id} if task else ()),
            call_adviser_ids=frozenset({adviser_id} if handled else ()),
        )
        if permissions.may_see("adviser", adviser_id, facts):
            expected.add(case["id"])
    listed = client.get("/cases", params={"limit": 100}, headers=bearer(token)).json()["items"]
    assert {item["id"] for item in listed} == expected
    assert len(expected) == 14  # 7 ways to be part of a case, in 2 live statuses


# -- listing --------------------------------------------------------------------------------


def test_cases_list_newest_first_in_keyset_pages_with_filters(client, session, clock):
    made = []
    for n in range(5):
        clock.advance(60)
        line = "stress" if n % 2 == 0 else "managers"
        workplace = {"cvr": VALID_CVR} if n == 3 else None
        made.append(create_case(client, line=line, workplace=workplace))
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/cases", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [case["id"] for case in reversed(made)]
    managers = client.get("/cases", params={"line": "managers"}).json()["items"]
    assert [c["id"] for c in managers] == [made[3]["id"], made[1]["id"]]
    by_cvr = client.get("/cases", params={"cvr": VALID_CVR}).json()["items"]
    assert [c["id"] for c in by_cvr] == [made[3]["id"]]
    since = client.get("/cases", params={"created_from": made[2]["created_at"]}).json()["items"]
    assert [c["id"] for c in since] == [made[4]["id"], made[3]["id"], made[2]["id"]]
    add_task(session, made[0]["id"], due_at=clock() - timedelta(hours=1))
    add_task(session, made[1]["id"], due_at=clock() + timedelta(days=1))
    for case in made[:2]:
        stored = session.get(Case, uuid.UUID(case["id"]))
        stored.follow_up_due_at = session.exec(
            select(func.min(CaseTask.due_at)).where(CaseTask.case_id == stored.id)
        ).one()
        session.add(stored)
    session.commit()
    overdue = client.get("/cases", params={"overdue": "true"}).json()["items"]
    assert [c["id"] for c in overdue] == [made[0]["id"]]
    before = (clock() + timedelta(days=2)).isoformat()
    due = client.get("/cases", params={"follow_up_before": before}).json()["items"]
    assert [c["id"] for c in due] == [made[1]["id"], made[0]["id"]]
    assert_problem(client.get("/cases", params={"cvr": "123"}), 422, "cvr")
    assert_problem(client.get("/cases", params={"status": "done"}), 422, "status")
    assert_problem(client.get("/cases", params={"line": "nope"}), 422, "line")


def test_every_case_shown_is_a_recorded_read(client, session):
    case = create_case(client, summary="Hemmeligt")
    before = count(session, AuditEvent)
    client.get(f"/cases/{case['id']}")
    client.get("/cases")
    reads = session.exec(
        select(AuditEvent).where(AuditEvent.action == "case.read").order_by(AuditEvent.id)
    ).all()
    assert count(session, AuditEvent) >= before + 2
    assert [(r.object_id, r.fields) for r in reads][-2:] == [
        (case["id"], ["summary", "title"]),
        (case["id"], ["summary", "title"]),
    ]


def test_a_case_its_links_and_its_changes_are_on_the_audit_trail(client, session):
    call = create_call(client)
    case = create_case(client)
    client.post(f"/cases/{case['id']}/calls", json={"call_id": call["id"]})
    client.patch(f"/cases/{case['id']}", json={"summary": "Ny viden"})
    session.expire_all()
    rows = session.exec(
        select(AuditEvent.action, AuditEvent.object_id, AuditEvent.fields)
        .where(AuditEvent.action.in_(["case.create", "case.update", "call.update"]))
        .order_by(AuditEvent.id)
    ).all()
    actions = [(action, object_id) for action, object_id, _ in rows]
    assert ("case.create", case["id"]) in actions
    assert ("call.update", call["id"]) in actions
    [(_, _, linked)] = [row for row in rows if row[0] == "call.update"]
    assert linked == ["case_id"]
    [summary_change] = [row for row in rows if row[0] == "case.update" and "summary" in row[2]]
    assert summary_change[1] == case["id"]
