"""The live desk under concurrent load, on real servers sharing one PostgreSQL database.

Callers ring in and hang up, advisers accept, reject, end and close, and the routing timer
expires offers, all at once and from many threads; one server, then two replicas. Afterwards
the database itself must show that no routing decision interleaved with another: one live
offer per call at most, no adviser over capacity, a sensible journal for every call, each
offer timed out exactly once. PostgreSQL only: SQLite serialises every writer anyway, and the
replicas' timers contend on the routing lock only in a real database server.
"""

import logging
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from service.db import create_db_engine
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.desk import CLASSIFICATION
from tests.servers import admin_headers, running_server

pytestmark = pytest.mark.skipif(
    TEST_DATABASE_URL is None or make_url(TEST_DATABASE_URL).get_backend_name() != "postgresql",
    reason="concurrency of routing across connections and replicas needs PostgreSQL: "
    "set HOTLINE_TEST_DATABASE_URL=postgresql+psycopg://... (CI runs the suite on both)",
)

TICK_S = 0.2
RUN_DEADLINE_S = 30.0
PROBLEM_MEDIA_TYPE = "application/problem+json"
# One letter per journal event type, so that a call's life can be matched as a string.
LETTER = {
    "queued": "Q",
    "offered": "O",
    "accepted": "A",
    "rejected": "R",
    "timed_out": "T",
    "offer_cancelled": "C",
    "held": "H",
    "resumed": "U",
    "ended": "E",
    "closed": "X",
    "abandoned": "B",
    "transferred": "F",
}
# Queued; offered and given back any number of times; then taken to the end, or abandoned.
LIFE = re.compile(r"Q(?:O[RTC])*(?:OA(?:HU)*EX|O?B)")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        yield url


# -- Talking to the servers from many threads -------------------------------------------------


@dataclass
class Seen:
    server: str
    method: str
    path: str
    status: int
    content_type: str
    body: Any


class Http:
    """Requests from many threads (one client per thread and server), every answer kept."""

    def __init__(self, base_urls: list[str], headers: dict[str, str]) -> None:
        self.base_urls = base_urls
        self.headers = headers
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._clients: list[httpx.Client] = []

    def _client(self, server: int) -> httpx.Client:
        clients = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if server not in clients:
            client = httpx.Client(base_url=self.base_urls[server], timeout=20, headers=self.headers)
            clients[server] = client
            with self._lock:
                self._clients.append(client)
        return clients[server]

    def request(
        self, method: str, path: str, *, server: int = 0, json: Any = None
    ) -> httpx.Response:
        response = self._client(server % len(self.base_urls)).request(method, path, json=json)
        content_type = response.headers.get("content-type", "")
        body = response.json() if "json" in content_type else response.text
        with self._lock:
            self.seen.append(
                Seen(
                    self.base_urls[server % len(self.base_urls)],
                    method,
                    path,
                    response.status_code,
                    content_type,
                    body,
                )
            )
        return response

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def check_answers(self) -> None:
        """No 5xx; nothing but success and 409; every 409 a problem naming the call's status."""
        failures = [s for s in self.seen if s.status >= 500]
        assert not failures, failures[:5]
        statuses = Counter(s.status for s in self.seen)
        assert set(statuses) <= {200, 201, 409}, [
            s for s in self.seen if s.status not in {200, 201, 409}
        ][:5]
        for conflict in (s for s in self.seen if s.status == 409):
            assert conflict.content_type == PROBLEM_MEDIA_TYPE, conflict
            assert conflict.body["status"] == 409, conflict
            assert conflict.body["call_status"] in {
                "queued",
                "assigned",
                "in_progress",
                "wrap_up",
                "closed",
                "abandoned",
            }, conflict


# -- The desk's people ------------------------------------------------------------------------


@dataclass
class Adviser:
    id: str
    capacity: int
    server: int
    # Never takes a call: every offer to them runs out.
    asleep: bool = False
    # How often the adviser makes themselves available again after being benched for
    # missed offers (a busy server can make even a quick adviser miss a short offer).
    comebacks: int = 0


