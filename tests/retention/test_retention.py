"""Personal-data retention: notes and callback numbers are erased, the statistics stay.

Calls are recorded through the API in the past; retention then runs with a `now` far enough
ahead, on the test's session with no principal, as the timer and the command run it.
"""

import asyncio
import logging
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service import migrations
from service.audit.models import AuditEvent
from service.calls.models import Call, CallAdvice, CallIssueCategory, CallStatus, Direction
from service.config import Settings, get_settings
from service.db import create_db_engine
from service.retention import timer
from service.retention.service import RetentionResult, run_retention
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.desk import CLASSIFICATION, Desk
from tests.factories import BASE_TIME, closed_call, create_call, iso, live_call, parse_time
from tests.reports_data import (
    LATER,
    callback_of,
    classified_calls,
    get_ok,
    hung_up,
    live_monday,
    tuesday_calls,
)
from tests.servers import HOTLINE, server_env

PHONE = "+4522334455"
NOTES = "Ringer om trusler fra en beboer; navn og adresse nævnt."
NOTHING = RetentionResult(notes_erased=0, phones_erased=0, audit_rows_deleted=0)


def retain(session: Session, now: datetime) -> RetentionResult:
    """Run retention as the timer and the command do: with nobody signed in."""
    for key in ("principal", "client_ip", "now"):
        session.info.pop(key, None)
    return run_retention(session=session, settings=get_settings(), now=now)


def stored(session: Session, call_id: str) -> dict[str, Any]:
    """Every column of a call as stored, read past the session's identity map."""
    return dict(
        session.execute(sa.select(Call.__table__).where(Call.id == uuid.UUID(call_id)))
        .mappings()
        .one()
    )


def links(session: Session, call_id: str) -> list[tuple[str, str, int]]:
    found = []
    for model in (CallIssueCategory, CallAdvice):
        rows = session.execute(
            sa.select(model.code, model.position).where(model.call_id == uuid.UUID(call_id))
        ).all()
        found += [(model.__tablename__, code, position) for code, position in rows]
    return sorted(found)


# The number's keyed hash goes with the number (repeat contact).
PERSONAL = {"notes", "callback_phone", "callback_phone_key"}


def without_personal_data(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if name not in PERSONAL}


def closed_at(call: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(call["closed_at"])


def closed_with_callback(received_at: datetime) -> dict[str, Any]:
    return closed_call(received_at, notes=NOTES, callback_requested=True, callback_phone=PHONE)


def waiting_callback(client, origin: dict[str, Any], due: datetime) -> dict[str, Any]:
    """A callback of `origin` in the queue: nobody has called the caller back yet."""
    payload = live_call(due, direction="outbound", origin_call_id=origin["id"], notes=None)
    callback = create_call(client, payload)
    assert callback["status"] == CallStatus.queued
    return callback


def unanswered_callback(client, origin: dict[str, Any], ended: datetime) -> dict[str, Any]:
    """A callback of `origin` that nobody answered: the desk tries no other."""
    payload = live_call(ended - timedelta(seconds=50), direction="outbound",
                        origin_call_id=origin["id"], ended_at=iso(ended))  # fmt: skip
    callback = create_call(client, payload)
    assert callback["status"] == CallStatus.abandoned
    return callback


def retention_rows(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == "retention.run")))


# Calls


def test_a_call_closed_over_a_year_ago_loses_its_notes_and_number_and_nothing_else(client, session):
    old = create_call(client, closed_with_callback(BASE_TIME))
    now = closed_at(old) + timedelta(days=365, minutes=1)
    # 364 days and 23 hours: within the year by an hour.
    young_closed = now - timedelta(days=364, hours=23)
    young = create_call(client, closed_with_callback(young_closed - timedelta(minutes=12)))
    assert closed_at(young) == young_closed
    waiting_callback(client, young, young_closed)
    before = {call["id"]: stored(session, call["id"]) for call in (old, young)}
    links_before = {call["id"]: links(session, call["id"]) for call in (old, young)}
    assert links_before[old["id"]], "the call should carry codes to keep"

    result = retain(session, now)

    assert result.notes_erased == 1
    assert result.phones_erased == 1
    after = {call["id"]: stored(session, call["id"]) for call in (old, young)}
    assert (after[old["id"]]["notes"], after[old["id"]]["callback_phone"]) == (None, None)
    assert after[young["id"]] == before[young["id"]]
    assert after[young["id"]]["notes"] == NOTES
    assert after[young["id"]]["callback_phone"] == PHONE
    for call_id in (old["id"], young["id"]):
        assert without_personal_data(after[call_id]) == without_personal_data(before[call_id])
        assert links(session, call_id) == links_before[call_id]
    assert client.get(f"/calls/{old['id']}").json()["notes"] is None


