"""Demo data (`hotline seed`): the same seed gives the same data, and the data keeps the rules.

Every dataset is seeded by the real command into a throwaway database of its own and
committed (the seeder writes through its own engine, so the rolled-back `session` fixture
cannot hold it); the tests only read it, through the models and through the API.
"""

import contextlib
import itertools
import multiprocessing
import os
import re
import sqlite3
import statistics
import struct
import subprocess
import sys
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import holidays
import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from service import migrations
from service.advisers.models import Adviser, AdviserCreate, PresenceEvent
from service.calls.journal import CallEvent, CallOffer
from service.calls.lifecycle import CallFacts, apply_requested_status, check_facts, derive_status
from service.calls.models import Call, CallCreate
from service.db import create_db_engine, get_session
from service.demo import seed as demo
from service.demo import writer
from service.demo.generate import Generator, _next_id
from service.demo.pipeline import Pipeline
from service.demo.rows import (
    COLUMNS,
    GROUPS,
    KEYS,
    PRESENCE_AFTER,
    ROW_COLUMNS,
    derived_presence,
    full_rows,
    presence_id,
    rows_of,
)
from service.idempotency.models import IdempotencyRecord
from service.main import create_app
from service.models import metadata
from service.reports.models import TOTAL_COUNTS, TOTAL_RATES, TOTAL_SECONDS
from service.reports.weeks import IsoWeek
from service.search import index as search_index
from service.taxonomy.models import CODE_LISTS
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.factories import as_admin

HOTLINE = str(Path(sys.executable).parent / "hotline")
ON_SQLITE = TEST_DATABASE_URL is None or TEST_DATABASE_URL.startswith("sqlite")
ZONE = ZoneInfo("Europe/Copenhagen")
OPENS, CLOSES = time(8, 0), time(15, 0)
PHONE = re.compile(r"^\+45[2-9]\d{7}$")

# Four ordinary weeks (no holiday), and nine weeks with Easter, Ascension Day, Constitution
# Day (the authority is closed) and Whit Monday in them.
SPRING = ("--from", "2025-W10", "--to", "2025-W13", "--calls-per-week", "400")
HOLIDAYS = ("--from", "2025-W16", "--to", "2025-W24", "--calls-per-week", "150")
CLOSED_DAYS = {
    date(2025, 4, 17),  # Maundy Thursday
    date(2025, 4, 18),  # Good Friday
    date(2025, 4, 21),  # Easter Monday
    date(2025, 5, 29),  # Ascension Day
    date(2025, 6, 5),  # Constitution Day: the authority is closed
    date(2025, 6, 9),  # Whit Monday
}
REPORT_WEEK = "2025-W11"  # a past week of SPRING, so that nothing depends on "now"

# The order of a journal's steps that happen at the same instant (a call offered the moment
# it is queued; a transfer re-queues at once), and of presence changes at one instant.
STEPS = ("transferred", "queued", "offered", "accepted", "held", "resumed", "ended", "closed",
         "abandoned")  # fmt: skip
EVENT_STEP = {name: n for n, name in enumerate(STEPS)}
PRESENCE_STEP = {"on_call": 0, "wrap_up": 1, "available": 2, "offline": 3}
LEG = r"offered accepted(?: held resumed)*"
ANSWERED_JOURNAL = re.compile(rf"queued {LEG}(?: transferred queued {LEG})* ended closed")
ABANDONED_JOURNAL = re.compile(r"queued abandoned")
# A day on the desk: logged in, calls (wrap-up, or none when the call was transferred away),
# logged off.
PRESENCE_DAYS = re.compile(r"(?:available (?:on_call (?:wrap_up )?available )*offline )+")


