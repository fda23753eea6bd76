"""Retention of cases: a closed case's free text goes 730 days after it closed, its codes and
times stay; a call's notes stay while its case is open or waiting.

Cases are opened, linked and closed through the API, with the clock where the test wants
it; the rows the case endpoints of other changes make (notes, tasks, referrals) are stored
with the session. Retention then runs as the timer and the command run it.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, select

from service.audit.models import AuditEvent
from service.cases.models import Case, CaseEvent, CaseNote, CaseReferral, CaseTask
from service.cases.tasks import TaskState
from service.config import Settings, get_settings
from service.retention.service import RetentionResult, run_retention
from tests.factories import (
    BASE_TIME,
    assert_problem,
    bearer,
    closed_call,
    create_call,
    create_case,
    make_token,
)
from tests.reports_data import get_ok

DAYS = 730
SUMMARY = "Pædagog på et botilbud; gentagne trusler fra en beboer, Jens på afdeling B."
NOTE = "Ringede igen: lederen vil ikke lave en APV."
TASK_NOTE = "Send vejledningen om vold og trusler til hendes private mail."
REASON = "Arbejdstilsynet bør se på bostedet; beboeren truer dagligt."
NOTES = "Ringer om trusler fra en beboer; navn og adresse nævnt."
PHONE = "+4522334455"
WORKPLACE = {
    "cvr": "13585628",
    "name": "Bostedet Solsikken",
    "address": "Havevej 3, 4000 Roskilde",
    "sector": "health_social",
    "workplace_size": "10-49",
}
# Only these change when a case's text is erased; every other column stays as it was.
ERASED = {
    "case_file": {"summary", "workplace_name", "workplace_address", "text_erased_at"},
    "case_note": {"body"},
    "case_task": {"note"},
    "case_referral": {"reason", "workplace_name", "workplace_address"},
    "case_event": set(),
}
NOTHING = (0, 0, 0)


def retain(session: Session, now: datetime, settings: Settings | None = None) -> RetentionResult:
    """Run retention as the timer and the command do: with nobody signed in."""
    for key in ("principal", "client_ip", "now"):
        session.info.pop(key, None)
    return run_retention(session=session, settings=settings or get_settings(), now=now)


def erased(result: RetentionResult) -> tuple[int, int, int]:
    """Calls' notes, calls' numbers and cases' texts: the audit rows of the test's own
    requests are old by the time retention runs, and go too."""
    return result.notes_erased, result.phones_erased, result.case_texts_erased


def at(clock, moment: datetime) -> datetime:
    clock.set(moment)
    return moment


def case_with_text(client, session, clock, **overrides: Any) -> dict[str, Any]:
    """An open case with every kind of free text: summary, workplace, a note, a done task, a
    referral naming the workplace by CVR and one naming it by name and address only."""
    case = create_case(client, summary=SUMMARY, workplace=WORKPLACE, **overrides)
    case_id, now = uuid.UUID(case["id"]), clock()
    session.add_all(
        [
            CaseNote(case_id=case_id, body=NOTE, author="Mette Sørensen", created_at=now),
            CaseTask(
                case_id=case_id,
                kind="send_material",
                state=TaskState.done,
                due_at=now,
                done_at=now,
                note=TASK_NOTE,
                created_at=now,
                updated_at=now,
            ),
            CaseReferral(
                case_id=case_id,
                to="Arbejdstilsynet",
                reason=REASON,
                anonymous=False,
                consent=True,
                workplace_cvr=WORKPLACE["cvr"],
                workplace_name=WORKPLACE["name"],
                workplace_address=WORKPLACE["address"],
                status_changed_at=now,
                created_at=now,
                updated_at=now,
            ),
            CaseReferral(
                case_id=case_id,
                to="Arbejdstilsynet",
                reason=REASON,
                anonymous=True,
                consent=False,
                workplace_name="Vuggestuen Mælkebøtten",
                workplace_address="Skolevej 1, 4000 Roskilde",
                status_changed_at=now,
                created_at=now,
                updated_at=now,
            ),
        ]
    )
    session.commit()
    return case


def close(client, case: dict[str, Any]) -> datetime:
    response = client.post(f"/cases/{case['id']}/close", json={"outcome": "resolved_by_advice"})
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["closed_at"])


def link(client, case: dict[str, Any], call: dict[str, Any]) -> None:
    response = client.post(f"/cases/{case['id']}/calls", json={"call_id": call["id"]})
    assert response.status_code == 200, response.text


def stored(session: Session, case: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every column of the case's row and of its rows, as stored, past the identity map."""
    case_id = uuid.UUID(case["id"])
    found = {}
    for model in (Case, CaseNote, CaseTask, CaseReferral, CaseEvent):
        table = model.__table__
        key = table.c.id if model is Case else table.c.case_id
        rows = session.execute(sa.select(table).where(key == case_id).order_by(table.c.id))
        found[table.name] = [dict(row) for row in rows.mappings()]
    return found