def test_a_call_never_closed_counts_from_its_end_and_one_not_ended_keeps_its_notes(client, session):
    abandoned = create_call(
        client, live_call(BASE_TIME, ended_at=iso(BASE_TIME + timedelta(seconds=40)), notes=NOTES)
    )
    assert abandoned["status"] == CallStatus.abandoned
    waiting = create_call(client, live_call(BASE_TIME - timedelta(days=30), notes=NOTES))
    assert waiting["closed_at"] is None and waiting["ended_at"] is None

    result = retain(session, BASE_TIME + timedelta(days=366))

    assert result.notes_erased == 1
    assert stored(session, abandoned["id"])["notes"] is None
    assert stored(session, waiting["id"])["notes"] == NOTES


def test_a_callback_number_goes_14_days_after_the_callback_and_stays_until_then(client, session):
    now = BASE_TIME + timedelta(days=120)

    def asked(hours: int) -> dict[str, Any]:
        return create_call(client, closed_with_callback(BASE_TIME + timedelta(hours=hours)))

    def call_back(origin: dict[str, Any], closed_ago: timedelta) -> None:
        received = now - closed_ago - timedelta(minutes=12)
        payload = closed_call(received, direction="outbound", origin_call_id=origin["id"])
        callback = create_call(client, payload | {"notes": None})
        assert closed_at(callback) == now - closed_ago

    called_15_days_ago = asked(0)
    call_back(called_15_days_ago, timedelta(days=15))
    called_14_days_ago = asked(1)
    call_back(called_14_days_ago, timedelta(days=14, minutes=1))
    called_13_days_ago = asked(2)
    call_back(called_13_days_ago, timedelta(days=13, hours=23))
    # Asked for four months ago and still in the queue: the desk needs the number.
    pending = asked(3)
    waiting_callback(client, pending, now - timedelta(days=1))
    # Tried once, nobody answered, and tried again: the second attempt is still to come.
    again = asked(4)
    unanswered_callback(client, again, now - timedelta(days=30))
    waiting_callback(client, again, now - timedelta(hours=1))

    result = retain(session, now)

    assert result == RetentionResult(notes_erased=0, phones_erased=2, audit_rows_deleted=0)
    for gone in (called_15_days_ago, called_14_days_ago):
        assert stored(session, gone["id"])["callback_phone"] is None
        assert stored(session, gone["id"])["notes"] == NOTES
        assert stored(session, gone["id"])["callback_requested"] is True
    for kept in (called_13_days_ago, pending, again):
        assert stored(session, kept["id"])["callback_phone"] == PHONE


def test_a_number_goes_14_days_after_a_callback_nobody_answered(client, session):
    now = BASE_TIME + timedelta(days=120)
    tried_15_days_ago, tried_13_days_ago = (
        create_call(client, closed_with_callback(BASE_TIME + timedelta(hours=hours)))
        for hours in (0, 1)
    )
    unanswered_callback(client, tried_15_days_ago, now - timedelta(days=15))
    unanswered_callback(client, tried_13_days_ago, now - timedelta(days=13, hours=23))

    result = retain(session, now)

    assert result.phones_erased == 1
    after = stored(session, tried_15_days_ago["id"])
    assert (after["callback_phone"], after["callback_requested"]) == (None, True)
    assert after["notes"] == NOTES
    assert stored(session, tried_13_days_ago["id"])["callback_phone"] == PHONE