@dataclass
class Run:
    http: Http
    advisers: list[Adviser]
    stop: threading.Event = field(default_factory=threading.Event)
    # (adviser id, calls in hand) as the API showed them during the run.
    samples: list[tuple[str, int]] = field(default_factory=list)
    rejected_once: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[BaseException] = field(default_factory=list)


def hire(http: Http, count: int, capacities: list[int], servers: int) -> list[Adviser]:
    advisers = []
    for i in range(count):
        body = {
            "name": f"Rådgiver {i}",
            "email": f"adviser-{i}-{uuid.uuid4().hex[:8]}@example.dk",
            "lines": ["stress"],
            "languages": ["da"],
            "capacity": capacities[i],
        }
        created = http.request("POST", "/advisers", server=i, json=body)
        assert created.status_code == 201, created.text
        advisers.append(
            Adviser(id=created.json()["id"], capacity=capacities[i], server=i % servers)
        )
    return advisers


def make_available(http: Http, adviser: Adviser) -> None:
    response = http.request(
        "PUT",
        f"/advisers/{adviser.id}/presence",
        server=adviser.server,
        json={"presence": "available"},
    )
    assert response.status_code == 200, response.text


def come_back_if_benched(run: Run, adviser: Adviser) -> None:
    state = run.http.request("GET", f"/advisers/{adviser.id}", server=adviser.server).json()
    if state["availability"] == "break" and adviser.comebacks > 0:
        assert state["presence_reason"] == "missed_offers", state
        adviser.comebacks -= 1
        make_available(run.http, adviser)


def work(run: Run, adviser: Adviser, seed: int) -> None:
    """An adviser at the desk: take what is offered, talk, end, classify and close."""
    rng = random.Random(seed)
    http, me = run.http, adviser.id
    rounds = 0
    while not run.stop.is_set():
        rounds += 1
        if adviser.comebacks and rounds % 5 == 0:
            come_back_if_benched(run, adviser)
        listing = http.request("GET", f"/advisers/{me}/calls", server=adviser.server)
        assert listing.status_code == 200, listing.text
        current = listing.json()["current"]
        with run.lock:
            run.samples.append((me, len(current)))
        for call in current:
            path = f"/calls/{call['id']}"
            if call["status"] == "assigned":
                with run.lock:
                    # About one call in six is declined once, by whoever it reaches first.
                    decline = (
                        call["id"] not in run.rejected_once and uuid.UUID(call["id"]).int % 6 == 0
                    )
                    if decline:
                        run.rejected_once.add(call["id"])
                action = "reject" if decline else "accept"
                http.request(
                    "POST", f"{path}/{action}", server=adviser.server, json={"adviser_id": me}
                )
            elif call["status"] == "in_progress":
                http.request("POST", f"{path}/end", server=adviser.server, json={"adviser_id": me})
            elif call["status"] == "wrap_up":
                body = {"adviser_id": me} | CLASSIFICATION
                http.request("POST", f"{path}/close", server=adviser.server, json=body)
        time.sleep(rng.uniform(0.01, 0.05))


def doze(run: Run, adviser: Adviser) -> None:
    """An adviser who never answers; benched for missed offers, they come back a few times."""
    while not run.stop.is_set():
        listing = run.http.request("GET", f"/advisers/{adviser.id}/calls", server=adviser.server)
        assert listing.status_code == 200, listing.text
        with run.lock:
            run.samples.append((adviser.id, len(listing.json()["current"])))
        come_back_if_benched(run, adviser)
        time.sleep(0.1)


def ring(http: Http, server: int, *, hang_up: bool, seed: int) -> str:
    """A caller rings in; some hang up after a moment, whatever became of the call."""
    body = {"line": "stress", "received_at": datetime.now(UTC).isoformat()}
    created = http.request("POST", "/calls", server=server, json=body)
    assert created.status_code == 201, created.text
    call = created.json()
    assert call["status"] in {"queued", "assigned"}, call
    if hang_up:
        time.sleep(random.Random(seed).uniform(0.0, 0.6))
        # Another replica hears the hang-up, where there is one.
        response = http.request("POST", f"/calls/{call['id']}/abandon", server=server + 1)
        assert response.status_code in {200, 409}, response.text
    return call["id"]