def changed(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> dict[str, set[str]]:
    """The columns whose value changed, per table (rows matched by id)."""
    assert {t: [r["id"] for r in rows] for t, rows in before.items()} == {
        t: [r["id"] for r in rows] for t, rows in after.items()
    }, "retention adds or deletes no row"
    return {
        table: {
            name
            for old, new in zip(rows, after[table], strict=True)
            for name in old
            if old[name] != new[name]
        }
        for table, rows in before.items()
    }


def call_notes(session: Session, call: dict[str, Any]) -> tuple[str | None, str | None]:
    from service.calls.models import Call

    row = session.execute(
        sa.select(Call.notes, Call.callback_phone).where(Call.id == uuid.UUID(call["id"]))
    ).one()
    return row.notes, row.callback_phone


def retention_rows(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "retention.run")))


def kinds(run: AuditEvent) -> list[str]:
    """What the run erased, as its audit row names it, but the test's own audit rows."""
    return [kind for kind in run.fields or [] if not kind.startswith("audit_event:")]


# The case's free text


def test_a_case_closed_730_days_ago_loses_exactly_its_free_text(client, session, clock):
    at(clock, BASE_TIME)
    old = case_with_text(client, session, clock)
    closed = close(client, old)
    at(clock, BASE_TIME + timedelta(hours=1))
    young = case_with_text(client, session, clock)
    young_closed = close(client, young)
    live = case_with_text(client, session, clock)
    before = {case["id"]: stored(session, case) for case in (old, young, live)}
    # To the second: the old case is due, the young one is an hour short of its time.
    now = closed + timedelta(days=DAYS)
    assert young_closed + timedelta(days=DAYS) > now

    result = retain(session, now)

    assert erased(result) == (0, 0, 1)
    after = stored(session, old)
    assert changed(before[old["id"]], after) == ERASED
    [case] = after["case_file"]
    assert (case["summary"], case["workplace_name"], case["workplace_address"]) == (None,) * 3
    assert case["text_erased_at"] == now
    # What the statistics and the desk read stays: title, CVR, codes, times, status, outcome.
    assert case["title"] == old["title"]
    assert (case["workplace_cvr"], case["workplace_sector"], case["workplace_size"]) == (
        WORKPLACE["cvr"],
        WORKPLACE["sector"],
        WORKPLACE["workplace_size"],
    )
    assert (case["status"], case["outcome"], case["closed_at"]) == (
        "closed",
        "resolved_by_advice",
        closed,
    )
    assert [note["body"] for note in after["case_note"]] == [None]
    assert [task["note"] for task in after["case_task"]] == [None]
    by_cvr, by_name = after["case_referral"]
    assert (by_cvr["reason"], by_cvr["workplace_name"], by_cvr["workplace_address"]) == (None,) * 3
    assert by_cvr["workplace_cvr"] == WORKPLACE["cvr"]
    # Without a CVR the name and address are how the referral names the workplace: they stay.
    assert by_name["reason"] is None
    assert (by_name["workplace_name"], by_name["workplace_address"]) == (
        "Vuggestuen Mælkebøtten",
        "Skolevej 1, 4000 Roskilde",
    )
    for kept in (young, live):
        assert stored(session, kept) == before[kept["id"]]
    assert stored(session, young)["case_file"][0]["summary"] == SUMMARY