def test_a_number_with_no_callback_scheduled_goes_14_days_after_the_call_closed(client, session):
    """A call recorded after the fact schedules no callback: nothing waits for the number."""
    now = BASE_TIME + timedelta(days=120)
    closed_15_days_ago = create_call(client, closed_with_callback(now - timedelta(days=15)))
    closed_13_days_ago = create_call(client, closed_with_callback(now - timedelta(days=13)))
    assert closed_at(closed_13_days_ago) > now - timedelta(days=14)

    result = retain(session, now)

    assert result.phones_erased == 1
    assert stored(session, closed_15_days_ago["id"])["callback_phone"] is None
    assert stored(session, closed_15_days_ago["id"])["callback_requested"] is True
    assert stored(session, closed_13_days_ago["id"])["callback_phone"] == PHONE


def test_a_call_whose_number_was_erased_can_still_be_corrected(client, session):
    """Closing needs the number; a record closed with it stays editable once it is gone."""
    now = BASE_TIME + timedelta(days=120)
    call = create_call(client, closed_with_callback(now - timedelta(days=15)))
    assert retain(session, now).phones_erased == 1

    response = client.patch(f"/calls/{call['id']}", json={"advice": ["apv"]})

    assert response.status_code == 200, response.text
    assert response.json()["advice"] == ["apv"]
    assert response.json()["callback_phone"] is None
    assert response.json()["status"] == CallStatus.closed


def test_a_callback_the_desk_scheduled_keeps_the_number_until_it_is_made(client, session, clock):
    """Through the live desk: closing with a callback request queues the callback."""
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call = desk.incoming()["id"]
    for action in ("accept", "end"):
        desk.ok(call, action, adviser)
    desk.ok(call, "close", adviser, **CLASSIFICATION, callback_requested=True,
            callback_phone=PHONE)  # fmt: skip
    desk.presence(adviser, "offline")
    [callback] = [c for c in client.get("/calls").json()["items"] if c["origin_call_id"] == call]
    assert callback["status"] == CallStatus.queued

    # The callback carries the number it rings; both copies stay while it waits.
    assert stored(session, callback["id"])["callback_phone"] == PHONE
    assert retain(session, clock() + timedelta(days=30)).phones_erased == 0
    assert stored(session, call)["callback_phone"] == PHONE
    assert stored(session, callback["id"])["callback_phone"] == PHONE

    # The callback is made when due: the number goes 14 days later, from both calls.
    clock.set(parse_time(callback["callback_due_at"]))
    desk.presence(adviser, "available")
    for action in ("accept", "end"):
        desk.ok(callback["id"], action, adviser)
    desk.ok(callback["id"], "close", adviser, **CLASSIFICATION)
    made = parse_time(desk.call(callback["id"])["closed_at"])
    assert retain(session, made + timedelta(days=13)).phones_erased == 0
    assert retain(session, made + timedelta(days=14, seconds=1)).phones_erased == 2
    assert stored(session, call)["callback_phone"] is None
    assert stored(session, callback["id"])["callback_phone"] is None
    # Erased on record, the callback can still be changed like its origin.
    response = client.patch(f"/calls/{callback['id']}", json={"notes": "Ringet op."})
    assert response.status_code == 200, response.text


def test_a_callback_still_waiting_a_year_after_its_call_loses_its_number_with_the_call(
    client, session, clock
):
    """The year is the limit for the number: the callback's copy goes with the origin's."""
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call = desk.incoming()["id"]
    for action in ("accept", "end"):
        desk.ok(call, action, adviser)
    desk.ok(call, "close", adviser, **CLASSIFICATION, callback_requested=True,
            callback_phone=PHONE)  # fmt: skip
    desk.presence(adviser, "offline")
    [callback] = [c for c in client.get("/calls").json()["items"] if c["origin_call_id"] == call]
    closed = parse_time(desk.call(call)["closed_at"])

    assert retain(session, closed + timedelta(days=364)).phones_erased == 0
    assert retain(session, closed + timedelta(days=365, seconds=1)).phones_erased == 2
    assert stored(session, callback["id"])["callback_phone"] is None
    assert stored(session, callback["id"])["status"] == CallStatus.queued


