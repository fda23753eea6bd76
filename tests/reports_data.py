"""Builders of report test data, every timestamp exactly known.

After-the-fact calls go through POST /calls; live calls through tests/desk.py with the test's
clock. `live_monday` scripts the live part of the mixed week 2025-W23 used by
tests/reports/test_reports_weekly.py; its comments give every moment that the figures are made of.
"""

import csv
import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from math import factorial
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.calls.models import Call, CallStatus, Direction
from service.cases.models import Case, CaseEvent, CaseEventType, CaseReferral, CaseTask
from service.reports.figures import FIGURES
from tests.desk import CLASSIFICATION, Desk
from tests.factories import closed_call, create_call, iso

# 2025-W23 runs from Monday 2 June 00:00 to Monday 9 June 00:00 in Copenhagen (CEST, +02:00).
W23_START = datetime(2025, 6, 1, 22, 0, tzinfo=UTC)
W23_END = datetime(2025, 6, 8, 22, 0, tzinfo=UTC)
# Well after every week used here, so that no timestamp is in the app clock's future.
LATER = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)

# Every figure of the totals, in the registry's order (the order `figures` takes them in).
TOTAL_KEYS = tuple(figure.name for figure in FIGURES)


def figures(*values: float | None) -> dict:
    """The totals' figures, given in the order of TOTAL_KEYS."""
    return dict(zip(TOTAL_KEYS, values, strict=True))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def secs(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def answered(
    client: TestClient, received: datetime, wait_s: float, talk_s: float, **overrides: Any
) -> dict:
    """A closed call recorded after the fact: waited `wait_s`, talked `talk_s`."""
    payload = closed_call(
        received,
        answered_at=iso(received + secs(wait_s)),
        ended_at=iso(received + secs(wait_s + talk_s)),
    )
    return create_call(client, payload | overrides)


def hung_up(client: TestClient, received: datetime, wait_s: float, **overrides: Any) -> dict:
    """A caller who hung up after `wait_s` seconds in the queue, recorded after the fact."""
    payload = {"line": "stress", "received_at": iso(received)}
    payload["ended_at"] = iso(received + secs(wait_s))
    return create_call(client, payload | overrides)


def get_ok(client: TestClient, path: str, **params: Any) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def weekly(client: TestClient, week: str, **params: Any) -> dict:
    return get_ok(client, "/reports/weekly", week=week, **params)


def totals_of(report_totals: dict) -> dict:
    """The figures of a totals object, without its `suppressed` list."""
    return {key: report_totals[key] for key in TOTAL_KEYS}


def row(rows: list[dict], code: str | None) -> dict:
    (found,) = [r for r in rows if r["code"] == code]
    return found


def callback_of(session: Session, call_id: str) -> Call:
    statement = select(Call).where(Call.origin_call_id == uuid.UUID(call_id))
    return session.exec(statement).one()


def add_callback(
    session: Session, origin_id: str, due_at: datetime, *, completed: bool, line: str = "stress"
) -> None:
    """A callback for a call, stored directly: the API schedules one only when closing."""
    done = {"answered_at": due_at, "ended_at": due_at + secs(60), "closed_at": due_at + secs(90)}
    session.add(
        Call(
            line=line,
            direction=Direction.outbound,
            received_at=due_at,
            callback_due_at=due_at,
            origin_call_id=uuid.UUID(origin_id),
            status=CallStatus.closed if completed else CallStatus.queued,
            **({"caller_type": "employee", "sector": "education"} | done if completed else {}),
        )
    )
    session.commit()


# The live Monday of 2025-W23: T0 = 2 June 2025 06:00 UTC = 08:00 in Copenhagen (lines open).
T0 = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)


