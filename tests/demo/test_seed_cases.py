"""Demo cases (`hotline seed`): a share of the answered calls is followed as cases, with
their tasks, referrals, notes and timeline, the same for the same seed, and every one of
them readable through the API.

One range of ten weeks, seeded by the real command into a throwaway database: long enough
that the early cases are settled (their last call more than 30 days before the end).
"""

import itertools
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from stdnum.dk import cvr

from service.calls.models import Call
from service.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseNote,
    CaseReferral,
    CaseTask,
    Workplace,
)
from service.cases.reference import parse_reference
from service.cases.task_models import CaseTaskPublic
from service.cases.tasks import is_overdue
from service.clock import get_now
from service.db import create_db_engine, get_session
from service.demo import assumptions as A
from service.demo.cases import EVENT_COLUMNS
from service.demo.rows import COLUMNS
from service.main import create_app
from tests.demo.test_seed import api, run_seed, seeded_database, table_rows
from tests.factories import as_admin

ZONE = ZoneInfo("Europe/Copenhagen")
RANGE = ("--from", "2025-W02", "--to", "2025-W11", "--calls-per-week", "300")
END = datetime(2025, 3, 17, tzinfo=ZONE)  # the Monday after 2025-W11
CASE_TABLES = ("case_file", "case_task", "case_referral", "case_note", "case_event", "case_counter")


class Seeded:
    """The seeded cases and what belongs to them, read back through the models."""

    def __init__(self, url: str) -> None:
        self.url = url
        engine = create_db_engine(url)
        try:
            with Session(engine) as session:
                self.cases = {c.id: c for c in session.exec(select(Case))}
                self.calls = list(session.exec(select(Call).order_by(Call.received_at, Call.id)))
                self.tasks = list(session.exec(select(CaseTask)))
                self.referrals = list(session.exec(select(CaseReferral)))
                self.notes = list(session.exec(select(CaseNote)))
                self.events = list(session.exec(select(CaseEvent)))
                self.counters = {c.year: c.last_number for c in session.exec(select(CaseCounter))}
                self.issues = {c.id: c.issue_categories for c in self.calls}
                session.expunge_all()
        finally:
            engine.dispose()
        self.calls_of: dict[uuid.UUID, list[Call]] = defaultdict(list)
        for call in self.calls:
            if call.case_id is not None:
                self.calls_of[call.case_id].append(call)

    @property
    def answered_inbound(self) -> list[Call]:
        return [c for c in self.calls if c.direction == "inbound" and c.answered_at is not None]

    def last_call(self, case: Case) -> datetime:
        return max(c.closed_at or c.received_at for c in self.calls_of[case.id])


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory) -> Iterator[str]:
    with seeded_database(tmp_path_factory.mktemp("cases"), *RANGE, "--seed", "5") as url:
        yield url


@pytest.fixture(scope="module")
def seeded(seeded_url) -> Seeded:
    return Seeded(seeded_url)


def case_rows(url: str) -> dict[str, list[tuple]]:
    rows = table_rows(url)
    return {table: rows[table] for table in CASE_TABLES} | {
        "call.case_id": sorted((str(r[0]), str(r[1])) for r in _call_cases(url))
    }


def _call_cases(url: str) -> list[tuple]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(Call.id, Call.case_id)))
    finally:
        engine.dispose()


# -- determinism -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_cases_and_another_seed_others(seeded_url, tmp_path):
    (tmp_path / "again").mkdir()
    (tmp_path / "other").mkdir()
    with seeded_database(tmp_path / "again", *RANGE, "--seed", "5") as again:
        same = case_rows(again)
    with seeded_database(tmp_path / "other", *RANGE, "--seed", "6") as other:
        different = case_rows(other)
    rows = case_rows(seeded_url)
    for table in CASE_TABLES:
        assert rows[table], f"nothing seeded in {table}"
        assert rows[table] == same[table], f"{table} differs between two runs"
        assert rows[table] != different[table], f"{table} is the same for another seed"
    assert rows["call.case_id"] == same["call.case_id"]