def test_a_desk_callback_nobody_answered_loses_its_number_14_days_later(client, session, clock):
    """The caller hung up on the callback: no other is tried, both copies of the number go."""
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call = desk.incoming()["id"]
    for action in ("accept", "end"):
        desk.ok(call, action, adviser)
    desk.ok(call, "close", adviser, **CLASSIFICATION, callback_requested=True,
            callback_phone=PHONE)  # fmt: skip
    desk.presence(adviser, "offline")
    [callback] = [c for c in client.get("/calls").json()["items"] if c["origin_call_id"] == call]
    clock.set(max(clock(), parse_time(callback["callback_due_at"])) + timedelta(minutes=1))
    ended = parse_time(desk.ok(callback["id"], "abandon")["ended_at"])

    assert retain(session, ended + timedelta(days=13, hours=23)).phones_erased == 0
    assert stored(session, callback["id"])["callback_phone"] == PHONE
    assert retain(session, ended + timedelta(days=14, seconds=1)).phones_erased == 2
    assert stored(session, call)["callback_phone"] is None
    assert stored(session, callback["id"])["callback_phone"] is None


# The audit trail


def test_audit_rows_older_than_183_days_are_deleted_and_newer_ones_kept(session, clock):
    now = clock()
    old, young = (
        AuditEvent(at=now - timedelta(days=days), action="call.read", object_type="call",
                   object_id=str(uuid.uuid4()), fields=["notes"])
        for days in (184, 182)
    )  # fmt: skip
    session.add_all([old, young])
    session.commit()
    old_id, young_id = old.id, young.id
    cutoff = now - timedelta(days=183)
    older = session.exec(select(sa.func.count()).where(AuditEvent.at < cutoff)).one()

    result = retain(session, now)

    assert result.audit_rows_deleted == older >= 1
    assert session.get(AuditEvent, old_id) is None
    assert session.get(AuditEvent, young_id) is not None
    assert session.exec(select(sa.func.count()).where(AuditEvent.at < cutoff)).one() == 0


def test_a_run_is_on_record_once_naming_what_it_erased_and_never_the_content(client, session):
    call = create_call(client, closed_with_callback(BASE_TIME))
    session.add(AuditEvent(at=BASE_TIME, action="call.read", object_type="call",
                           object_id=call["id"], fields=["notes"]))  # fmt: skip
    session.commit()
    now = BASE_TIME + timedelta(days=400)

    retain(session, now)

    (row,) = retention_rows(session)
    assert row.object_type == "call" and row.object_id is None
    assert row.fields == ["audit_event:1", "callback_phone:1", "notes:1"]
    assert row.at == now
    # System work: nobody signed in, from nowhere.
    assert (row.adviser_id, row.token_id, row.subject, row.role, row.client_ip) == (None,) * 5
    assert NOTES not in repr(row.model_dump()) and PHONE not in repr(row.model_dump())


def test_a_second_run_erases_nothing(client, session):
    create_call(client, closed_with_callback(BASE_TIME))
    session.add(AuditEvent(at=BASE_TIME, action="call.read", object_type="call", object_id=None))
    session.commit()
    now = BASE_TIME + timedelta(days=400)

    first = retain(session, now)
    second = retain(session, now)

    assert first == RetentionResult(notes_erased=1, phones_erased=1, audit_rows_deleted=1)
    assert second == NOTHING
    assert [row.fields for row in retention_rows(session)] == [
        ["audit_event:1", "callback_phone:1", "notes:1"],
        [],
    ]


# The statistics


def reports(client) -> dict[str, Any]:
    """Every report that the calls below appear in, as the API gives them."""
    found: dict[str, Any] = {}
    for week in ("2025-W22", "2025-W23", "2025-W24", "2025-W25", "2025-W26"):
        found[week] = get_ok(client, "/reports/weekly", week=week)
        found[f"{week} stress"] = get_ok(client, "/reports/weekly", week=week, line="stress")
        found[f"{week} abandoned"] = get_ok(client, "/reports/abandoned", week=week)
    found["2025-W23 csv"] = client.get("/reports/weekly.csv", params={"week": "2025-W23"}).text
    found["trend"] = get_ok(client, "/reports/trend", **{"from": "2025-W20", "to": "2025-W30"})
    return found


