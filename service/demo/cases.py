"""Demo cases: some answered calls open a case, and the workplace's repeat calls join it.

A case is made whole the moment its first call opens it, and written with that call's day:
its status as the range leaves it, its follow-up tasks, referral, notes and timeline. Only
which later calls join it is left to the simulation: each repeat call is due some days
after the one before (`A.CASE_GAP_DAYS`), and the first answered inbound call on the case's
line from then on is it, until the case waits or closes (a call after that is a call of its
own). So the rows keep their foreign keys in the order they are written, and a case never
has a call after it closed.

The draws come from a generator of their own, so cases move no call in time: a call's
times, line and adviser are what they would be without cases, and a repeat call only takes
its case's classification (the same workplace, the same concern). Nothing here touches a
database.
"""

import heapq
import math
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from faker import Faker
from stdnum.dk import cvr as cvr_numbers

from service.demo import assumptions as A
from service.demo.draws import Pick, below, between, phone_number
from service.demo.rows import COLUMNS, US, Flat, Value, micros, utc_text

if TYPE_CHECKING:  # the generator imports this module
    from service.demo.generate import Adviser, Caller

DAY_US = 86_400 * US
OPEN_HOURS_US = 7 * 3600 * US
WORKPLACES = 512  # names and addresses drawn once: Faker is slow per call
# The columns of `case_event` as `Cases._event` lays them out (a test holds it to the table).
EVENT_COLUMNS = (
    *("id", "case_id", "at", "type", "actor", "from_status", "to_status"),
    *("call_id", "task_id", "referral_id", "other_case_id"),
)
_UUID7 = (0x7 << 76) | (0b10 << 62)


@dataclass(slots=True)
class Following:
    """A case that expects another call of its workplace."""

    id: str
    caller: "Caller"
    gaps: list[int]  # the repeat calls still to come, each as the time after the one before
    until: int  # no call joins it after this: it waits or closes then