def test_the_erased_case_reads_without_its_text_and_can_be_changed(client, session, clock):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    retain(session, close(client, case) + timedelta(days=DAYS))
    session.expire_all()

    response = client.get(f"/cases/{case['id']}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summary"] is None
    assert body["workplace"] == {
        "cvr": WORKPLACE["cvr"],
        "p_number": None,
        "name": None,
        "address": None,
        "sector": WORKPLACE["sector"],
        "industry_code": None,
        "workplace_size": WORKPLACE["workplace_size"],
    }
    assert body["version"] == case["version"] + 1  # the close; the erasure is no edit
    response = client.patch(f"/cases/{case['id']}", json={"title": "Trusler på et bosted"})
    assert response.status_code == 200, response.text


def test_a_reopened_case_is_not_due_until_it_closes_again(client, session, clock):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    closed = close(client, case)
    at(clock, closed + timedelta(days=10))
    response = client.post(f"/cases/{case['id']}/reopen")
    assert response.status_code == 200, response.text
    assert response.json()["closed_at"] is None

    assert erased(retain(session, closed + timedelta(days=DAYS + 100))) == NOTHING
    assert stored(session, case)["case_file"][0]["summary"] == SUMMARY

    at(clock, closed + timedelta(days=20))
    closed_again = close(client, case)
    assert erased(retain(session, closed + timedelta(days=DAYS + 15))) == NOTHING
    result = retain(session, closed_again + timedelta(days=DAYS))
    assert result.case_texts_erased == 1
    assert stored(session, case)["case_file"][0]["summary"] is None


def test_a_case_erased_reopened_and_written_in_is_erased_again(client, session, clock):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    closed = close(client, case)
    assert retain(session, closed + timedelta(days=DAYS)).case_texts_erased == 1
    at(clock, closed + timedelta(days=DAYS, hours=1))
    assert client.post(f"/cases/{case['id']}/reopen").status_code == 200
    session.add(CaseNote(case_id=uuid.UUID(case["id"]), body=NOTE, created_at=clock()))
    session.commit()
    closed_again = close(client, case)

    assert erased(retain(session, closed_again + timedelta(days=DAYS - 1))) == NOTHING
    assert [note["body"] for note in stored(session, case)["case_note"]] == [None, NOTE]
    now = closed_again + timedelta(days=DAYS)
    assert retain(session, now).case_texts_erased == 1
    after = stored(session, case)
    assert [note["body"] for note in after["case_note"]] == [None, None]
    assert after["case_file"][0]["text_erased_at"] == now


def test_a_case_without_text_is_stamped_once(client, session, clock):
    at(clock, BASE_TIME)
    case = create_case(client)
    closed = close(client, case)
    now = closed + timedelta(days=DAYS)

    assert retain(session, now).case_texts_erased == 1
    assert erased(retain(session, now + timedelta(days=1))) == NOTHING
    assert stored(session, case)["case_file"][0]["text_erased_at"] == now


def test_the_period_is_the_setting(client, session, clock):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    closed = close(client, case)
    short = get_settings().model_copy(update={"case_retention_days": 30})

    assert erased(retain(session, closed + timedelta(days=29), short)) == NOTHING
    assert retain(session, closed + timedelta(days=30), short).case_texts_erased == 1


def test_the_setting_is_730_days_and_read_from_the_environment(monkeypatch):
    assert Settings.model_fields["case_retention_days"].default == 730
    assert get_settings().case_retention_days == DAYS
    monkeypatch.setenv("HOTLINE_CASE_RETENTION_DAYS", "365")
    assert Settings().case_retention_days == 365
    monkeypatch.setenv("HOTLINE_CASE_RETENTION_DAYS", "two years")
    with pytest.raises(ValidationError, match="case_retention_days"):
        Settings()