def test_the_weekly_reports_are_the_same_before_and_after_retention(client, session, clock):
    """The live Monday and the Tuesday of 2025-W23, a classified week, and more calls with
    notes and callback numbers, some callers hanging up: the erasure changes no figure."""
    ids = live_monday(client, session, clock)
    clock.set(LATER)
    tuesday_calls(client)
    classified_calls(client)
    wednesday = datetime(2025, 6, 4, 8, 0, tzinfo=UTC)
    for i in range(4):
        asked = create_call(client, closed_with_callback(wednesday + timedelta(minutes=20 * i)))
        if i % 2:
            back = wednesday + timedelta(hours=3, minutes=20 * i)
            create_call(client, closed_call(back, direction="outbound", origin_call_id=asked["id"]))
    for i in range(3):
        hung_up(client, wednesday + timedelta(hours=5, minutes=i), 30 + 10 * i, notes=NOTES)
    clock.set(LATER + timedelta(days=400))
    # The callbacks of the live Monday: their numbers are there to erase.
    assert stored(session, ids["A"])["callback_phone"] is not None
    assert callback_of(session, ids["A"]).status == CallStatus.closed
    before = reports(client)
    assert before["2025-W23"]["totals"]["callbacks_requested"] >= 5
    assert before["2025-W23"]["totals"]["abandoned"] >= 3

    result = retain(session, clock())

    assert result.notes_erased >= 20
    assert result.phones_erased >= 5
    [run] = retention_rows(session)
    assert run.fields == [f"audit_event:{result.audit_rows_deleted}",
                          f"callback_phone:{result.phones_erased}",
                          f"notes:{result.notes_erased}"]  # fmt: skip
    assert (
        session.exec(
            select(sa.func.count()).where(
                sa.or_(Call.notes.is_not(None), Call.callback_phone.is_not(None))
            )
        ).one()
        == 0
    )
    assert reports(client) == before


# The command