def guarded(run: Run, target: Callable[..., None], *args: Any) -> Callable[[], None]:
    def body() -> None:
        try:
            target(run, *args)
        except BaseException as exc:
            with run.lock:
                run.errors.append(exc)
            run.stop.set()

    return body


def open_calls(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT COUNT(*) FROM call WHERE status NOT IN ('closed', 'abandoned')")
        ).scalar_one()


def describe_open_calls(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        calls = connection.execute(
            sa.text(
                "SELECT id, status, adviser_id FROM call "
                "WHERE status NOT IN ('closed', 'abandoned')"
            )
        ).all()
        advisers = connection.execute(
            sa.text("SELECT id, availability, presence, capacity FROM adviser")
        ).all()
        text = [
            f"  adviser {a.id}: {a.availability}/{a.presence}, capacity {a.capacity}"
            for a in advisers
        ]
        for call in calls:
            text.append(f"  call {call.id}: {call.status}, adviser {call.adviser_id}")
            events = connection.execute(
                sa.text(
                    "SELECT type, adviser_id, at FROM call_event WHERE call_id = :id ORDER BY id"
                ),
                {"id": call.id},
            ).all()
            text += [f"    {e.at.isoformat()} {e.type} {e.adviser_id}" for e in events]
    return "\n".join(text)


def drive(
    run: Run, engine: sa.Engine, *, calls: int, servers: int, hang_up_every: int
) -> list[str]:
    """Advisers work while callers ring in all at once; until every call is over."""
    started = time.monotonic()
    staff = [
        threading.Thread(
            target=guarded(run, doze, adviser)
            if adviser.asleep
            else guarded(run, work, adviser, i),
            name=f"adviser-{i}",
            daemon=True,
        )
        for i, adviser in enumerate(run.advisers)
    ]
    for thread in staff:
        thread.start()
    try:
        with ThreadPoolExecutor(max_workers=20, thread_name_prefix="caller") as callers:
            futures = [
                callers.submit(ring, run.http, i % servers, hang_up=i % hang_up_every == 0, seed=i)
                for i in range(calls)
            ]
            call_ids = [future.result(timeout=RUN_DEADLINE_S) for future in futures]
        while open_calls(engine) and not run.errors:
            assert time.monotonic() - started < RUN_DEADLINE_S, (
                f"calls still open after {RUN_DEADLINE_S} s:\n{describe_open_calls(engine)}"
            )
            time.sleep(0.2)
    finally:
        run.stop.set()
        for thread in staff:
            thread.join(timeout=30)
    if run.errors:
        raise run.errors[0]
    return call_ids


# -- What the database must show afterwards ---------------------------------------------------


class Findings:
    """Runs every check and reports all that fail together, so one cannot hide another."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, what: str, check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except AssertionError as exc:
            self.failures.append(f"{what}:\n{exc}")
            return None

    def expect(self, what: str, condition: bool, detail: Any = "") -> None:
        if not condition:
            self.failures.append(f"{what}: {detail}")

    def assert_none(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


def rows(engine: sa.Engine, query: str) -> list[sa.Row]:
    with engine.connect() as connection:
        return list(connection.execute(sa.text(query)).all())


def check_logs_clean(servers: list[Any]) -> None:
    for server in servers:
        text = server.log_text()
        assert "routing tick failed" not in text, text[-3000:]
        assert "Traceback" not in text and "unhandled" not in text, text[-3000:]


def check_no_call_has_two_live_offers(engine: sa.Engine) -> None:
    # The partial unique index refuses a second live offer at commit; the refusal would have
    # been a 5xx or a failed tick, both checked. What is left here is the state at the end.
    doubled = rows(
        engine,
        "SELECT call_id, COUNT(*) FROM call_offer WHERE state = 'pending' "
        "GROUP BY call_id HAVING COUNT(*) > 1",
    )
    assert doubled == []


def check_calls_in_hand_have_one_adviser(engine: sa.Engine) -> None:
    orphans = rows(
        engine,
        "SELECT id, status FROM call WHERE status IN ('assigned', 'in_progress', 'wrap_up') "
        "AND adviser_id IS NULL",
    )
    assert orphans == []
    # An offered call's adviser is the one its live offer names, and only offered calls have one.
    mismatched = rows(
        engine,
        "SELECT c.id, c.status FROM call c LEFT JOIN call_offer o "
        "ON o.call_id = c.id AND o.state = 'pending' "
        "WHERE (c.status = 'assigned') <> (o.id IS NOT NULL) "
        "OR (c.status = 'assigned' AND o.adviser_id <> c.adviser_id)",
    )
    assert mismatched == []


def check_capacity_now(engine: sa.Engine) -> None:
    over = rows(
        engine,
        "SELECT a.id, a.capacity, COUNT(c.id) FROM adviser a JOIN call c ON c.adviser_id = a.id "
        "WHERE c.status IN ('assigned', 'in_progress', 'wrap_up') "
        "GROUP BY a.id, a.capacity HAVING COUNT(c.id) > a.capacity",
    )
    assert over == []


def check_capacity_seen_during_the_run(run: Run) -> None:
    capacity = {adviser.id: adviser.capacity for adviser in run.advisers}
    over = [(adviser, n) for adviser, n in run.samples if n > capacity[adviser]]
    assert over == [], over[:5]
    assert len(run.samples) > 10 * len(run.advisers)


Journals = dict[str, list[sa.Row]]


def journals(engine: sa.Engine, order: str) -> Journals:
    """Every call's journal, in the order `order` names (SQL)."""
    by_call: Journals = defaultdict(list)
    for row in rows(
        engine,
        f"SELECT call_id, type, adviser_id, at, id FROM call_event ORDER BY call_id, {order}",
    ):
        by_call[str(row.call_id)].append(row)
    return by_call


# The order GET /calls/{id}/events shows, and statistics read: by time.
SHOWN = "at, id"
# The order events were recorded in: ids are UUIDv7, increasing within one server process.
RECORDED = "id"


def show(events: list[sa.Row]) -> str:
    return "\n".join(
        f"  {e.at.isoformat()} {e.type:<15} adviser {e.adviser_id} (event {e.id})" for e in events
    )


def check_journals(engine: sa.Engine, order: str, call_ids: list[str]) -> Counter:
    """Each call's life is well formed, each step taken by the adviser it concerns."""
    by_call = journals(engine, order)
    status = {str(row.id): row.status for row in rows(engine, "SELECT id, status FROM call")}
    assert set(by_call) == set(status) == set(call_ids)
    bad = []
    lives: Counter = Counter()
    for call_id, events in by_call.items():
        life = "".join(LETTER[event.type] for event in events)
        offered_to = None
        wrong_adviser = False
        for event in events:
            letter = LETTER[event.type]
            if letter == "O":
                offered_to = event.adviser_id
            elif letter in "RTCAEX":
                wrong_adviser = wrong_adviser or event.adviser_id != offered_to
        final = {"X": "closed", "B": "abandoned"}.get(life[-1])
        if not LIFE.fullmatch(life) or wrong_adviser or status[call_id] != final:
            bad.append(f"call {call_id} ({status[call_id]}): {life}\n{show(events)}")
        lives[life[-1]] += 1
    assert not bad, f"{len(bad)} of {len(by_call)} journals are not a valid life:\n" + "\n".join(
        bad[:3]
    )
    return lives


def check_offers_match_journals(engine: sa.Engine) -> None:
    """Each offer row has its `offered` event, and the event that decided it, at its times."""
    events = {
        (str(e.call_id), e.type, str(e.adviser_id), e.at)
        for e in rows(engine, "SELECT call_id, type, adviser_id, at FROM call_event")
    }
    offers = rows(
        engine, "SELECT call_id, adviser_id, state, offered_at, decided_at FROM call_offer"
    )
    offered = sum(1 for event in events if event[1] == "offered")
    assert len(offers) == offered
    outcome = {
        "accepted": ["accepted"],
        "rejected": ["rejected"],
        "timed_out": ["timed_out"],
        "cancelled": ["offer_cancelled", "abandoned"],
    }
    for offer in offers:
        call_id, adviser_id = str(offer.call_id), str(offer.adviser_id)
        assert (call_id, "offered", adviser_id, offer.offered_at) in events, offer
        assert offer.state != "pending", offer
        assert any(
            (call_id, kind, who, offer.decided_at) in events
            for kind in outcome[offer.state]
            for who in (adviser_id, "None")
        ), offer


def check_capacity_over_time(engine: sa.Engine, order: str, advisers: list[Adviser]) -> None:
    """Replay the journals: at no point did an adviser hold more calls than their capacity.

    An adviser holds a call from its offer until the offer is given back or, once accepted,
    until the call is closed. All events are replayed together in `order`.
    """
    capacity = {adviser.id: adviser.capacity for adviser in advisers}
    held: Counter = Counter()
    holder: dict[str, str] = {}
    over = []
    for event in rows(
        engine, f"SELECT call_id, type, adviser_id, at, id FROM call_event ORDER BY {order}"
    ):
        call_id, letter = str(event.call_id), LETTER[event.type]
        if letter == "O":
            holder[call_id] = str(event.adviser_id)
            held[holder[call_id]] += 1
            if held[holder[call_id]] > capacity[holder[call_id]]:
                over.append((event.at.isoformat(), holder[call_id], held[holder[call_id]]))
        elif letter in "RTCBX" and call_id in holder:
            held[holder.pop(call_id)] -= 1
    assert not over, f"{len(over)} times over capacity, first: {over[:3]}"
    assert not +held, held


def check_shown_as_recorded(engine: sa.Engine) -> None:
    """The journal shows each call's steps in the order they happened.

    Routing transactions take turns on the routing lock, so the moment each records must not
    go back in time from one to the next. Only meaningful with one server process, whose
    UUIDv7 event ids increase in the order the events were made.
    """
    shown, recorded = journals(engine, SHOWN), journals(engine, RECORDED)
    reordered = [call_id for call_id in recorded if shown[call_id] != recorded[call_id]]
    assert not reordered, (
        f"{len(reordered)} of {len(recorded)} journals show steps out of the order they were "
        f"recorded in; first, as recorded:\n{show(recorded[reordered[0]])}"
    )


def check_offers_never_overlap(engine: sa.Engine) -> None:
    """By the offers' own times, no call was ever on offer to two advisers at once."""
    overlapping = rows(
        engine,
        "SELECT a.call_id, a.adviser_id AS first, a.offered_at, a.decided_at, "
        "b.adviser_id AS second, b.offered_at AS second_offered_at "
        "FROM call_offer a JOIN call_offer b ON a.call_id = b.call_id "
        "AND (a.offered_at, a.id) < (b.offered_at, b.id) AND b.offered_at < a.decided_at "
        "ORDER BY a.call_id",
    )
    assert not overlapping, (
        f"{len(overlapping)} offers start before the call's previous offer ended; first: "
        f"{overlapping[0]._asdict()}"
    )


def check_everything(
    findings: Findings, engine: sa.Engine, run: Run, call_ids: list[str], servers: list[Any]
) -> Counter | None:
    """The checks that hold whatever the number of replicas; the test adds its own."""
    findings.check("server logs", check_logs_clean, servers)
    findings.check("answers", run.http.check_answers)
    findings.check("live offers", check_no_call_has_two_live_offers, engine)
    findings.check("calls in hand", check_calls_in_hand_have_one_adviser, engine)
    findings.check("capacity at the end", check_capacity_now, engine)
    findings.check("capacity during the run", check_capacity_seen_during_the_run, run)
    findings.check("offers and journals", check_offers_match_journals, engine)
    # What follows reads the order of events from their timestamps, as the API and statistics do.
    findings.check("offers in time", check_offers_never_overlap, engine)
    lives = findings.check("journals as shown", check_journals, engine, SHOWN, call_ids)
    findings.check(
        "capacity replayed as shown", check_capacity_over_time, engine, SHOWN, run.advisers
    )
    return lives


# -- The tests ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def quiet_httpx() -> Iterator[None]:
    # Thousands of requests: a failure's report should show the findings, not every request.
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def test_one_server_under_concurrent_callers_and_advisers(database_url, tmp_path):
    settings = {"routing_timer": "true", "routing_tick_s": TICK_S, "offer_timeout_s": 10}
    engine = create_db_engine(database_url)
    try:
        with running_server(database_url, tmp_path / "serve.log", **settings) as server:
            http = Http([server.base_url], admin_headers(database_url))
            try:
                advisers = hire(http, 8, capacities=[1, 1, 1, 1, 1, 2, 2, 2], servers=1)
                for adviser in advisers:
                    make_available(http, adviser)
                run = Run(http, advisers)
                call_ids = drive(run, engine, calls=60, servers=1, hang_up_every=5)
            finally:
                http.close()

        findings = Findings()
        check_everything(findings, engine, run, call_ids, [server])
        # One process made every id, so their order is the order things happened: whatever
        # the timestamps say, the routing itself must be sound in that order.
        lives = findings.check("journals as recorded", check_journals, engine, RECORDED, call_ids)
        findings.check(
            "capacity replayed as recorded",
            check_capacity_over_time,
            engine,
            RECORDED,
            run.advisers,
        )
        findings.check("journal times", check_shown_as_recorded, engine)
        lives = lives or Counter()
        findings.expect("calls closed and abandoned", lives["X"] > 0 and lives["B"] > 0, lives)
        findings.expect("some adviser declined a call", bool(run.rejected_once))
        findings.assert_none()
    finally:
        engine.dispose()


def check_each_offer_timed_out_once(engine: sa.Engine, advisers: list[Adviser]) -> None:
    events = Counter(
        (str(row.call_id), str(row.adviser_id))
        for row in rows(
            engine, "SELECT call_id, adviser_id FROM call_event WHERE type = 'timed_out'"
        )
    )
    expired = rows(
        engine,
        "SELECT call_id, adviser_id, expires_at, decided_at FROM call_offer "
        "WHERE state = 'timed_out'",
    )
    offers = Counter((str(row.call_id), str(row.adviser_id)) for row in expired)
    assert events == offers
    assert set(events.values()) == {1}
    assert len(expired) >= 3, "too few offers timed out to tell"
    late = [row for row in expired if row.decided_at < row.expires_at]
    assert not late, f"timed out before expiry: {late[:3]}"
    # Every offer to an adviser who never answers ran out, so each of them had some.
    sleepers = {adviser.id for adviser in advisers if adviser.asleep}
    assert sleepers <= {adviser_id for _, adviser_id in offers}
    # Benched only for missing offers, and only advisers who missed some.
    benched = rows(
        engine,
        "SELECT CAST(id AS VARCHAR) AS id, presence_reason FROM adviser "
        "WHERE availability = 'break'",
    )
    assert {row.id for row in benched} <= {adviser_id for _, adviser_id in offers}
    assert all(row.presence_reason == "missed_offers" for row in benched), benched


def test_two_replicas_share_the_desk_and_time_out_each_offer_once(database_url, tmp_path):
    settings = {"routing_timer": "true", "routing_tick_s": TICK_S, "offer_timeout_s": 1}
    engine = create_db_engine(database_url)
    try:
        # The first replica migrates; the second starts on a database already at head.
        with (
            running_server(database_url, tmp_path / "one.log", **settings) as one,
            running_server(database_url, tmp_path / "two.log", migrate=False, **settings) as two,
        ):
            http = Http([one.base_url, two.base_url], admin_headers(database_url))
            try:
                advisers = hire(http, 8, capacities=[1, 1, 2, 2, 1, 1, 1, 1], servers=2)
                # Three never answer: their offers run out, and they come back twice.
                for adviser in advisers[:5]:
                    adviser.comebacks = 10
                for sleeper in advisers[5:]:
                    sleeper.asleep, sleeper.comebacks = True, 2
                for adviser in advisers:
                    make_available(http, adviser)
                run = Run(http, advisers)
                call_ids = drive(run, engine, calls=40, servers=2, hang_up_every=6)
            finally:
                http.close()

        findings = Findings()
        check_everything(findings, engine, run, call_ids, [one, two])
        findings.check("timeouts", check_each_offer_timed_out_once, engine, advisers)
        served = {s.server for s in http.seen if s.status < 300}
        findings.expect("both replicas served", served == {one.base_url, two.base_url}, served)
        findings.assert_none()
    finally:
        engine.dispose()