def test_a_reset_replaces_the_cases_with_the_same_ones(seeded_url, tmp_path):
    """`reset_data` empties the case tables too: reseeding gives the rows of a fresh seed."""
    with seeded_database(tmp_path, *RANGE, "--seed", "5") as url:
        result = run_seed(url, *RANGE, "--seed", "5", "--reset", "--yes", "--quiet", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        again = case_rows(url)
    rows = case_rows(seeded_url)
    for table in rows:
        assert rows[table] == again[table], table


# -- shares ----------------------------------------------------------------------------------


def test_about_twelve_percent_of_answered_inbound_calls_belong_to_a_case(seeded):
    answered = seeded.answered_inbound
    linked = [c for c in answered if c.case_id is not None]
    assert 0.08 <= len(linked) / len(answered) <= 0.16
    # Only answered inbound calls are part of a case.
    assert all(c.direction == "inbound" and c.answered_at for c in seeded.calls if c.case_id)


def test_a_case_has_one_to_five_calls_mostly_one_or_two(seeded):
    sizes = Counter(len(seeded.calls_of[case_id]) for case_id in seeded.cases)
    assert set(sizes) <= {1, 2, 3, 4, 5}
    assert sizes[2] and sizes[3], sizes
    assert (sizes[1] + sizes[2]) / sum(sizes.values()) >= 0.7


def test_settled_cases_are_mostly_closed_and_the_rest_wait_or_are_open(seeded):
    settled_before = END - timedelta(days=A.CASE_SETTLED_DAYS)
    settled = [c for c in seeded.cases.values() if seeded.last_call(c) < settled_before]
    assert len(settled) >= 30
    assert sum(c.status == "closed" for c in settled) / len(settled) >= 0.7
    statuses = Counter(c.status for c in seeded.cases.values())
    assert statuses["open"] and statuses["waiting"] and statuses["closed"], statuses
    outcomes = Counter(c.outcome for c in seeded.cases.values() if c.status == "closed")
    assert outcomes.most_common(1)[0][0] == "resolved_by_advice"
    assert outcomes["referred_to_inspection"] and outcomes["no_further_contact"], outcomes


def test_some_cases_have_tasks_some_open_ones_overdue_and_some_referrals_and_notes(seeded):
    cases = seeded.cases
    with_tasks = {t.case_id for t in seeded.tasks}
    assert 0.3 <= len(with_tasks) / len(cases) <= 0.5
    overdue = [t for t in seeded.tasks if is_overdue(t.state, t.due_at, END)]
    assert overdue and all(cases[t.case_id].status != "closed" for t in overdue)
    referred = {r.case_id for r in seeded.referrals}
    assert 0.03 <= len(referred) / len(cases) <= 0.14
    assert {r.status for r in seeded.referrals} >= {"sent", "accepted"}
    assert all(r.to == "Arbejdstilsynet" for r in seeded.referrals)
    assert seeded.notes


# -- the rules each case keeps ---------------------------------------------------------------


def test_a_cases_calls_share_its_line_and_its_first_call_gives_owner_and_workplace(seeded):
    for case in seeded.cases.values():
        calls = seeded.calls_of[case.id]
        assert calls, case.reference
        assert {c.line for c in calls} == {case.line}
        first = calls[0]
        assert case.owner_adviser_id == first.adviser_id
        assert (case.workplace_sector, case.workplace_size) == (first.sector, first.workplace_size)
        assert case.created_at >= first.ended_at
        # Repeat calls of the workplace are days apart, none after the case waited or closed.
        for before, after in itertools.pairwise(calls):
            assert after.received_at - before.received_at >= timedelta(days=1)
        if case.status != "open":
            assert seeded.last_call(case) < case.status_changed_at
        if case.status == "closed":
            assert case.closed_at == case.status_changed_at and case.outcome
        violent = any("violence" in seeded.issues[c.id] for c in calls)
        assert (case.risk_flag == "violence_or_threats") == violent


def test_each_case_has_its_timeline(seeded):
    events: dict[uuid.UUID, list[CaseEvent]] = defaultdict(list)
    for event in seeded.events:
        events[event.case_id].append(event)
    tasks = {t.id: t for t in seeded.tasks}
    for case in seeded.cases.values():
        kinds = Counter(e.type for e in events[case.id])
        assert kinds["opened"] == 1
        linked = {e.call_id for e in events[case.id] if e.type == "call_linked"}
        assert linked == {c.id for c in seeded.calls_of[case.id]}
        changes = [e for e in events[case.id] if e.type == "status_changed"]
        if case.status == "open":
            assert not changes
        else:
            last = max(changes, key=lambda e: e.at)
            assert (last.from_status, last.to_status) == (case.previous_status, case.status)
            assert last.at == case.status_changed_at
        task_ids = {e.task_id for e in events[case.id] if e.type == "task_added"}
        assert task_ids == {t.id for t in tasks.values() if t.case_id == case.id}
        referral_ids = {e.referral_id for e in events[case.id] if e.type == "referral_sent"}
        assert referral_ids == {r.id for r in seeded.referrals if r.case_id == case.id}
        assert all(e.at >= case.created_at and e.at < END for e in events[case.id])


def test_tasks_are_done_in_closed_cases_and_open_ones_set_the_follow_up(seeded):
    open_due: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    for task in seeded.tasks:
        case = seeded.cases[task.case_id]
        assert (task.state == "done") == (task.done_at is not None)
        if case.status == "closed":
            assert task.state == "done" and task.done_at <= case.closed_at
        if task.done_at is not None:
            assert task.created_at < task.done_at < END
        if task.state == "open":
            open_due[case.id].append(task.due_at)
        assert (task.callback_phone is not None) == (task.kind == "callback")
    for case in seeded.cases.values():
        assert case.follow_up_due_at == min(open_due[case.id], default=None)


def test_references_count_per_year_and_the_counter_holds_each_years_last(seeded):
    numbers: dict[int, list[int]] = defaultdict(list)
    for case in seeded.cases.values():
        year, number = parse_reference(case.reference)
        assert year == case.created_at.astimezone(ZONE).year
        numbers[year].append(number)
    assert set(numbers) == {2025}
    for taken in numbers.values():
        assert sorted(taken) == list(range(1, len(taken) + 1))
    assert seeded.counters == {year: max(taken) for year, taken in numbers.items()}


def test_a_case_opened_through_the_api_after_the_seed_counts_on(tmp_path):
    week = ("--from", "2025-W02", "--to", "2025-W03", "--calls-per-week", "300")
    with seeded_database(tmp_path, *week) as url:
        before = Seeded(url)
        engine = create_db_engine(url)

        def session_for_request() -> Iterator[Session]:
            with Session(engine) as session:
                yield session

        app = create_app()
        app.dependency_overrides[get_session] = session_for_request
        app.dependency_overrides[get_now] = lambda: datetime(2025, 1, 20, 10, tzinfo=UTC)
        as_admin(app)
        try:
            response = TestClient(app).post("/cases", json={"line": "stress", "title": "Ny sag"})
        finally:
            engine.dispose()
    assert response.status_code == 201, response.text
    assert before.counters[2025] == len(before.cases)
    assert response.json()["reference"] == f"2025-{before.counters[2025] + 1:05d}"


def test_workplaces_have_valid_cvr_numbers_or_names_and_referrals_name_theirs(seeded):
    cases = list(seeded.cases.values())
    with_cvr = [c for c in cases if c.workplace_cvr is not None]
    assert 0.45 <= len(with_cvr) / len(cases) <= 0.75
    assert all(cvr.is_valid(c.workplace_cvr) for c in with_cvr)
    for case in cases:
        if case.workplace is not None:
            Workplace.model_validate(case.workplace.model_dump())
    for referral in seeded.referrals:
        case = seeded.cases[referral.case_id]
        assert referral.workplace_cvr == case.workplace_cvr
        if referral.workplace_cvr is None:
            assert referral.workplace_name and referral.workplace_address
        assert referral.status_changed_at >= referral.created_at >= case.created_at


# -- through the API -------------------------------------------------------------------------


def test_every_seeded_case_reads_through_the_api(seeded):
    with api(seeded.url) as client:
        for case in seeded.cases.values():
            response = client.get(f"/cases/{case.id}")
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["reference"] == case.reference
            assert body["call_ids"] == [str(c.id) for c in seeded.calls_of[case.id]]


def test_every_seeded_task_makes_the_apis_task(seeded):
    for task in seeded.tasks:
        stored = set(COLUMNS["case_task"])
        values = {
            name: getattr(task, name) for name in CaseTaskPublic.model_fields if name in stored
        }
        public = CaseTaskPublic.model_validate(
            values
            | {
                "case_reference": seeded.cases[task.case_id].reference,
                "overdue": is_overdue(task.state, task.due_at, END),
            }
        )
        assert public.redacted == []


def test_the_timelines_rows_are_laid_out_as_the_table():
    assert COLUMNS["case_event"] == EVENT_COLUMNS


def test_seeded_cases_make_a_database_with_data(tmp_path):
    """A database holding only a case is not empty: a seed refuses it without --reset."""
    with seeded_database(tmp_path, "--from", "2025-W02", "--to", "2025-W02") as url:
        engine = create_db_engine(url)
        try:
            with engine.begin() as connection:
                for table in ("call_event", "call_offer", "presence_event", "call_advice"):
                    connection.execute(sa.text(f"DELETE FROM {table}"))
                connection.execute(sa.text("DELETE FROM call_issue_category"))
                connection.execute(sa.text("UPDATE case_event SET call_id = NULL"))
                connection.execute(sa.text("DELETE FROM call"))
                connection.execute(sa.text("DELETE FROM adviser_line"))
        finally:
            engine.dispose()
        refused = run_seed(url, "--from", "2025-W02", "--to", "2025-W02", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--reset" in refused.stdout + refused.stderr