def live_monday(client: TestClient, session: Session, clock: Any) -> dict[str, str]:
    """Anna serves `stress`, Bo `managers`; so each call has one eligible adviser at a time.

    t (s after T0)  what happens                                  presence afterwards
      0   Anna, Bo available                                      A avail, B avail
     10   call A (stress) arrives, offered to Anna                A offered
     20   Anna accepts A                   (A waited 20-10 = 10)  A on_call
     30   call B (managers) arrives, offered to Bo                B offered
     50   Bo's offer of B times out (20 s), B waits on            B avail
     60   Anna holds A;  90 Anna resumes A (30 s on hold)
    120   Anna transfers A to managers; A offered to Bo           A avail, B offered
    125   Bo accepts A (answered_at stays 20)                     B on_call
    130   B's caller hangs up                  (B waited 100)
    300   Bo ends A                                               B wrap_up
    330   Bo closes A with a callback; callback C1 offered to Bo  B offered
    335   Bo accepts C1;  400 Bo ends C1;  410 Bo closes C1       B on_call, wrap_up, avail
    500   call D (stress) arrives, offered to Anna                A offered
    505   Anna accepts D                   (D waited 5)           A on_call
    605   Anna ends D                                             A wrap_up
    610   Anna asks for a break (shown once D is closed)
    640   Anna closes D with a callback; C2 waits (no one free)  A break
    650   call E (stress) arrives and waits for ever
    700   Anna and Bo log off                                     offline

    A: handle = legs (120 - 20) + (300 - 125), hold inside, + (330 - 300) wrap-up = 305 s,
    on managers: the 5 s in the managers' queue are no one's handle time.
    D: handle = (605 - 505) + (640 - 605) = 135 s, on stress.
    """
    desk = Desk(client, session, clock)

    def moment(seconds: int) -> None:
        clock.set(T0 + secs(seconds))
        desk.wait(0)

    moment(0)
    anna = desk.adviser(name="Anna", lines=["stress"])
    bo = desk.adviser(name="Bo", lines=["managers"])
    moment(10)
    a = desk.incoming("stress")["id"]
    moment(20)
    desk.ok(a, "accept", anna)
    moment(30)
    b = desk.incoming("managers")["id"]
    moment(50)
    moment(60)
    desk.ok(a, "hold", anna)
    moment(90)
    desk.ok(a, "resume", anna)
    moment(120)
    desk.ok(a, "transfer", anna, to_line="managers", reason="The caller is a manager")
    moment(125)
    desk.ok(a, "accept", bo)
    moment(130)
    desk.ok(b, "abandon")
    moment(300)
    desk.ok(a, "end", bo)
    moment(330)
    classified = CLASSIFICATION | {"callback_requested": True, "callback_phone": "22334455"}
    desk.ok(a, "close", bo, **classified)
    c1 = str(callback_of(session, a).id)
    moment(335)
    desk.ok(c1, "accept", bo)
    moment(400)
    desk.ok(c1, "end", bo)
    moment(410)
    desk.ok(c1, "close", bo, **CLASSIFICATION)
    moment(500)
    d = desk.incoming("stress")["id"]
    moment(505)
    desk.ok(d, "accept", anna)
    moment(605)
    desk.ok(d, "end", anna)
    moment(610)
    desk.presence(anna, "break")
    moment(640)
    desk.ok(d, "close", anna, **classified)
    c2 = str(callback_of(session, d).id)
    moment(650)
    e = desk.incoming("stress")["id"]
    moment(700)
    desk.presence(anna, "offline")
    desk.presence(bo, "offline")
    return {"anna": anna, "bo": bo, "A": a, "B": b, "C1": c1, "D": d, "C2": c2, "E": e}


def tuesday_calls(client: TestClient) -> None:
    """2025-W23, Tuesday 3 June from 07:00 UTC (09:00 local), one call every 3 minutes."""

    def m(i: int) -> datetime:
        return utc(2025, 6, 3, 7, 0) + timedelta(minutes=3 * i)

    # Answered and closed after the fact: (wait s, talk s); on `stress` unless said otherwise.
    answered(client, m(0), 0, 300)
    answered(client, m(1), 4, 600)
    answered(client, m(2), 12.5, 240)
    answered(client, m(3), 19.999, 420)
    answered(client, m(4), 20, 360, line="managers")  # exactly 20 s: within
    answered(client, m(5), 20.001, 180, line="managers")  # just over
    answered(client, m(6), 45, 900, callback_requested=True, callback_phone="22334455")
    # Closed 600 s after it ended; recorded after the fact, so no wrap-up counts.
    answered(client, m(7), 130, 500, closed_at=iso(m(7) + secs(130 + 500 + 600)))
    # Answered 30 s after arriving, not ended yet: a wait, but no handle time.
    unended = {"line": "stress", "received_at": iso(m(8)), "answered_at": iso(m(8) + secs(30))}
    create_call(client, unended)
    answered(client, m(9), 0, 100, direction="outbound")  # outbound: in no figure
    # Hung up after (s):
    hung_up(client, m(10), 3)  # short
    hung_up(client, m(11), 5, line="managers")  # exactly 5 s: still short
    hung_up(client, m(12), 6)
    hung_up(client, m(13), 20, line="managers")  # abandoned, but not after 20 s
    hung_up(client, m(14), 40)