# Calls that are part of a case


def test_a_call_keeps_its_notes_while_its_case_is_open_or_waiting(client, session, clock):
    at(clock, BASE_TIME + timedelta(hours=1))
    call = create_call(
        client, closed_call(BASE_TIME, notes=NOTES, callback_requested=True, callback_phone=PHONE)
    )
    alone = create_call(client, closed_call(BASE_TIME, notes=NOTES))
    case = create_case(client)
    link(client, case, call)
    call_closed = datetime.fromisoformat(call["closed_at"])
    past_the_year = call_closed + timedelta(days=366)

    result = retain(session, past_the_year)

    # The call of no case loses its notes; the case's call keeps them. Its callback number
    # goes on its own clock, as before: the case does not ring the caller from the call.
    assert (result.notes_erased, result.phones_erased) == (1, 1)
    assert call_notes(session, alone) == (None, None)
    assert call_notes(session, call) == (NOTES, None)

    at(clock, past_the_year + timedelta(hours=1))
    response = client.post(f"/cases/{case['id']}/wait", json={"waiting_for": "caller"})
    assert response.status_code == 200, response.text
    assert retain(session, clock() + timedelta(days=1)).notes_erased == 0
    assert call_notes(session, call) == (NOTES, None)

    assert client.post(f"/cases/{case['id']}/resume").status_code == 200
    close(client, case)
    result = retain(session, clock() + timedelta(seconds=1))

    assert result.notes_erased == 1
    assert result.case_texts_erased == 0  # the case itself closed a second ago
    assert call_notes(session, call) == (None, None)


def test_a_call_of_a_closed_case_keeps_its_notes_for_its_own_year(client, session, clock):
    at(clock, BASE_TIME + timedelta(hours=1))
    call = create_call(client, closed_call(BASE_TIME, notes=NOTES))
    case = create_case(client)
    link(client, case, call)
    close(client, case)
    call_closed = datetime.fromisoformat(call["closed_at"])

    assert erased(retain(session, call_closed + timedelta(days=364))) == NOTHING
    assert call_notes(session, call) == (NOTES, None)
    assert retain(session, call_closed + timedelta(days=365, seconds=1)).notes_erased == 1
    assert call_notes(session, call) == (None, None)


# The statistics, the record, a second run


def reports(client) -> dict[str, Any]:
    return {
        "weekly": get_ok(client, "/reports/weekly", week="2025-W23"),
        "stress": get_ok(client, "/reports/weekly", week="2025-W23", line="stress"),
        "csv": client.get("/reports/weekly.csv", params={"week": "2025-W23"}).text,
    }


def test_the_weekly_report_is_the_same_before_and_after_and_a_second_run_erases_nothing(
    client, session, clock
):
    at(clock, BASE_TIME + timedelta(days=1))
    calls = [
        create_call(
            client,
            closed_call(
                BASE_TIME + timedelta(minutes=20 * i),
                notes=NOTES,
                callback_requested=i % 2 == 0,
                callback_phone=PHONE if i % 2 == 0 else None,
                workplace_size="10-49" if i % 3 else "50-249",
            ),
        )
        for i in range(6)
    ]
    open_case = case_with_text(client, session, clock)
    closed_case = case_with_text(client, session, clock)
    for i, call in enumerate(calls[:4]):
        link(client, open_case if i % 2 else closed_case, call)
    close(client, closed_case)
    before = reports(client)
    assert before["weekly"]["totals"]["callbacks_requested"] == 3
    cases_before = {case["id"]: stored(session, case) for case in (open_case, closed_case)}
    now = BASE_TIME + timedelta(days=DAYS + 10)

    first = retain(session, now)

    # Two calls of the open case keep their notes; the other four lose them.
    assert erased(first) == (4, 3, 1)
    assert [call_notes(session, call)[0] for call in calls] == [
        None,
        NOTES,
        None,
        NOTES,
        None,
        None,
    ]
    assert changed(cases_before[closed_case["id"]], stored(session, closed_case)) == ERASED
    assert stored(session, open_case) == cases_before[open_case["id"]]
    assert reports(client) == before
    after_first = {case["id"]: stored(session, case) for case in (open_case, closed_case)}

    second = retain(session, now + timedelta(hours=1))

    assert erased(second) == NOTHING
    assert {case["id"]: stored(session, case) for case in (open_case, closed_case)} == after_first
    assert reports(client) == before
    assert [kinds(run) for run in retention_rows(session)] == [
        ["callback_phone:3", "case_text:1", "notes:4"],
        [],
    ]