def run_seed(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`hotline seed` as a user runs it, on the database at `url`."""
    return subprocess.run(
        [HOTLINE, "seed", *args],
        env=os.environ | {"HOTLINE_DATABASE_URL": url, "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@contextlib.contextmanager
def seeded_database(folder: Path, *args: str) -> Iterator[str]:
    """A throwaway database, migrated and seeded with `args`."""
    with throwaway_database(TEST_DATABASE_URL, folder) as url:
        migrations.upgrade("head", database_url=url)
        result = run_seed(url, *args, "--quiet", cwd=folder)
        assert result.returncode == 0, result.stderr
        yield url


@contextlib.contextmanager
def api(url: str) -> Iterator[TestClient]:
    """An API client whose requests get sessions on the database at `url`."""
    engine = create_db_engine(url)

    def session_for_request() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    app = create_app()
    app.dependency_overrides[get_session] = session_for_request
    as_admin(app)
    try:
        yield TestClient(app)
    finally:
        engine.dispose()


@dataclass
class Dataset:
    """Everything one seeded database holds, read back through the models."""

    url: str
    calls: list[dict]  # oldest first, with their issue categories and advice in order
    events: dict[uuid.UUID, list[dict]]  # per call, in the order the service reads them
    offers: dict[uuid.UUID, list[dict]]  # per call, oldest first
    presence: dict[uuid.UUID, list[dict]]  # per adviser, in the order the service reads them
    advisers: dict[uuid.UUID, dict]  # with lines, languages and expertise
    active: dict[str, set[str]]  # the active codes of each code list

    @property
    def inbound(self) -> list[dict]:
        return [c for c in self.calls if c["direction"] == "inbound"]

    @property
    def answered(self) -> list[dict]:
        return [c for c in self.inbound if c["answered_at"] is not None]

    @property
    def latest(self) -> datetime:
        return max(c["closed_at"] or c["ended_at"] for c in self.calls)

    def steps(self, call_id: uuid.UUID) -> list[dict]:
        """A call's journal in the order its steps happened."""
        return sorted(self.events[call_id], key=lambda e: (e["at"], EVENT_STEP[e["type"]]))

    def presence_steps(self, adviser_id: uuid.UUID) -> list[dict]:
        """An adviser's presence changes in the order they happened."""
        events = self.presence[adviser_id]
        return sorted(events, key=lambda e: (e["at"], PRESENCE_STEP[e["presence"]]))


def columns(row: object) -> dict:
    """A model instance's stored columns, as they came back from the database."""
    return {attr.key: getattr(row, attr.key) for attr in sa.inspect(row).mapper.column_attrs}


def load(url: str) -> Dataset:
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            calls = []
            for call in session.exec(select(Call).order_by(Call.received_at, Call.id)):
                row = columns(call)
                row["issue_categories"], row["advice"] = call.issue_categories, call.advice
                calls.append(row)
            events: dict[uuid.UUID, list[dict]] = defaultdict(list)
            # As GET /calls/{id}/events and the reports order a journal.
            for event in session.exec(select(CallEvent).order_by(CallEvent.at, CallEvent.id)):
                events[event.call_id].append(columns(event))
            offers: dict[uuid.UUID, list[dict]] = defaultdict(list)
            for offer in session.exec(select(CallOffer).order_by(CallOffer.offered_at)):
                offers[offer.call_id].append(columns(offer))
            presence: dict[uuid.UUID, list[dict]] = defaultdict(list)
            # As the reports (and the presence history, newest first) order them.
            ordered = select(PresenceEvent).order_by(PresenceEvent.at, PresenceEvent.id)
            for event in session.exec(ordered):
                presence[event.adviser_id].append(columns(event))
            advisers = {
                adviser.id: columns(adviser)
                | {
                    "lines": adviser.lines,
                    "languages": adviser.languages,
                    "expertise": adviser.expertise,
                }
                for adviser in session.exec(select(Adviser))
            }
            active = {
                name: set(session.exec(select(model.code).where(model.active.is_(True))).all())
                for name, model in CODE_LISTS.items()
            }
    finally:
        engine.dispose()
    return Dataset(url, calls, dict(events), dict(offers), dict(presence), advisers, active)


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a full order."""
    engine = create_db_engine(url)
    try:
        # The audit trail records the tests' own reads: not seeded data. The search index's
        # own tables (SQLite) are built in another order by a big load: what it maps is
        # compared, not its row ids or its b-tree's bytes.
        skipped = {"alembic_version", "audit_event", "api_token", *search_index.SQLITE_TABLES}
        tables = sorted(set(sa.inspect(engine).get_table_names()) - skipped)
        with engine.connect() as connection:
            rows = {}
            if engine.dialect.name == "sqlite":
                mapped = "SELECT kind, record_id FROM search_document ORDER BY 1, 2"
                rows["search_document"] = [tuple(r) for r in connection.exec_driver_sql(mapped)]
            for table in tables:
                width = len(sa.inspect(engine).get_columns(table))
                order = ", ".join(str(n) for n in range(1, width + 1))
                query = f'SELECT * FROM "{table}" ORDER BY {order}'
                rows[table] = [tuple(r) for r in connection.exec_driver_sql(query)]
            return rows
    finally:
        engine.dispose()


def column(url: str, table: str, name: str) -> list:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            query = f'SELECT {name} FROM "{table}" ORDER BY {name}'
            return list(connection.exec_driver_sql(query).scalars())
    finally:
        engine.dispose()


def api_output(url: str) -> dict[str, list[bytes]]:
    """The bytes the API serves for the calls, the advisers and a past week's reports."""
    with api(url) as client:
        pages, cursor = [], None
        while True:
            params: dict = {"limit": 500} | ({"cursor": cursor} if cursor else {})
            response = client.get("/calls", params=params)
            assert response.status_code == 200, response.text
            pages.append(response.content)
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break
        output = {"calls": pages}
        for path, params in [
            ("/advisers", {}),
            ("/reports/weekly", {"week": REPORT_WEEK}),
            ("/reports/weekly.csv", {"week": REPORT_WEEK}),
            ("/reports/abandoned", {"week": REPORT_WEEK}),
        ]:
            response = client.get(path, params=params)
            assert response.status_code == 200, response.text
            output[path] = [response.content]
        return output


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


# -- the datasets --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spring_url(tmp_path_factory) -> Iterator[str]:
    with seeded_database(tmp_path_factory.mktemp("spring"), *SPRING, "--seed", "42") as url:
        yield url


@pytest.fixture(scope="module")
def spring(spring_url) -> Dataset:
    return load(spring_url)


@pytest.fixture(scope="module")
def holidays_data(tmp_path_factory) -> Iterator[Dataset]:
    with seeded_database(tmp_path_factory.mktemp("holidays"), *HOLIDAYS, "--seed", "7") as url:
        yield load(url)


@pytest.fixture(scope="module", params=["spring", "holidays_data"])
def dataset(request) -> Dataset:
    return request.getfixturevalue(request.param)


# -- 1. determinism ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_rows_and_the_same_api_output(spring_url, tmp_path):
    with seeded_database(tmp_path, *SPRING, "--seed", "42") as again:
        rows, rows_again = table_rows(spring_url), table_rows(again)
        output, output_again = api_output(spring_url), api_output(again)
    for table in ("call", "call_event", "call_offer", "adviser", "presence_event"):
        assert rows[table], f"nothing seeded in {table}"
    assert rows.keys() == rows_again.keys()
    for table in rows:
        assert rows[table] == rows_again[table], f"table {table} differs between two runs"
    assert len(output["calls"]) > 1, "the listing should take more than one page"
    for name in output:
        assert output[name] == output_again[name], f"{name} differs between two runs"


def test_another_seed_gives_other_data(spring_url, tmp_path):
    with seeded_database(tmp_path, *SPRING, "--seed", "43") as other:
        rows, other_rows = table_rows(spring_url), table_rows(other)
        received, other_received = (
            column(spring_url, "call", "received_at"),
            column(other, "call", "received_at"),
        )
        names, other_names = column(spring_url, "adviser", "name"), column(other, "adviser", "name")
    assert rows["call"] != other_rows["call"]
    assert rows["call_event"] != other_rows["call_event"]
    assert len(set(received) & set(other_received)) < len(received) / 10
    assert names != other_names


# -- 2. distributions as documented in service/demo/assumptions.py --------------------------


def test_each_week_gets_the_calls_asked_for_and_callbacks_on_top(spring):
    per_week = Counter(IsoWeek.of(local(c["received_at"]).date()) for c in spring.inbound)
    assert per_week == {IsoWeek(2025, week): 400 for week in range(10, 14)}
    outbound = [c for c in spring.calls if c["direction"] == "outbound"]
    assert outbound, "no callbacks"


def test_the_stress_line_has_most_calls_and_the_managers_line_mostly_managers(spring):
    lines = Counter(c["line"] for c in spring.inbound)
    assert 0.60 <= lines["stress"] / len(spring.inbound) <= 0.85, lines
    managers = [c["caller_type"] for c in spring.answered if c["line"] == "managers"]
    assert managers.count("manager") / len(managers) > 0.60, Counter(managers)
    stress = Counter(c["caller_type"] for c in spring.answered if c["line"] == "stress")
    assert stress.most_common(1)[0][0] == "employee", stress


def test_about_seven_percent_abandon_and_some_of_them_within_five_seconds(spring):
    abandoned = [c for c in spring.inbound if c["status"] == "abandoned"]
    assert 0.04 <= len(abandoned) / len(spring.inbound) <= 0.11, len(abandoned)
    short = [c for c in abandoned if seconds(c["received_at"], c["ended_at"]) <= 5]
    assert 0.15 <= len(short) / len(abandoned) <= 0.55, (len(short), len(abandoned))


def test_health_and_social_work_leads_with_violence_and_emotional_demands_there(spring):
    sectors = Counter(c["sector"] for c in spring.answered)
    assert sectors.most_common(1)[0][0] == "health_social", sectors.most_common(3)
    health = [c for c in spring.answered if c["sector"] == "health_social"]
    elsewhere = [c for c in spring.answered if c["sector"] != "health_social"]
    for code in ("violence", "emotional_demands"):
        carrying = Counter(c["sector"] for c in spring.answered if code in c["issue_categories"])
        assert carrying.total() >= 30, (code, carrying)
        assert carrying.most_common(1)[0][0] == "health_social", (code, carrying.most_common(3))
        in_health = sum(code in c["issue_categories"] for c in health) / len(health)
        outside = sum(code in c["issue_categories"] for c in elsewhere) / len(elsewhere)
        assert in_health > 1.3 * outside, (code, in_health, outside)


def test_calls_come_on_weekdays_in_opening_hours_most_on_monday(spring):
    weekdays = Counter()
    for call in spring.calls:
        received = local(call["received_at"])
        assert received.isoweekday() <= 5, call
        assert OPENS <= received.time() < CLOSES, call
        if call["direction"] == "inbound":
            weekdays[received.isoweekday()] += 1
    assert weekdays[1] > max(weekdays[d] for d in (2, 3, 4, 5)), weekdays
    assert min(weekdays.values()) == weekdays[5], weekdays  # Friday is the quietest


def test_no_calls_on_public_holidays_or_the_authoritys_closing_days(holidays_data):
    days = {local(c["received_at"]).date() for c in holidays_data.calls}
    first, last = date(2025, 4, 14), date(2025, 6, 15)
    weekdays = {first + timedelta(n) for n in range((last - first).days + 1)}
    weekdays = {d for d in weekdays if d.isoweekday() <= 5}
    assert days == weekdays - CLOSED_DAYS
    public = holidays.Denmark(years=2025)
    assert not [d for d in days if d in public or (d.month, d.day) in {(6, 5), (12, 24), (12, 31)}]


def test_christmas_eve_new_years_eve_and_the_holidays_around_them_are_closed(spring):
    # Generated in memory only: the authority's own closing days at the turn of the year.
    generator = Generator(
        seed=3, codes=spring.active, peak_calls_per_week=100, timezone="Europe/Copenhagen"
    )
    weeks = [IsoWeek(2025, 52), IsoWeek(2026, 1)]
    generator.adviser_rows(weeks[0].monday)
    days = set()
    for number, week in enumerate(weeks):
        for batch in generator.days(week, 100, last=number == 1):
            received_at = COLUMNS["call"].index("received_at")
            for row in rows_of("call", full_rows(batch.rows)["call"]):
                received = datetime.fromisoformat(row[received_at]).replace(tzinfo=UTC)
                days.add(local(received).date())
    expected = {date(2025, 12, 22), date(2025, 12, 23), date(2025, 12, 29), date(2025, 12, 30)}
    assert days == expected | {date(2026, 1, 2)}


def test_talk_time_is_about_twelve_minutes(spring):
    talk = [seconds(c["answered_at"], c["ended_at"]) for c in spring.answered]
    assert 8 * 60 <= statistics.median(talk) <= 16 * 60, statistics.median(talk)


def test_callback_numbers_come_exactly_with_callback_requests(dataset):
    requested = [c for c in dataset.calls if c["callback_requested"]]
    assert requested
    for call in dataset.calls:
        assert (call["callback_phone"] is not None) == call["callback_requested"], call
        if call["callback_phone"] is not None:
            assert PHONE.fullmatch(call["callback_phone"]), call["callback_phone"]


def test_some_calls_are_transferred_and_callbacks_are_made(dataset):
    transferred = {
        call_id
        for call_id, events in dataset.events.items()
        if any(e["type"] == "transferred" for e in events)
    }
    assert len(transferred) >= 5
    calls = {c["id"]: c for c in dataset.calls}
    for call_id in transferred:
        # Passed on from the stress line to the managers' line.
        assert calls[call_id]["line"] == "managers"
        assert dataset.steps(call_id)[0]["line"] == "stress"

    callbacks = [c for c in dataset.calls if c["direction"] == "outbound"]
    assert len(callbacks) >= 5
    made_for = Counter(c["origin_call_id"] for c in callbacks)
    for callback in callbacks:
        origin = calls[callback["origin_call_id"]]
        assert callback["status"] == "closed", callback
        assert origin["direction"] == "inbound" and origin["status"] == "closed", origin
        assert origin["callback_requested"], origin
        assert callback["received_at"] > origin["closed_at"]
        assert callback["line"] == origin["line"] and callback["language"] == origin["language"]
        assert not callback["callback_requested"]
    # Every request is called back once, the last day's included (it asks for none).
    requested = {c["id"] for c in dataset.calls if c["callback_requested"]}
    assert made_for == dict.fromkeys(requested, 1)


def test_some_calls_are_in_english(spring):
    english = sum(c["language"] == "en" for c in spring.inbound) / len(spring.inbound)
    assert 0.01 <= english <= 0.10, english


# -- 3. validity: what the API itself would accept --------------------------------------------

# Set by the server, never sent.
SERVER_MANAGED = {"id", "version", "created_at", "updated_at", "callback_due_at", "requeued_at",
                  "target_adviser_id", "hold_started_at", "hold_s"}  # fmt: skip


def create_payload(call: dict) -> dict:
    """The call as a client would POST it: its stored fields, lists in position order."""
    payload = {name: call[name] for name in CallCreate.model_fields}
    assert not set(payload) & SERVER_MANAGED
    return payload


def test_every_call_passes_the_apis_validation_and_lifecycle_rules(dataset):
    now = dataset.latest + timedelta(days=1)
    failures = []
    for call in dataset.calls:
        try:
            call_in = CallCreate.model_validate(create_payload(call))
        except ValidationError as exc:
            failures.append((call["id"], exc.errors()))
            continue
        facts = CallFacts(**{f.name: getattr(call_in, f.name) for f in fields(CallFacts)})
        problems = check_facts(facts, now=now, clock_skew=timedelta(0))
        facts, refused = apply_requested_status(
            facts, call_in.status, closed_at_sent=call_in.closed_at is not None
        )
        if problems or refused:
            failures.append((call["id"], problems + refused))
        elif derive_status(facts) != call["status"]:
            failures.append((call["id"], f"status {call['status']} vs {derive_status(facts)}"))
    assert not failures, f"{len(failures)} calls refused, e.g. {failures[:3]}"


def orphans(url: str) -> list[str]:
    """Each foreign key with rows that find no row it refers to."""
    engine = create_db_engine(url)
    found = []
    try:
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for key in table.foreign_key_constraints:
                    parent = key.referred_table.alias("parent")
                    pairs = [(e.parent, parent.c[e.column.name]) for e in key.elements]
                    missing = connection.scalar(
                        sa.select(sa.func.count())
                        .select_from(table.outerjoin(parent, sa.and_(*(c == p for c, p in pairs))))
                        .where(*(c.is_not(None) for c, _ in pairs), pairs[0][1].is_(None))
                    )
                    if missing:
                        found.append(f"{key.name}: {missing}")
    finally:
        engine.dispose()
    return found


def test_every_foreign_key_finds_its_row(dataset):
    """SQLite is loaded with its foreign key checks off, so the data must keep them itself."""
    assert not orphans(dataset.url)


def test_every_code_is_active_in_its_list(dataset):
    for call in dataset.calls:
        assert call["line"] in dataset.active["line"]
        if call["status"] == "closed":
            assert call["caller_type"] in dataset.active["caller_type"], call
            assert call["sector"] in dataset.active["sector"], call
        assert set(call["issue_categories"]) <= dataset.active["issue_category"], call
        assert set(call["advice"]) <= dataset.active["advice_type"], call
        assert len(set(call["issue_categories"])) == len(call["issue_categories"])
        assert len(set(call["advice"])) == len(call["advice"])
    for adviser in dataset.advisers.values():
        assert set(adviser["lines"]) <= dataset.active["line"]
        assert set(adviser["expertise"]) <= dataset.active["issue_category"]


def test_every_adviser_passes_the_apis_validation(dataset):
    emails = [a["email"].lower() for a in dataset.advisers.values()]
    assert len(set(emails)) == len(emails)
    for adviser in dataset.advisers.values():
        AdviserCreate.model_validate({name: adviser[name] for name in AdviserCreate.model_fields})
        assert set(adviser["lines"]) and adviser["active"]


def test_a_sample_of_calls_is_accepted_by_post_calls(dataset):
    """Recorded again through the API, in a transaction rolled back afterwards."""
    transferred = [c for c in dataset.calls if c["requeued_at"] is not None]
    callbacks = [c for c in dataset.calls if c["direction"] == "outbound"]
    abandoned = [c for c in dataset.calls if c["status"] == "abandoned"]
    sample = [*dataset.calls[::60], *transferred[:10], *callbacks[:10], *abandoned[:10]]
    engine = create_db_engine(dataset.url)
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            session = Session(bind=connection, join_transaction_mode="create_savepoint")

            def session_for_request() -> Iterator[Session]:
                try:
                    yield session
                finally:
                    session.rollback()

            app = create_app()
            now = dataset.latest + timedelta(days=1)
            app.state.clock = lambda: now
            app.dependency_overrides[get_session] = session_for_request
            as_admin(app)
            client = TestClient(app)
            try:
                for call in sample:
                    payload = CallCreate.model_validate(create_payload(call))
                    body = payload.model_dump(mode="json")
                    response = client.post("/calls", json=body)
                    assert response.status_code == 201, (call["id"], response.text)
                    assert response.json()["status"] == call["status"]
            finally:
                session.close()
                transaction.rollback()
    finally:
        engine.dispose()


def _legs(steps: list[dict]) -> list[tuple[uuid.UUID, datetime, datetime]]:
    """(adviser, accepted, transferred or closed) of each adviser's part in a call."""
    legs, current = [], None
    for event in steps:
        if event["type"] == "accepted":
            current = (event["adviser_id"], event["at"])
        elif event["type"] in {"transferred", "closed"} and current is not None:
            assert event["adviser_id"] == current[0], event
            legs.append((*current, event["at"]))
            current = None
    return legs


def test_each_calls_journal_offers_and_record_agree(dataset):
    for call in dataset.calls:
        steps = dataset.steps(call["id"])
        types = " ".join(e["type"] for e in steps)
        times = [e["at"] for e in steps]
        assert times == sorted(times)
        assert steps[0]["at"] == call["received_at"], call
        if call["status"] == "abandoned":
            assert ABANDONED_JOURNAL.fullmatch(types), types
            assert steps[-1]["at"] == call["ended_at"]
            assert call["answered_at"] is None and call["adviser_id"] is None
            assert call["id"] not in dataset.offers
            continue
        assert ANSWERED_JOURNAL.fullmatch(types), types
        by_type = defaultdict(list)
        for event in steps:
            by_type[event["type"]].append(event)
        accepted, offered = by_type["accepted"], by_type["offered"]
        assert call["answered_at"] == accepted[0]["at"]  # the first answer, as the desk keeps it
        assert call["ended_at"] == by_type["ended"][0]["at"]
        assert call["closed_at"] == by_type["closed"][0]["at"]
        assert (
            call["adviser_id"] == accepted[-1]["adviser_id"] == by_type["closed"][0]["adviser_id"]
        )
        for event in steps:
            assert (event["adviser_id"] is None) == (event["type"] == "queued"), event
        # Every event after the last queueing is on the line the call ended on.
        last_queued = max(n for n, e in enumerate(steps) if e["type"] == "queued")
        assert {e["line"] for e in steps[last_queued:]} == {call["line"]}
        transfers = by_type["transferred"]
        assert call["requeued_at"] == (transfers[-1]["at"] if transfers else None)
        for transfer in transfers:
            assert transfer["target_line"] == call["line"]
        held = sum(
            seconds(h["at"], r["at"])
            for h, r in zip(by_type["held"], by_type["resumed"], strict=True)
        )
        assert call["hold_s"] == held
        offers = dataset.offers[call["id"]]
        assert len(offers) == len(accepted) == len(offered)
        for offer, offer_event, accept_event in zip(offers, offered, accepted, strict=True):
            assert offer["state"] == "accepted"
            assert offer["adviser_id"] == offer_event["adviser_id"] == accept_event["adviser_id"]
            assert offer["offered_at"] == offer_event["at"]
            assert offer["decided_at"] == accept_event["at"]
            assert offer["offered_at"] < offer["decided_at"] <= offer["expires_at"]
        assert offers[0]["decided_at"] == call["answered_at"]


def test_each_calls_journal_is_served_in_the_order_it_happened(dataset):
    """GET /calls/{id}/events and the reports order a journal by (at, id)."""
    wrong = {
        call_id: [e["type"] for e in events]
        for call_id, events in dataset.events.items()
        if [e["id"] for e in events] != [e["id"] for e in dataset.steps(call_id)]
    }
    examples = list(wrong.items())[:3]
    assert not wrong, f"{len(wrong)} of {len(dataset.events)} journals out of order: {examples}"


def test_an_adviser_has_one_call_at_a_time(dataset):
    legs = defaultdict(list)
    for call in dataset.calls:
        for adviser_id, start, end in _legs(dataset.steps(call["id"])):
            legs[adviser_id].append((start, end))
    assert legs
    for adviser_id, spans in legs.items():
        spans.sort()
        for (_, previous_end), (start, _) in itertools.pairwise(spans):
            assert start >= previous_end, (adviser_id, previous_end, start)


def test_presence_follows_the_calls(dataset):
    changes = defaultdict(Counter)
    for events in dataset.events.values():
        for event in events:
            changes[event["type"]][(event["adviser_id"], event["at"])] += 1
    for adviser_id in dataset.advisers:
        steps = dataset.presence_steps(adviser_id)
        sequence = " ".join(e["presence"] for e in steps) + " "
        assert PRESENCE_DAYS.fullmatch(sequence), (adviser_id, sequence[:400])
        for before, event in itertools.pairwise(steps):
            key = (adviser_id, event["at"])
            if event["presence"] == "on_call":
                assert changes["accepted"][key], event
            elif event["presence"] == "wrap_up":
                assert changes["ended"][key], event
            elif event["presence"] == "available" and before["presence"] == "on_call":
                assert changes["transferred"][key], event  # passed on: no wrap-up
            elif event["presence"] == "available" and before["presence"] == "wrap_up":
                assert changes["closed"][key], event
        # Logged in before opening and off after closing, on the same day.
        days = defaultdict(list)
        for event in steps:
            days[local(event["at"]).date()].append(local(event["at"]))
        for day, moments in days.items():
            assert moments[0].time() <= OPENS and moments[-1].time() >= CLOSES, (adviser_id, day)
    on_call = Counter(
        (adviser_id, e["at"])
        for adviser_id, events in dataset.presence.items()
        for e in events
        if e["presence"] == "on_call"
    )
    assert on_call == changes["accepted"]


def test_presence_is_read_in_the_order_it_happened(dataset):
    """The reports and the presence history order an adviser's changes by (at, id)."""
    wrong = {}
    for adviser_id, events in dataset.presence.items():
        served = [e["id"] for e in events]
        if served != [e["id"] for e in dataset.presence_steps(adviser_id)]:
            wrong[adviser_id] = [
                (e["presence"], str(e["at"]))
                for a, b in itertools.pairwise(events)
                if a["at"] == b["at"]
                for e in (a, b)
            ][:4]
    assert not wrong, (
        f"{len(wrong)} advisers' presence out of order, e.g. {list(wrong.values())[:2]}"
    )


# -- 4. the weekly report over seeded data -----------------------------------------------------


def _weekly(url: str, week: str) -> dict:
    with api(url) as client:
        response = client.get("/reports/weekly", params={"week": week})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_weekly_report_has_a_figure_wherever_there_is_data(spring):
    report = _weekly(spring.url, REPORT_WEEK)
    figures = (*TOTAL_COUNTS, *TOTAL_RATES, *TOTAL_SECONDS)
    for totals in (
        report["totals"],
        *report["by_line"].values(),
        report["previous_week"]["totals"],
    ):
        assert not [name for name in figures if totals[name] is None], totals
    assert set(report["by_line"]) == {"stress", "managers"}
    totals = report["totals"]
    assert 0 < totals["abandonment_rate"] < 0.2 and 0 < totals["service_level"] <= 1
    assert totals["wait_p90_s"] >= totals["asa_s"] > 0 and totals["aht_s"] > 8 * 60

    # The totals are the seeded calls of the week.
    start, end = IsoWeek(2025, 11).bounds("Europe/Copenhagen")
    week = [c for c in spring.inbound if start <= c["received_at"] < end]
    assert totals["received"] == len(week) == 400
    assert totals["answered"] == sum(c["answered_at"] is not None for c in week)
    requested = sum(c["callback_requested"] for c in week)
    assert totals["callbacks_requested"] == requested > 0
    assert totals["callbacks_completed"] == requested
    moved = sum(any(e["type"] == "transferred" for e in spring.events[c["id"]]) for c in week)
    assert totals["transfers"] == moved

    assert report["by_adviser"]
    for adviser in report["by_adviser"]:
        assert adviser["occupancy"] is not None and 0 < adviser["occupancy"] <= 1, adviser
        assert adviser["answered"] > 0 and adviser["mean_handle_s"] is not None, adviser
    accepted = sum(
        e["type"] == "accepted" and start <= e["at"] < end
        for events in spring.events.values()
        for e in events
    )
    assert sum(a["answered"] for a in report["by_adviser"]) == accepted

    assert report["staffing"]
    assert all(slot["advisers"] for slot in report["staffing"])
    for breakdown in ("by_caller_type", "by_sector", "by_issue_category", "by_advice_type"):
        assert sum(row["count"] for row in report[breakdown] if row["code"]) > 0, breakdown
    arrivals = report["arrivals_by_hour"]
    for weekday, hours in enumerate(arrivals, start=1):
        for hour, count in enumerate(hours):
            if count:
                assert weekday <= 5 and 8 <= hour <= 14, (weekday, hour, count)
    assert sum(map(sum, arrivals)) == totals["received"]


def test_the_weekly_report_of_an_easter_week_shows_easter_monday_closed(holidays_data):
    report = _weekly(holidays_data.url, "2025-W17")
    arrivals = report["arrivals_by_hour"]
    assert sum(arrivals[0]) == 0  # Easter Monday
    assert all(sum(arrivals[day]) > 0 for day in range(1, 5))
    assert report["totals"]["received"] == 150


def test_advisers_are_logged_in_no_longer_than_the_lines_are_open(spring):
    """Logged in from a few minutes before 08:00 until after the last call, not overnight."""
    report = _weekly(spring.url, REPORT_WEEK)
    too_long = [
        (a["name"], round(a["logged_in_s"] / 3600, 1))
        for a in report["by_adviser"]
        if a["logged_in_s"] > 5 * 8 * 3600
    ]
    assert not too_long, f"hours logged in during {REPORT_WEEK} (5 days of 7 h open): {too_long}"


# -- the bulk path of a big first load ----------------------------------------------------------


def schema(url: str) -> dict[str, dict[str, list[tuple]]]:
    """Each table's indexes and foreign keys, as the database reports them."""
    engine = create_db_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {
            table: {
                "indexes": sorted(
                    (
                        i["name"],
                        tuple(i["column_names"]),
                        bool(i["unique"]),
                        sorted((k, str(v)) for k, v in i.get("dialect_options", {}).items()),
                    )
                    for i in inspector.get_indexes(table)
                ),
                "foreign_keys": sorted(
                    (
                        k["name"] or "",
                        tuple(k["constrained_columns"]),
                        k["referred_table"],
                        tuple(k["referred_columns"]),
                        sorted(k.get("options", {}).items()),
                    )
                    for k in inspector.get_foreign_keys(table)
                ),
            }
            for table in inspector.get_table_names()
        }
    finally:
        engine.dispose()


def bulk_seed(url: str) -> demo.SeedResult:
    """SPRING's arguments, through the bulk path (see the monkeypatch in each test)."""
    engine = create_db_engine(url)
    try:
        result = demo.run(
            engine, weeks=[IsoWeek(2025, week) for week in range(10, 14)],
            calls_per_week=[400] * 4, seed=42,
        )  # fmt: skip
        if engine.dialect.name == "sqlite":
            # The load's connection goes back to the pool as it came: checks on, WAL.
            with engine.connect() as connection:
                pragmas = {
                    name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                    for name in ("foreign_keys", "ignore_check_constraints", "journal_mode",
                                 "mmap_size", "threads")
                }  # fmt: skip
            assert pragmas == {
                "foreign_keys": 1, "ignore_check_constraints": 0, "journal_mode": "wal",
                "mmap_size": 0, "threads": 0,
            }  # fmt: skip
        return result
    finally:
        engine.dispose()


def test_a_bulk_first_load_rebuilds_every_index_and_key_and_writes_the_same_data(
    spring_url, tmp_path, monkeypatch
):
    """A big load into an empty database drops the indexes (and on PostgreSQL the foreign
    keys) and makes them again after; SQLite's part files are copied in."""
    monkeypatch.setattr(demo, "BULK_LOAD_CALLS", 100)  # well below SPRING's 1,600 calls
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        migrated = schema(url)
        result = bulk_seed(url)
        assert schema(url) == migrated
        assert migrated["call"]["indexes"] and migrated["call_event"]["foreign_keys"]
        assert not orphans(url)
        rows = table_rows(url)
    assert result.calls == len(rows["call"]) > 1600
    assert rows == table_rows(spring_url)  # the same as `hotline seed` with these arguments
    assert not list(tmp_path.glob("tmp*")), "a part file was left behind"


def small_seed(url: str, seed: int = 5, **options) -> demo.SeedResult:
    """Two weeks of 300 calls into `url`, in this process."""
    engine = create_db_engine(url)
    try:
        return demo.run(
            engine, weeks=[IsoWeek(2025, 20), IsoWeek(2025, 21)], calls_per_week=[300, 300],
            seed=seed, **options,
        )  # fmt: skip
    finally:
        engine.dispose()


def test_a_seed_while_another_connection_reads_is_refused_and_changes_nothing(
    spring_url, tmp_path, monkeypatch
):
    """A reader may be the service's idle pool: a seed does not write beside it (issue 16)."""
    monkeypatch.setattr(demo, "BULK_LOAD_CALLS", 100)
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        migrated, before = schema(url), table_rows(url)
        reader = create_db_engine(url)
        try:
            with reader.connect() as connection:
                assert connection.exec_driver_sql("SELECT count(*) FROM line").scalar() > 0
                connection.commit()
                with pytest.raises(demo.InUse, match="the service is using this database"):
                    bulk_seed(url)
                assert connection.exec_driver_sql("SELECT count(*) FROM call").scalar() == 0
                if ON_SQLITE:
                    mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
                    assert mode == "wal"
        finally:
            reader.dispose()
        assert schema(url) == migrated and table_rows(url) == before
        bulk_seed(url)  # alone now
        assert table_rows(url) == table_rows(spring_url)
    assert not list(tmp_path.glob("tmp*")), "a part file was left behind"


@pytest.mark.parametrize("bulk", [False, True])
def test_a_seed_that_fails_midway_changes_nothing_not_even_with_reset(
    spring_url, tmp_path, monkeypatch, bulk
):
    """All or nothing: the reset, the days written and the dropped indexes and keys of a
    bulk load all go back (issue 16)."""
    if bulk:
        monkeypatch.setattr(demo, "BULK_LOAD_CALLS", 100)
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        migrated = schema(url)
        empty = table_rows(url)
        written = []
        write = writer.write

        def failing_write(connection, rows):
            write(connection, rows)
            written.append(1)
            if len(written) == 6:  # some days in
                raise RuntimeError("the disk is full")

        monkeypatch.setattr(writer, "write", failing_write)
        with pytest.raises(RuntimeError, match="the disk is full"):
            small_seed(url)
        assert schema(url) == migrated and table_rows(url) == empty
        monkeypatch.setattr(writer, "write", write)
        small_seed(url)
        filled = table_rows(url)
        monkeypatch.setattr(writer, "write", failing_write)
        written.clear()
        with pytest.raises(RuntimeError, match="the disk is full"):
            _reset_seed(url)
        assert schema(url) == migrated and table_rows(url) == filled
    assert not list(tmp_path.glob("tmp*")), "a part file was left behind"


def _reset_seed(url: str) -> demo.SeedResult:
    engine = create_db_engine(url)
    try:
        return demo.run(
            engine, weeks=[IsoWeek(2025, week) for week in range(10, 14)],
            calls_per_week=[400] * 4, seed=42, reset=True,
        )  # fmt: skip
    finally:
        engine.dispose()


def test_a_seed_has_the_database_to_itself_until_it_commits(tmp_path):
    """Nobody can store a call while the seed runs, so none can be lost (issue 16)."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        attempts: list[str] = []

        def try_to_write(calls: int) -> None:
            # Another client arriving mid-seed, e.g. the service starting up.
            if ON_SQLITE:
                other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.2)
                statement = "SELECT count(*) FROM call"  # not even a read
            else:
                other = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
                other.execute("SET lock_timeout = '200ms'")
                statement = "DELETE FROM call"
            try:
                other.execute(statement)
                attempts.append("went through")
            except (sqlite3.OperationalError, psycopg.errors.LockNotAvailable) as exc:
                attempts.append(type(exc).__name__)
            finally:
                other.close()

        result = small_seed(url, progress=try_to_write)
        stored = table_rows(url)
    assert attempts and "went through" not in attempts, attempts
    assert result.calls == len(stored["call"]) > 600


def test_a_reset_forgets_the_idempotency_keys_of_what_it_deletes(tmp_path):
    """A key left behind would answer its retry with a call that is gone: 404 (issue 16)."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        small_seed(url)
        engine = create_db_engine(url)
        try:
            with Session(engine) as session:
                call_id = session.exec(select(Call.id)).first()
                adviser_id = session.exec(select(Adviser.id)).first()
                objects = {"call": str(call_id), "adviser": str(adviser_id),
                           "token": str(uuid.uuid4()), "none": None}  # fmt: skip
                for key, object_id in objects.items():
                    session.add(IdempotencyRecord(
                        principal="token:x", key=key, request_hash="0" * 64, method="POST",
                        path="/calls", status=201, object_id=object_id,
                        created_at=datetime.now(UTC),
                    ))  # fmt: skip
                session.commit()
            engine.dispose()
            small_seed(url, seed=6, reset=True)
            with Session(engine) as session:
                keys = set(session.exec(select(IdempotencyRecord.key)).all())
                assert session.get(Call, call_id) is None
        finally:
            engine.dispose()
    assert keys == {"token", "none"}


def test_a_reset_deletes_the_advisers_also_when_the_phone_system_has_a_token(tmp_path):
    """The telephony token has no adviser: its NULL in `NOT IN (...)` kept every adviser."""
    from service.config import get_settings
    from service.tokens import service as tokens_service
    from service.tokens.models import ApiTokenCreate

    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        small_seed(url)
        engine = create_db_engine(url)
        try:
            with Session(engine) as session:
                before = set(session.exec(select(Adviser.id)).all())
                tokens_service.create_token(
                    session=session,
                    settings=get_settings(),
                    token_in=ApiTokenCreate(role="telephony", name="phone system"),
                    now=datetime.now(UTC),
                )
            engine.dispose()
            small_seed(url, seed=6, reset=True)
            with Session(engine) as session:
                after = set(session.exec(select(Adviser.id)).all())
        finally:
            engine.dispose()
    assert before and after and not before & after


@pytest.mark.skipif(not ON_SQLITE, reason="PostgreSQL checks them on COPY")
def test_every_check_constraint_holds(dataset):
    """SQLite is loaded with CHECK constraints off, so the data must keep them itself."""
    with contextlib.closing(sqlite3.connect(dataset.url.removeprefix("sqlite:///"))) as db:
        assert db.execute("PRAGMA quick_check").fetchall() == [("ok",)]


STEP = writer.ROWS_PER_INSERT


@pytest.mark.parametrize("count", [0, 1, STEP - 1, STEP, STEP + 1, 3 * STEP + 5])
def test_many_rows_a_statement_insert_every_row_once_in_order(count):
    """SQLite gets INSERTs of many rows each, and the rest one by one; none lost or doubled."""
    columns = COLUMNS["call_event"]
    database = sqlite3.connect(":memory:")
    database.execute(f"CREATE TABLE call_event ({', '.join(columns)})")
    rows = [tuple(f"{n}-{column}" for column in columns) for n in range(count)]
    statements = []

    def executemany(statement, parameters):
        statements.append(statement.count("?") // len(columns))
        database.executemany(statement, parameters)

    writer.insert(executemany, "call_event", list(itertools.chain.from_iterable(rows)))
    assert database.execute("SELECT * FROM call_event ORDER BY rowid").fetchall() == rows
    assert statements == [STEP] * (count >= STEP) + [1] * (count % STEP > 0)


def _generated_days(spring, days: int) -> list[dict[str, list]]:
    generator = Generator(
        seed=5, codes=spring.active, peak_calls_per_week=400, timezone="Europe/Copenhagen"
    )
    generator.adviser_rows(IsoWeek(2025, 10).monday)
    return [
        batch.rows
        for batch in itertools.islice(generator.days(IsoWeek(2025, 10), 400, last=False), days)
    ]


def test_presence_derived_in_sql_is_the_one_derived_in_python(spring):
    """SQLite derives the presence changes from the journal in SQL, PostgreSQL in Python."""
    database = sqlite3.connect(":memory:")
    for table in ("call_event", "presence_event"):
        database.execute(f"CREATE TABLE {table} ({', '.join(COLUMNS[table])})")
    expected = []
    for rows in _generated_days(spring, 2):
        (last,) = database.execute("SELECT coalesce(max(rowid), 0) FROM call_event").fetchone()
        for key in KEYS["call_event"]:  # as the seeder writes them: group by group
            writer.insert(database.executemany, key, rows[key])
        database.execute(writer.PRESENCE_FROM_EVENTS, (last,))
        expected += rows_of("presence_event", derived_presence(full_rows(rows)["call_event"]))
    derived = database.execute("SELECT * FROM presence_event ORDER BY rowid").fetchall()
    assert derived == expected  # each day's once: the earlier days' events are not read again
    assert {row[2] for row in derived} == set(PRESENCE_AFTER.values())


def test_groups_as_sqlite_stores_them_are_the_whole_rows(spring):
    """A group's constants go into the INSERT as literals: stored, they are the whole rows
    that `full_rows` makes (and that COPY writes)."""
    database = sqlite3.connect(":memory:")
    database.execute(f"CREATE TABLE call_event ({', '.join(COLUMNS['call_event'])})")
    expected = []
    for rows in _generated_days(spring, 2):
        expected += rows_of("call_event", full_rows(rows)["call_event"])
        ready = writer.for_sqlite({key: list(rows[key]) for key in KEYS["call_event"]})
        for key in KEYS["call_event"]:
            writer.insert(database.executemany, key, ready[key])
    stored = database.execute("SELECT * FROM call_event ORDER BY rowid").fetchall()
    assert stored == expected
    assert {row[2] for row in stored} >= {"queued", "offered", "accepted", "ended", "closed"}
    assert any(row[8] is None for row in stored) and any(row[8] for row in stored)


def test_full_rows_put_every_group_constant_back():
    values = {"call_event": [], "call_event:queued": ["q1", "c1", "t1", "stress", None]}
    values |= {"call_event:transferred": ["x1", "c1", "t2", "a1", "stress", "managers", "r"]}
    rows = rows_of("call_event", full_rows(values)["call_event"])
    assert rows == [
        ("q1", "c1", "queued", "t1", None, "stress", None, None, None),
        ("x1", "c1", "transferred", "t2", "a1", "stress", "managers", None, "r"),
    ]


def test_derived_presence_ids_are_new_uuid7s_of_the_events_millisecond(spring):
    events = rows_of("call_event", full_rows(_generated_days(spring, 1)[0])["call_event"])
    assert len(events) > 300
    ids = [presence_id(event[0]) for event in events]
    assert len(set(ids)) == len(events)
    assert not set(ids) & {event[0] for event in events}
    for event, derived in zip(events, ids, strict=True):
        assert uuid.UUID(derived).version == 7
        assert uuid.UUID(derived).variant == uuid.RFC_4122
        assert derived[:12] == event[0][:12]  # the same millisecond


@pytest.mark.parametrize(
    "previous, following",
    [
        ("0190000000007abc8000000000000005", "0190000000007abc8000000000000006"),
        ("0190000000007abc8fffffffffffffff", "0190000000007abc9000000000000000"),
        ("0190000000007abcbfffffffffffffff", "0190000000007abd8000000000000000"),
    ],
)
def test_an_id_of_the_same_millisecond_sorts_right_after_the_last(previous, following):
    assert _next_id(previous) == following
    assert uuid.UUID(following).variant == uuid.RFC_4122


def test_the_generator_makes_no_empty_text(spring):
    """SQLite's INSERTs bind NULL as an empty text (`writer.NULL`): none may be a real value."""
    days = _generated_days(spring, 5)
    empty = [
        (key, ROW_COLUMNS[key][n % len(ROW_COLUMNS[key])])
        for rows in days
        for key, values in rows.items()
        for n, value in enumerate(values)
        if value == writer.NULL
    ]
    assert not empty, empty[:3]
    assert all(any(rows[key] for rows in days) for key in GROUPS if "transferred" not in key)


def test_rows_for_sqlite_bind_null_in_nullable_columns_and_nothing_else():
    columns = COLUMNS["call_event"]
    database = sqlite3.connect(":memory:")
    definitions = [
        f"{name} NOT NULL" if n not in writer.NULLABLE["call_event"] else name
        for n, name in enumerate(columns)
    ]
    database.execute(f"CREATE TABLE call_event ({', '.join(definitions)})")
    rows = [tuple(None if name in ("adviser_id", "reason") else f"{n}-{name}" for name in columns)
            for n in range(3)]  # fmt: skip
    values = writer.for_sqlite({"call_event": list(itertools.chain.from_iterable(rows))})
    assert values["call_event"].count(writer.NULL) == 6
    writer.insert(database.executemany, "call_event", values["call_event"])
    assert database.execute("SELECT * FROM call_event ORDER BY rowid").fetchall() == rows
    # A missing value where the schema wants one still fails, not stored as the stand-in.
    broken = writer.for_sqlite({"call_event": [None, *values["call_event"][1 : len(columns)]]})
    with pytest.raises(sqlite3.IntegrityError):
        writer.insert(database.executemany, "call_event", broken["call_event"])


def test_rows_for_sqlite_bind_booleans_as_numbers():
    row = [f"v{n}" for n in range(len(COLUMNS["call"]))]
    stress, callback = (
        COLUMNS["call"].index(name) for name in ("stress_reported", "callback_requested")
    )
    row[stress], row[callback] = True, False
    values = writer.for_sqlite({"call": row})["call"]
    assert (type(values[stress]), values[stress], type(values[callback]), values[callback]) == (
        int,
        1,
        int,
        0,
    )


def test_a_generator_killed_halfway_through_a_message_is_noticed_not_waited_for():
    """Killed while writing a day's rows, the process left half a message in the pipe, and
    reading it blocked for ever: the seed hung instead of failing (seen in CI)."""
    pipeline = Pipeline.__new__(Pipeline)
    pipeline.inbox = multiprocessing.get_context("spawn").Queue()
    pipeline.process = SimpleNamespace(is_alive=lambda: False, exitcode=-9)
    pipeline.finished = False
    # A message's length, then only the first bytes of it.
    pipeline.inbox._writer._send(struct.pack("!i", 100_000) + b"\x80\x04" + b"x" * 64)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            list(pipeline.messages())
        except BaseException as exc:  # the test looks at what it was
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "the seed still waits for a process that is gone"
    assert isinstance(outcome[0], RuntimeError) and "exit code -9" in str(outcome[0])