# caller_type, sector, workplace_size, issue_categories, advice, stress_reported
CLASSIFIED = [
    ("employee", "health_social", "50-249", ["workload", "emotional_demands"],
     ["apv", "involve_representatives"], True),
    ("employee", "education", "1-9", ["emotional_demands"], ["apv"], False),
    ("manager", "health_social", None, ["violence", "workload", "moral_stress"], ["rules"], True),
    ("relative", "trade", "250+", ["other"], ["other"], False),
]  # fmt: skip


def classified_calls(client: TestClient) -> None:
    """2025-W25, Wednesday 18 June from 08:00 UTC: the four closed CLASSIFIED calls (waits 10,
    talks 300), one answered call in wrap-up without any classification that reported stress,
    and one caller who hung up, with a caller type and sector all the same."""
    at = utc(2025, 6, 18, 8, 0)
    for i, (caller, sector, size, issues, advice, stress) in enumerate(CLASSIFIED):
        answered(client, at + secs(600 * i), 10, 300, caller_type=caller, sector=sector,
                 workplace_size=size, issue_categories=issues, advice=advice,
                 stress_reported=stress)  # fmt: skip
    start = at + secs(2400)
    wrap_up = {"line": "managers", "received_at": iso(start), "stress_reported": True}
    create_call(
        client, wrap_up | {"answered_at": iso(start + secs(5)), "ended_at": iso(start + secs(65))}
    )
    hung_up(client, at + secs(3000), 30, caller_type="manager", sector="education")


def textbook_erlang_c(traffic: float, agents: int) -> float:
    """P(wait) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A))."""
    top = traffic**agents / factorial(agents) * agents / (agents - traffic)
    return top / (sum(traffic**k / factorial(k) for k in range(agents)) + top)


def publishable_week(client: TestClient, session: Session, clock: Any) -> None:
    """2025-W24, all on `stress`, every answered call waiting 10 s and talking 600 s.

    Tuesday 10 June 08:00-08:20 UTC (10:xx local): 5 answered calls of employees, the first 4
    reporting stress. Wednesday 11 June 08:00 UTC (10:00 local): 1 answered call of a manager;
    08:10, 08:20, 08:30: callers who hung up after 30 s. Adviser Gry logged in 07:00-07:30.
    """
    desk = Desk(client, session, clock)
    clock.set(utc(2025, 6, 10, 7, 0))
    gry = desk.adviser(name="Gry")
    clock.set(utc(2025, 6, 10, 7, 30))
    desk.presence(gry, "offline")
    clock.set(LATER)
    for i in range(5):
        received = utc(2025, 6, 10, 8, 5 * i)
        answered(client, received, 10, 600, caller_type="employee", stress_reported=i < 4)
    answered(client, utc(2025, 6, 11, 8, 0), 10, 600, caller_type="manager", stress_reported=False)
    for minute in (10, 20, 30):
        hung_up(client, utc(2025, 6, 11, 8, minute), 30)