@pytest.fixture
def migrated(tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated (before the test, whose log Alembic would reset)."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        yield url


def test_the_command_runs_retention_on_the_database_it_is_given(migrated: str, tmp_path: Path):
    engine = create_db_engine(migrated)
    long_ago = datetime.now(UTC) - timedelta(days=800)
    try:
        with Session(engine) as session:
            old = Call(line="stress", direction=Direction.inbound, received_at=long_ago,
                       answered_at=long_ago, ended_at=long_ago, closed_at=long_ago,
                       status=CallStatus.closed, notes=NOTES, callback_requested=True,
                       callback_phone=PHONE)  # fmt: skip
            session.add(old)
            session.add(AuditEvent(at=long_ago, action="call.read", object_type="call"))
            session.commit()
            old_id = old.id
        # The setting points elsewhere: only --database-url can find the call.
        elsewhere = f"sqlite:///{tmp_path / 'not-migrated.db'}"
        result = subprocess.run(
            [HOTLINE, "retention", "run", "--database-url", migrated],
            env=server_env(elsewhere),
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == (
            "erased notes of 1 calls and callback numbers of 1 calls; deleted 1 audit rows; "
            "erased the free text of 0 cases"
        )
        with Session(engine) as session:
            call = session.get(Call, old_id)
            assert call is not None
            assert (call.notes, call.callback_phone) == (None, None)
            assert call.callback_requested is True
            runs = session.exec(select(AuditEvent).where(AuditEvent.action == "retention.run"))
            assert [run.fields for run in runs] == [
                ["audit_event:1", "callback_phone:1", "notes:1"]
            ]
    finally:
        engine.dispose()


def test_the_command_says_why_it_failed_on_a_database_that_is_not_migrated(tmp_path: Path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    result = subprocess.run(
        [HOTLINE, "retention", "run"],
        env=server_env(empty),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("hotline retention run: OperationalError")
    assert "Traceback" not in result.stderr


# The timer


@pytest.fixture
def runs(monkeypatch) -> Iterator[list[datetime]]:
    """The moments the timer ran retention for, instead of running it; no waiting first.

    The first run fails, as on a database hiccup.
    """
    moments: list[datetime] = []

    def run_once(now: datetime) -> RetentionResult:
        moments.append(now)
        if len(moments) == 1:
            raise RuntimeError("the database went away")
        return NOTHING

    monkeypatch.setattr(timer, "run_once", run_once)
    monkeypatch.setattr(timer, "FIRST_RUN_DELAY_S", 0.0)
    yield moments


def with_timer(now: Callable[[], datetime], seconds: float) -> set[asyncio.Task]:
    """Enter `running`, wait, leave it; the tasks it had started."""

    async def main() -> set[asyncio.Task]:
        outside = asyncio.all_tasks()
        async with timer.running(now):
            await asyncio.sleep(seconds)
            started = asyncio.all_tasks() - outside
        return started

    # A timer that does not stop would hang the test, not fail it.
    return asyncio.run(asyncio.wait_for(main(), timeout=seconds + 5))


def test_the_timer_off_starts_nothing(monkeypatch, runs):
    monkeypatch.setattr(get_settings(), "retention_timer", False)

    started = with_timer(lambda: BASE_TIME, 0.1)

    assert started == set()
    assert runs == []


def test_the_timer_runs_at_its_interval_past_a_failure_and_stops_with_the_app(monkeypatch, runs):
    monkeypatch.setattr(get_settings(), "retention_timer", True)
    monkeypatch.setattr(get_settings(), "retention_interval_h", 0.02 / 3600)

    started = with_timer(lambda: BASE_TIME, 0.3)

    assert [task.get_name() for task in started] == ["retention-timer"]
    assert all(task.done() for task in started)
    assert len(runs) >= 3
    assert set(runs) == {BASE_TIME}
    count = len(runs)
    asyncio.run(asyncio.sleep(0.1))
    assert len(runs) == count


def test_a_failed_run_is_logged_by_type_and_the_timer_goes_on(monkeypatch, caplog):
    attempts: list[datetime] = []

    def run_once(now: datetime) -> RetentionResult:
        attempts.append(now)
        if len(attempts) == 1:
            raise RuntimeError(f"UPDATE call SET notes = NULL -- {NOTES}")
        return RetentionResult(notes_erased=2, phones_erased=1, audit_rows_deleted=3)

    monkeypatch.setattr(timer, "run_once", run_once)
    caplog.set_level(logging.INFO, logger=timer.__name__)

    first = asyncio.run(timer.run_logged(lambda: BASE_TIME))
    second = asyncio.run(timer.run_logged(lambda: BASE_TIME))

    assert first is None
    assert second == RetentionResult(notes_erased=2, phones_erased=1, audit_rows_deleted=3)
    assert "retention run failed: RuntimeError" in caplog.text
    assert NOTES not in caplog.text
    assert "erased notes of 2 calls and callback numbers of 1 calls, deleted 3" in caplog.text


def test_a_timer_run_erases_in_the_configured_database_and_logs_only_counts(
    monkeypatch, migrated: str, caplog
):
    engine = create_db_engine(migrated)
    monkeypatch.setattr(timer, "get_engine", lambda: engine)
    caplog.set_level(logging.INFO, logger=timer.__name__)
    try:
        with Session(engine) as session:
            call = Call(line="stress", received_at=BASE_TIME, ended_at=BASE_TIME,
                        status=CallStatus.abandoned, notes=NOTES)  # fmt: skip
            session.add(call)
            session.commit()
            call_id = call.id

        result = asyncio.run(timer.run_logged(lambda: BASE_TIME + timedelta(days=366)))

        assert result == RetentionResult(notes_erased=1, phones_erased=0, audit_rows_deleted=0)
        with Session(engine) as session:
            assert session.get(Call, call_id).notes is None
        assert "erased notes of 1 calls" in caplog.text
        assert NOTES not in caplog.text
    finally:
        engine.dispose()


def test_the_periods_these_tests_assume_are_the_defaults():
    fields = Settings.model_fields
    assert fields["retention_days"].default == get_settings().retention_days == 365
    assert fields["callback_phone_days"].default == get_settings().callback_phone_days == 14
    assert fields["audit_retention_days"].default == get_settings().audit_retention_days == 183


def test_an_admin_runs_retention_through_the_api_and_it_is_on_record(client, session, clock):
    old = create_call(client, closed_with_callback(BASE_TIME))
    clock.set(closed_at(old) + timedelta(days=366))
    response = client.post("/retention/run")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "notes_erased": 1,
        "phones_erased": 1,
        "audit_rows_deleted": 0,
        "case_texts_erased": 0,
    }
    assert stored(session, old["id"])["notes"] is None
    [run] = retention_rows(session)
    assert run.role == "admin" and run.fields == ["callback_phone:1", "notes:1"]
    again = client.post("/retention/run").json()
    assert again == {
        "notes_erased": 0,
        "phones_erased": 0,
        "audit_rows_deleted": 0,
        "case_texts_erased": 0,
    }