def test_the_run_counts_the_cases_on_record_and_never_their_text(client, session, clock):
    at(clock, BASE_TIME)
    cases = [case_with_text(client, session, clock) for _ in range(2)]
    closed = max(close(client, case) for case in cases)

    retain(session, closed + timedelta(days=DAYS))

    [run] = retention_rows(session)
    assert kinds(run) == ["case_text:2"]
    assert (run.adviser_id, run.role, run.object_id) == (None, None, None)
    for text in (SUMMARY, NOTE, TASK_NOTE, REASON, WORKPLACE["name"]):
        assert text not in repr(run.model_dump())


# Through the API


def test_an_admin_run_through_the_api_counts_the_cases(client, session, clock):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    at(clock, close(client, case) + timedelta(days=DAYS))

    response = client.post("/retention/run")

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"notes_erased", "phones_erased", "audit_rows_deleted", "case_texts_erased"}
    assert (body["notes_erased"], body["phones_erased"], body["case_texts_erased"]) == (0, 0, 1)
    assert stored(session, case)["case_file"][0]["summary"] is None
    again = client.post("/retention/run")
    assert again.json()["case_texts_erased"] == 0


@pytest.mark.parametrize("role", ["adviser", "supervisor"])
def test_only_admins_run_retention(client, session, clock, role):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    at(clock, close(client, case) + timedelta(days=DAYS))
    token = make_token(session, role, now=clock())

    response = client.post("/retention/run", headers=bearer(token))

    assert_problem(response, 403)
    assert stored(session, case)["case_file"][0]["summary"] == SUMMARY


def test_a_run_takes_no_parameters(client, session, clock):
    at(clock, BASE_TIME)
    case = case_with_text(client, session, clock)
    at(clock, close(client, case) + timedelta(days=DAYS))

    response = client.post("/retention/run", params={"case_retention_days": "1"})

    assert_problem(response, 422, "case_retention_days")
    assert stored(session, case)["case_file"][0]["summary"] == SUMMARY
    assert retention_rows(session) == []


def test_a_callback_tasks_number_goes_with_the_number_of_the_call_it_rang(client, session, clock):
    from service.calls.models import Call

    case = create_case(client)
    due = clock() + timedelta(days=1)
    body = {"kind": "callback", "due_at": due.isoformat(), "callback_phone": "+45 22 34 56 78"}
    response = client.post(f"/cases/{case['id']}/tasks", json=body)
    assert response.status_code == 201, response.text
    task = session.get(CaseTask, uuid.UUID(response.json()["id"]))
    call = session.get(Call, task.call_id)
    # Still waiting to ring: both keep the number however long it waits.
    assert retain(session, clock() + timedelta(days=30)).phones_erased == 0
    session.expire_all()
    assert session.get(CaseTask, task.id).callback_phone == "+4522345678"
    rang = call.callback_due_at + timedelta(minutes=5)
    session.execute(
        sa.update(Call)
        .where(Call.id == call.id)
        .values(answered_at=rang, ended_at=rang + timedelta(minutes=3), status="wrap_up")
    )
    session.commit()
    retain(session, rang + timedelta(days=get_settings().callback_phone_days + 1))
    session.expire_all()
    assert session.get(Call, call.id).callback_phone is None
    assert session.get(CaseTask, task.id).callback_phone is None
    [run] = retention_rows(session)[-1:]
    assert "task_callback_phone:1" in run.fields