def csv_rows(response: Any) -> list[dict[str, str]]:
    """The rows of a CSV report, checked to open cleanly: UTF-8 with a byte-order mark."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader)
    assert header == ["week", "line", "dimension", "code", "label", "count", "share", "value"]
    return [dict(zip(header, cells, strict=True)) for cells in reader]


def number(text: str) -> float | None:
    return None if text == "" else float(text)


def busy_week(client, seed: int) -> None:
    """2025-W24: about 120 calls on both lines, their classifications drawn at random."""
    draw = random.Random(seed)
    sectors = ["health_social", "education", "public_admin", "trade", "construction"]
    callers = ["employee", "manager", "safety_rep", "union_rep"]
    categories = ["workload", "emotional_demands", "violence", "unclear_demands", "moral_stress"]
    advice = ["apv", "involve_representatives", "rules"]
    for i in range(120):
        day, minute = divmod(i, 24)
        received = utc(2025, 6, 9 + day, 6, 0) + timedelta(minutes=15 * minute + draw.random())
        line = "stress" if draw.random() < 0.75 else "managers"
        if draw.random() < 0.1:
            hung_up(client, received, draw.choice([3, 30, 90]), line=line)
            continue
        wait = draw.choice([4, 12, 25, 60])
        payload = closed_call(
            received,
            line=line,
            answered_at=iso(received + timedelta(seconds=wait)),
            ended_at=iso(received + timedelta(seconds=wait + draw.randint(300, 1500))),
            caller_type=draw.choice(callers),
            sector=draw.choice(sectors),
            issue_categories=draw.sample(categories, draw.randint(1, 2)),
            advice=draw.sample(advice, draw.randint(1, 2)),
            workplace_size=draw.choice(["1-9", "10-49", "50-249", "250+"]),
            stress_reported=draw.random() < 0.6,
        )
        create_call(client, payload)


# Cases with a known history, stored directly (the API opens, closes and reopens a case
# only at the clock's now); each step is on the case's timeline as the case actions put it.


def case_history(
    session: Session,
    opened_at: datetime,
    *steps: tuple[datetime, str, str | None],
    line: str = "stress",
) -> Case:
    """A case opened at `opened_at`, then moved by each (at, to_status, outcome) step."""
    case = Case(
        reference=f"T-{uuid.uuid4().hex[:12]}",
        line=line,
        title="Trusler fra en beboer",
        status_changed_at=opened_at,
        created_at=opened_at,
        updated_at=opened_at,
    )
    session.add(case)
    session.flush()
    session.add(
        CaseEvent(case_id=case.id, at=opened_at, type=CaseEventType.opened, to_status="open")
    )
    for at, status, outcome in steps:
        session.add(
            CaseEvent(
                case_id=case.id,
                at=at,
                type=CaseEventType.status_changed,
                from_status=case.status,
                to_status=status,
            )
        )
        case.previous_status, case.status, case.status_changed_at = case.status, status, at
        case.waiting_for = "caller" if status == "waiting" else None
        case.outcome = outcome
        case.closed_at = at if status in ("closed", "merged") else None
        if status == "merged":
            case.merged_into_id = case.id  # a tombstone needs a survivor; itself will do here
    session.commit()
    return case


def case_task(
    session: Session,
    case: Case,
    due_at: datetime,
    *,
    state: str = "open",
    done_at: datetime | None = None,
    added_at: datetime | None = None,
) -> None:
    added = added_at or due_at - timedelta(days=3)
    session.add(
        CaseTask(
            case_id=case.id,
            kind="other",
            state=state,
            due_at=due_at,
            done_at=done_at,
            created_at=added,
            updated_at=added,
        )
    )
    session.commit()


def case_referral(session: Session, case: Case, sent_at: datetime, status: str = "sent") -> None:
    session.add(
        CaseReferral(
            case_id=case.id,
            to="Arbejdstilsynet",
            reason="Trusler",
            anonymous=True,
            consent=False,
            workplace_cvr="13585628",
            status=status,
            status_changed_at=sent_at,
            created_at=sent_at,
            updated_at=sent_at,
        )
    )
    session.commit()


def stored_call(
    session: Session,
    received_at: datetime,
    *,
    line: str = "stress",
    answered: bool = True,
    case: Case | None = None,
    number_key: str | None = None,
) -> Call:
    """An inbound call stored directly: answered after 10 s and talked 5 minutes, or hung up
    after 30 s; in `case`, from the number whose keyed hash is `number_key`."""
    answered_at = received_at + secs(10) if answered else None
    ended_at = received_at + secs(310 if answered else 30)
    call = Call(
        line=line,
        direction=Direction.inbound,
        received_at=received_at,
        answered_at=answered_at,
        ended_at=ended_at,
        closed_at=ended_at,
        status=CallStatus.closed if answered else CallStatus.abandoned,
        case_id=None if case is None else case.id,
        callback_phone_key=number_key,
    )
    session.add(call)
    session.commit()
    return call