class Cases:
    """Opens cases for calls and links the repeat calls, the same for the same seed."""

    def __init__(self, *, seed: int, codes: dict[str, set[str]], zone: ZoneInfo, until: date):
        self.rng = random.Random(f"cases-{seed}")
        self.zone = zone
        self.end = micros(datetime.combine(until, datetime.min.time(), tzinfo=zone))
        self.settled_before = self.end - A.CASE_SETTLED_DAYS * DAY_US

        def known(weights: dict[str, float], list_name: str) -> dict[str, float]:
            return {k: v for k, v in weights.items() if k in codes.get(list_name, set())}

        self.outcome = Pick(known(A.CASE_OUTCOME, "case_outcome"))
        self.task_kind = Pick(known(A.TASK_KIND, "task_kind"))
        self.enabled = bool(self.outcome.values and self.task_kind.values)
        self.calls = Pick(A.CASE_CALLS)
        self.settled, self.recent = Pick(A.CASE_STATUS_SETTLED), Pick(A.CASE_STATUS_RECENT)
        self.waiting_for = Pick(A.WAITING_FOR)
        self.task_count = Pick(A.TASK_COUNT)
        self.referral_status = Pick(A.REFERRAL_STATUS)
        faker = Faker("da_DK")
        faker.seed_instance(seed + 1)
        self.workplaces = [
            (faker.company(), f"{faker.street_address()}, {faker.postcode()} {faker.city()}")
            for _ in range(WORKPLACES)
        ]
        # Per line, the cases waiting for their next call: (due, order, case).
        self.waiting: dict[str, list[tuple[int, int, Following]]] = {}
        self.order = 0
        self.numbers: dict[int, int] = {}  # the last reference number of each year
        self._actors: dict[str, str] = {}
        self._years: dict[int, int] = {}  # day since the epoch -> local year
        self._opens: dict[tuple[int, int], int] = {}  # (day, days later) -> a weekday's opening

    # -- the hot path -----------------------------------------------------------------------

    def repeat(self, line: str, received: int) -> Following | None:
        """The case whose next call this is, if one is due on the line (and still takes
        calls); None for most calls."""
        waiting = self.waiting.get(line)
        while waiting and waiting[0][0] <= received:
            following = heapq.heappop(waiting)[2]
            if received < following.until:
                return following
        return None

    def link(
        self,
        rows: dict[str, Flat],
        following: Following,
        *,
        line: str,
        call_id: str,
        at: int,
        adviser_id: str,
    ) -> None:
        """Join a repeat call to its case, on the case's timeline at `at` by the call's
        adviser, and expect the next call if there is one."""
        actor = self._actor(adviser_id)
        rows["case_event"] += self._event(following.id, at, "call_linked", actor, call_id=call_id)
        if following.gaps:
            self._expect(line, following, at + following.gaps.pop(0))

    # -- opening a case -----------------------------------------------------------------------

    def open(
        self,
        rows: dict[str, Flat],
        *,
        line: str,
        call_id: str,
        ended: int,
        adviser: "Adviser",
        caller: "Caller",
    ) -> str:
        """Open a case from a call that ended at `ended` and write it whole; its id."""
        rng = self.rng
        created = ended + below(rng, 60 * US) + 1
        case_id = self._id(created)
        actor = self._actor(adviser.id)
        # The repeat calls planned, as long as they come before the range ends.
        gaps, last = [], created
        for _ in range(self.calls(rng) - 1):
            low, high = A.CASE_GAP_DAYS
            gap = int(math.exp(rng.uniform(math.log(low), math.log(high + 1))) * DAY_US)
            gap += below(rng, DAY_US)
            if last + gap >= self.end:
                break
            gaps.append(gap)
            last += gap
        status = (self.settled if last < self.settled_before else self.recent)(rng)
        changes: list[tuple[int, str, str]] = []  # (at, from, to)
        if status != "open":
            changed = self._working_moment(last, between(rng, *A.CASE_STATUS_DAYS))
            waited_first = status == "closed" and rng.random() < A.CASE_WAITED_FIRST
            if waited_first:
                waited = self._working_moment(last, between(rng, 0, 2))
                if waited < changed:
                    changes.append((waited, "open", "waiting"))
            if changed >= self.end:
                status, changes = "open", []
            else:
                changes.append((changed, changes[-1][2] if changes else "open", status))
        until = changes[0][0] if changes else self.end
        if gaps:
            following = Following(id=case_id, caller=caller, gaps=gaps[1:], until=until)
            self._expect(line, following, created + gaps[0])

        issue = caller["issues"][0]
        has_cvr = rng.random() < A.CASE_CVR
        referral = rng.random() < A.CASE_REFERRAL
        named = rng.random() < A.CASE_NAMED or (referral and not has_cvr)
        name, address = self.workplaces[below(rng, WORKPLACES)] if named else (None, None)
        cvr = self._cvr() if has_cvr else None
        outcome = None
        if status == "closed":
            outcome = "referred_to_inspection" if referral else self.outcome(rng)
            if outcome not in self.outcome.values:
                outcome = self.outcome.values[0]
        closed_at = changes[-1][0] if status == "closed" else None
        # What happens on the case before it waits or closes, and before the range ends.
        settled = changes[0][0] if changes else self.end
        events = rows["case_event"]
        events += self._event(case_id, created, "opened", actor, to_status="open")
        events += self._event(case_id, created, "call_linked", actor, call_id=call_id)

        open_due: list[int] = []
        if rng.random() < A.CASE_TASKS:
            for _ in range(self.task_count(rng)):
                open_due += self._task(rows, case_id, adviser.id, actor, created, settled, status)
        if referral:
            self._referral(rows, case_id, actor, created, settled, cvr, name, address)
        if rng.random() < A.CASE_NOTES:
            for _ in range(between(rng, 1, 2)):
                at = created + below(rng, max(settled - created, 1))
                rows["case_note"] += self._row(
                    "case_note",
                    id=self._id(at),
                    case_id=case_id,
                    body=rng.choice(A.CASE_NOTE_BODIES),
                    author_adviser_id=adviser.id,
                    author=actor,
                    created_at=utc_text(at),
                )
        for at, before, after in changes:
            events += self._event(
                case_id, at, "status_changed", actor, from_status=before, to_status=after
            )

        year = self._year(created)
        number = self.numbers[year] = self.numbers.get(year, 0) + 1
        status_at = changes[-1][0] if changes else created
        rows["case_file"] += self._row(
            "case_file",
            id=case_id,
            reference=f"{year}-{number:05d}",
            line=line,
            title=rng.choice(A.CASE_TITLES.get(issue) or A.CASE_TITLES["other"]),
            summary=(caller["notes"] or None) if rng.random() < A.CASE_SUMMARY else None,
            status=status,
            status_changed_at=utc_text(status_at),
            status_changed_by=actor,
            previous_status=changes[-1][1] if changes else None,
            waiting_for=self.waiting_for(rng) if status == "waiting" else None,
            owner_adviser_id=adviser.id,
            outcome=outcome,
            closed_at=None if closed_at is None else utc_text(closed_at),
            risk_flag="violence_or_threats" if "violence" in caller["issues"] else None,
            follow_up_due_at=utc_text(min(open_due)) if open_due else None,
            merged_into_id=None,
            workplace_cvr=cvr,
            workplace_p_number=f"1{below(rng, 10**9):09d}"
            if cvr and rng.random() < A.CASE_P_NUMBER
            else None,
            workplace_name=name,
            workplace_address=address,
            workplace_sector=caller["sector"],
            workplace_industry_code=None,
            workplace_size=caller["size"],
            text_erased_at=None,
            version=1 + len(gaps) + len(changes),
            created_at=utc_text(created),
            updated_at=utc_text(max(status_at, last)),
        )
        return case_id

    def _task(
        self,
        rows: dict[str, Flat],
        case_id: str,
        adviser_id: str,
        actor: str,
        created: int,
        settled: int,
        status: str,
    ) -> list[int]:
        """One follow-up task, with its steps on the timeline; its due time if still open."""
        rng = self.rng
        kind = self.task_kind(rng)
        at = created + below(rng, 600 * US)
        due = self._working_moment(at, between(rng, *A.TASK_DUE_DAYS))
        # A closed case has done its tasks (open ones would have blocked the close); a live
        # one may have, before the range ended.
        done = status == "closed" or rng.random() < A.TASK_DONE_IN_LIVE_CASES
        done_at = at + 1 + below(rng, max(min(due, settled) - at - 1, 1)) if done else None
        task_id = self._id(at)
        rows["case_task"] += self._row(
            "case_task",
            id=task_id,
            case_id=case_id,
            kind=kind,
            state="done" if done else "open",
            due_at=utc_text(due),
            assignee_adviser_id=adviser_id,
            note=rng.choice(A.TASK_NOTES.get(kind) or A.TASK_NOTES["other"]),
            callback_phone=phone_number(rng) if kind == "callback" else None,
            call_id=None,
            done_at=None if done_at is None else utc_text(done_at),
            # A task that fell due in the seeded range was told of then, as a desk would
            # have been: a demo started afterwards does not announce a backlog of them.
            due_announced_at=utc_text(due) if due <= settled else None,
            version=2 if done else 1,
            created_at=utc_text(at),
            updated_at=utc_text(done_at or at),
        )
        events = rows["case_event"]
        events += self._event(case_id, at, "task_added", actor, task_id=task_id)
        if done_at is not None:
            events += self._event(
                case_id, done_at, "task_changed", actor, task_id=task_id, to_status="done"
            )
        return [] if done else [due]

    def _referral(
        self,
        rows: dict[str, Flat],
        case_id: str,
        actor: str,
        created: int,
        settled: int,
        cvr: str | None,
        name: str | None,
        address: str | None,
    ) -> None:
        rng = self.rng
        at = created + 1 + below(rng, max(min(settled, self.end) - created - 1, 1))
        status = self.referral_status(rng)
        changed = at if status == "sent" else at + 1 + below(rng, max(self.end - at - 1, 1))
        anonymous = rng.random() < A.REFERRAL_ANONYMOUS
        referral_id = self._id(at)
        rows["case_referral"] += self._row(
            "case_referral",
            id=referral_id,
            case_id=case_id,
            to=A.REFERRAL_TO,
            reason=rng.choice(A.REFERRAL_REASONS),
            anonymous=anonymous,
            consent=not anonymous,
            workplace_cvr=cvr,
            # The CHECK asks for the CVR number or the name and address; it has what it knows.
            workplace_name=name,
            workplace_address=address,
            status=status,
            status_changed_at=utc_text(changed),
            external_reference=None if status == "sent" else f"AT-{below(rng, 10**7):07d}",
            version=1 if status == "sent" else 2,
            created_at=utc_text(at),
            updated_at=utc_text(changed),
        )
        events = rows["case_event"]
        events += self._event(case_id, at, "referral_sent", actor, referral_id=referral_id)
        if status != "sent":
            events += self._event(
                case_id,
                changed,
                "referral_changed",
                actor,
                referral_id=referral_id,
                from_status="sent",
                to_status=status,
            )

    def counter_rows(self) -> Flat:
        """`case_counter` as the range leaves it: each year's last reference number, so that
        a case opened through the API counts on."""
        rows: Flat = []
        for year, number in sorted(self.numbers.items()):
            rows += self._row("case_counter", year=year, last_number=number)
        return rows

    # -- helpers ------------------------------------------------------------------------------

    def _expect(self, line: str, following: Following, due: int) -> None:
        self.order += 1
        heapq.heappush(self.waiting.setdefault(line, []), (due, self.order, following))

    def _event(
        self,
        case_id: str,
        at: int,
        type_: str,
        actor: str,
        *,
        from_status: str | None = None,
        to_status: str | None = None,
        call_id: str | None = None,
        task_id: str | None = None,
        referral_id: str | None = None,
    ) -> tuple[Value, ...]:
        # The most numerous of the cases' rows: built in place, in `EVENT_COLUMNS` order.
        return (
            self._id(at), case_id, utc_text(at), type_, actor, from_status, to_status,
            call_id, task_id, referral_id, None,
        )  # a row in its columns' order  # fmt: skip

    def _actor(self, adviser_id: str) -> str:
        """Who the timeline says acted (`cases.dependencies.actor`): `adviser:<id>`."""
        actor = self._actors.get(adviser_id)
        if actor is None:
            actor = self._actors[adviser_id] = f"adviser:{uuid.UUID(hex=adviser_id)}"
        return actor

    def _id(self, at: int) -> str:
        """A UUIDv7 of the moment `at`, its random bits from this generator's draws."""
        value = (at // 1000) << 80 | _UUID7 | self.rng.getrandbits(76) & ~(0b11 << 62)
        return f"{value:032x}"

    def _cvr(self) -> str:
        """A CVR number with a valid check digit: seven digits, the first not 0, and the one
        that makes stdnum's modulus 11 sum (weight 1 on the last) come to 0."""
        while True:
            digits = f"{between(self.rng, 1, 9)}{below(self.rng, 10**6):06d}"
            check = -cvr_numbers.checksum(f"{digits}0") % 11
            if check < 10:  # no digit makes these seven valid: draw again
                return f"{digits}{check}"

    def _year(self, at: int) -> int:
        """The year of `at` in local time, as references count them."""
        day = at // DAY_US
        year = self._years.get(day)
        if year is None:
            year = self._years[day] = datetime.fromtimestamp(at / US, self.zone).year
        return year

    def _working_moment(self, after: int, days: int) -> int:
        """A moment in opening hours `days` days after `after` (a weekday), later than it."""
        # Cached by the UTC day (Python's dates are slow here): for a moment in the local
        # night, the day after may count as the same day, which the draws do not mind.
        key = (after // DAY_US, days)
        opens = self._opens.get(key)
        if opens is None:
            day = datetime.fromtimestamp(after / US, self.zone).date() + timedelta(days=days)
            while day.isoweekday() > 5:
                day += timedelta(days=1)
            opens = self._opens[key] = micros(datetime.combine(day, A.OPENS, tzinfo=self.zone))
        return max(opens + below(self.rng, OPEN_HOURS_US), after + 1)

    @staticmethod
    def _row(table: str, **values: Value) -> tuple[Value, ...]:
        """A row in its table's columns' order; KeyError if a column has no value."""
        return tuple(values[name] for name in COLUMNS[table])
