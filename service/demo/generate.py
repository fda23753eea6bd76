"""Demo hotline weeks: advisers, calls and the journal the live desk would have written.

A small simulation, not a random dump: each day's callers arrive by the weights in
`assumptions`, queue for the advisers of their line (an adviser takes the next call only
after closing the last), and every step leaves the events, offers and presence changes that
live routing writes, so that every weekly figure can be computed from the result. The
presence changes that go with a journal event (on a call when it is accepted, and so on)
are left to the writer, which derives them from the events (`rows.derived_presence`).

Rows come out flat, as `rows` lays them out: each row's values in its table's column order,
so the tuples built here follow the models' columns. Nothing here touches a database.
"""

import heapq
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import holidays
from faker import Faker

from service.demo import assumptions as A
from service.demo.cases import Cases
from service.demo.draws import Pick, below, between, email, phone_number
from service.demo.rows import US, Batch, Flat, Value, micros, utc_text, utc_text_or_none
from service.reports.weeks import IsoWeek

OFFER_TIMEOUT_US = 20 * US
CALLER_POOL = 4096
_LOW_62 = (1 << 62) - 1
_UUID7 = (0x7 << 76) | (0b10 << 62)  # the version and variant bits
# Random id tails (version, variant and random bits) drawn once from the seeded generator:
# formatting a fresh 74-bit number for each of ten ids a call cost twice as much. Behind a
# millisecond the tails make ids that are unique and sort by time.
ID_TAILS = 1 << 16

# Per line, the advisers who serve it as (free from, adviser's index): a heap.
Queues = dict[str, list[tuple[int, int]]]


class Caller(TypedDict):
    """Who rings and what they are advised: one classification of the callers' pool."""

    caller_type: str
    sector: str
    size: str | None
    stress: bool
    issues: list[str]
    advice: list[str]
    notes: str


class Callback(TypedDict):
    """A callback asked for, made on the next open day by the line it was asked of."""

    origin: str
    line: str
    language: str
    caller: Caller


@dataclass
class Adviser:
    index: int
    id: str
    name: str
    lines: list[str]
    free_at: int = 0
    last_ended: int | None = None
    logged_off_at: int | None = None
    available_since: int | None = None
    # The day's log-in and log-off (at, presence, text); the changes in between follow from
    # the journal (`derived_presence`).
    presence: list[tuple[int, str, str]] = field(default_factory=list)


class Generator:
    """Makes the same data for the same seed and arguments, call for call."""

    def __init__(
        self,
        *,
        seed: int,
        codes: dict[str, set[str]],
        peak_calls_per_week: int,
        timezone: str,
        until: date | None = None,
    ) -> None:
        """`until`: the day after the range, where the cases' statuses are as of (`cases`);
        without it, no cases."""
        self.rng = random.Random(seed)
        self._tails = [
            (_UUID7 | self.rng.getrandbits(76) & ~(0b11 << 62)).to_bytes(16, "big").hex()[12:]
            for _ in range(ID_TAILS)
        ]
        self._tail, self._last_ms, self._last_id = 0, -1, ""
        self.faker = Faker("da_DK")
        self.faker.seed_instance(seed)
        self.zone = ZoneInfo(timezone)
        self.codes = codes
        self._picks(codes)
        self.advisers = self._advisers(peak_calls_per_week)
        # Callers' classifications are drawn from a pool made once per line: cheap per call,
        # and a few thousand draws already follow the weights closely.
        self.callers = {
            line: [self._classification(line) for _ in range(CALLER_POOL)] for line in A.LINE
        }
        self.pending_callbacks: list[tuple[int, Callback]] = []
        cases = Cases(seed=seed, codes=codes, zone=self.zone, until=until) if until else None
        self.cases = cases if cases is not None and cases.enabled else None

    # -- setup --------------------------------------------------------------------------

    def _picks(self, codes: dict[str, set[str]]) -> None:
        def known(weights: dict[str, float], list_name: str) -> dict[str, float]:
            # Only codes the database has, and still uses, are drawn.
            return {k: v for k, v in weights.items() if k in codes[list_name]}

        self.line = Pick(known(A.LINE, "line"))
        self.caller_type = {
            line: Pick(known(weights, "caller_type")) for line, weights in A.CALLER_TYPE.items()
        }
        self.sector = Pick(known(A.SECTOR, "sector"))
        self.issues = {
            sector: Pick(
                known(A.ISSUES_ANYWHERE | A.ISSUES_IN_SECTOR.get(sector, {}), "issue_category")
            )
            for sector in A.SECTOR
        }
        self.advice = {
            issue: Pick(known(A.ADVICE_ANYWHERE | A.ADVICE_FOR_ISSUE.get(issue, {}), "advice_type"))
            for issue in A.ISSUES_ANYWHERE
        }
        self.callback_advice = "callback" in codes["advice_type"]
        self.issue_count = Pick(A.ISSUE_COUNT)
        self.advice_count = Pick(A.ADVICE_COUNT)
        self.size = Pick(A.WORKPLACE_SIZE)
        self.hour = Pick(A.HOUR)
        self.weekday = A.WEEKDAY

    def _id(self, at_us: int) -> str:
        """A UUIDv7 for a row made at `at_us`, with a tail from the seeded generator."""
        ms = at_us // 1000
        if ms == self._last_ms:
            # Rows of one instant (an offer made the moment a call is queued, a transfer and
            # its new place in the queue) must sort in the order they happened.
            self._last_id = _next_id(self._last_id)
            return self._last_id
        self._last_ms = ms
        tail = self._tail = (self._tail + 1) & (ID_TAILS - 1)
        self._last_id = ms.to_bytes(6, "big").hex() + self._tails[tail]
        return self._last_id

    def _advisers(self, peak_calls_per_week: int) -> list[Adviser]:
        weekday_share = max(self.weekday.values()) / sum(self.weekday.values())
        hour_share = max(A.HOUR.values()) / sum(A.HOUR.values())
        handle_s = A.TALK_MEDIAN_S * math.exp(A.TALK_SIGMA**2 / 2) + sum(A.WRAP_UP_S) / 2
        advisers: list[Adviser] = []
        for line, share in A.LINE.items():
            peak_per_hour = peak_calls_per_week * weekday_share * hour_share * share
            traffic = peak_per_hour * handle_s / 3600
            for _ in range(math.ceil(traffic * A.STAFFING_HEADROOM) + 1):
                lines = [line]
                if self.rng.random() < A.BOTH_LINES:
                    lines = ["stress", "managers"]
                name = self.faker.name()
                advisers.append(Adviser(index=len(advisers), id="", name=name, lines=lines))
        return advisers

    def adviser_rows(self, first_day: date) -> Batch:
        """The advisers, made before the first shift of the range."""
        batch = Batch()
        created = micros(datetime.combine(first_day - timedelta(days=3), A.OPENS, tzinfo=self.zone))
        for adviser in self.advisers:
            adviser.id = self._id(created)
            for line in adviser.lines:
                batch.rows["adviser_line"] += (adviser.id, line)
            languages = ["da", "en"] if self.rng.random() < 0.5 else ["da"]
            for language in languages:
                batch.rows["adviser_language"] += (adviser.id, language)
            if self.rng.random() < A.EXPERTISE:
                expertise = Pick(A.ISSUES_ANYWHERE).several(self.rng, self.rng.randint(1, 2))
                for code in expertise:
                    batch.rows["adviser_expertise"] += (adviser.id, code)
        self._created = created
        batch.rows["adviser"] = [value for row in self.adviser_final_rows() for value in row]
        return batch

    def adviser_final_rows(self) -> list[tuple[Value, ...]]:
        """The advisers' rows as the range leaves them: logged off after their last shift."""
        rows: list[tuple[Value, ...]] = []
        for adviser in self.advisers:
            last_at = adviser.logged_off_at or self._created
            rows.append(
                (
                    adviser.id,
                    adviser.name,
                    email(adviser.name, adviser.index),
                    1,
                    True,
                    "offline",
                    "offline",
                    None,
                    utc_text(last_at),
                    utc_text_or_none(adviser.available_since),
                    utc_text_or_none(adviser.last_ended),
                    0,
                    None,
                    1,
                    utc_text(self._created),
                    utc_text(last_at),
                )
            )
        return rows

    def case_counter_rows(self) -> Batch:
        """Each year's last case reference number, made after the last day (`cases`)."""
        batch = Batch()
        if self.cases is not None:
            batch.rows["case_counter"] = self.cases.counter_rows()
        return batch

    # -- days ---------------------------------------------------------------------------

    def open_days(self, week: IsoWeek) -> list[date]:
        """The week's days with the lines open."""
        public = holidays.country_holidays("DK", years=[week.year, week.monday.year, week.year + 1])
        days = [week.monday + timedelta(days=n) for n in range(5)]
        return [d for d in days if d not in public and not A.authority_closed(d)]

    def days(self, week: IsoWeek, calls: int, *, last: bool) -> Iterator[Batch]:
        """One batch per open day of the week; calls spread by the weekday weights."""
        days = self.open_days(week)
        if not days:
            return
        weights = Pick({d: self.weekday[d.isoweekday()] for d in days})
        per_day = dict.fromkeys(days, 0)
        for _ in range(calls):
            per_day[weights(self.rng)] += 1
        for number, day in enumerate(days):
            batch = Batch()
            self._day(batch, day, per_day[day], last_day=last and number == len(days) - 1)
            yield batch

    def _day(self, batch: Batch, day: date, calls: int, *, last_day: bool) -> None:
        self._schedule_callbacks(day)
        opens = micros(datetime.combine(day, A.OPENS, tzinfo=self.zone))
        closes = micros(datetime.combine(day, A.CLOSES, tzinfo=self.zone))
        rng, hour = self.rng, self.hour
        starts = {
            h: micros(datetime.combine(day, A.OPENS.replace(hour=h), tzinfo=self.zone))
            for h in hour.values
        }
        arrivals: list[tuple[int, Callback | None]] = [
            (starts[hour(rng)] + below(rng, 3600 * US), None) for _ in range(calls)
        ]
        arrivals.extend(self.pending_callbacks)
        self.pending_callbacks = []
        arrivals.sort(key=lambda arrival: arrival[0])

        queues: Queues = {"stress": [], "managers": []}
        for adviser in self.advisers:
            adviser.free_at = opens - below(self.rng, 300 * US)
            adviser.available_since = adviser.free_at
            adviser.presence.append((adviser.free_at, "available", utc_text(adviser.free_at)))
            for line in adviser.lines:
                heapq.heappush(queues[line], (adviser.free_at, adviser.index))
        day_batch, new_id = batch.rows, self._id
        for received, callback in arrivals:
            self._call(day_batch, queues, received, callback, allow_callback=not last_day)
            batch.calls += 1
        for adviser in self.advisers:
            # Logging off is the step after closing the last call, a microsecond later: at one
            # instant, the order would be left to the ids.
            off = max(closes, adviser.free_at + 1)
            adviser.presence.append((off, "offline", utc_text(off)))
            presence_rows = day_batch["presence_event"]
            for at, presence, text in adviser.presence:
                presence_rows += (new_id(at), adviser.id, presence, None, text)
            adviser.logged_off_at = adviser.presence[-1][0]
            adviser.presence = []

    # -- one call -----------------------------------------------------------------------

    def _next_adviser(self, queue: list[tuple[int, int]]) -> Adviser:
        while True:
            free_at, index = heapq.heappop(queue)
            adviser = self.advisers[index]
            if free_at == adviser.free_at:
                return adviser

    def _busy_until(self, queues: Queues, adviser: Adviser, until: int) -> None:
        adviser.free_at = until
        for line in adviser.lines:
            heapq.heappush(queues[line], (until, adviser.index))

    def _wait(self) -> int:
        return int(A.WAIT_MEDIAN_S * math.exp(self.rng.gauss(0, A.WAIT_SIGMA)) * US)

    def _call(
        self,
        rows: dict[str, Flat],
        queues: Queues,
        received: int,
        callback: Callback | None,
        *,
        allow_callback: bool,
    ) -> None:
        # The hot path of seeding: each time is formatted once, rows are built inline.
        rng, new_id = self.rng, self._id
        call_id = new_id(received)
        received_t = utc_text(received)
        if callback:
            line, language = callback["line"], callback["language"]
        else:
            line = self.line(rng)
            language = "en" if rng.random() < A.ENGLISH else "da"
        rows["call_event:queued"] += (
            new_id(received), call_id, received_t, line, "callback" if callback else None
        )  # a row in its columns' order  # fmt: skip

        if callback is None and rng.random() < A.ABANDON:
            wait = between(rng, 1, 5) if rng.random() < A.SHORT_ABANDON else between(rng, 6, 240)
            ended = received + wait * US
            ended_t = utc_text(ended)
            rows["call_event:abandoned"] += (new_id(ended), call_id, ended_t, line)
            rows["call:abandoned"] += (
                line, received_t, ended_t, language, call_id, received_t, ended_t
            )  # a row in its columns' order  # fmt: skip
            return

        adviser, answered, answered_t = self._answer(
            rows, queues, call_id, line, received, self._wait()
        )
        started, final_line, requeued_t = answered, line, None
        if callback is None and line == "stress" and rng.random() < A.TRANSFER:
            moved = answered + int(self._talk() * 0.3)
            requeued_t = utc_text(moved)
            rows["call_event:transferred"] += (
                new_id(moved), call_id, requeued_t, adviser.id, line, "managers",
                 "Kalderen er leder"
            )  # a row in its columns' order  # fmt: skip
            rows["call_event:queued"] += (
                new_id(moved), call_id, requeued_t, "managers", "transfer"
            )  # a row in its columns' order  # fmt: skip
            adviser.last_ended = moved
            self._busy_until(queues, adviser, moved)
            final_line = "managers"
            adviser, started, _ = self._answer(
                rows, queues, call_id, final_line, moved, self._wait()
            )
        adviser_id = adviser.id
        talk = self._talk()
        hold_s = 0
        if rng.random() < A.HOLD:
            hold_s = between(rng, *A.HOLD_S)
            held = started + talk // 3
            rows["call_event:held"] += (
                new_id(held), call_id, utc_text(held), adviser_id, final_line
            )  # a row in its columns' order  # fmt: skip
            resumed = held + hold_s * US
            rows["call_event:resumed"] += (
                new_id(resumed), call_id, utc_text(resumed), adviser_id, final_line
            )  # a row in its columns' order  # fmt: skip
            talk += hold_s * US
        ended = started + talk
        closed = ended + between(rng, *A.WRAP_UP_S) * US
        ended_t, closed_t = utc_text(ended), utc_text(closed)
        rows["call_event:ended"] += (new_id(ended), call_id, ended_t, adviser_id, final_line)
        rows["call_event:closed"] += (new_id(closed), call_id, closed_t, adviser_id, final_line)
        adviser.last_ended = ended
        self._busy_until(queues, adviser, closed)

        wants_callback = callback is None and allow_callback and rng.random() < A.CALLBACK
        if callback:
            caller = callback["caller"]
        else:
            callers = self.callers[final_line]
            caller = callers[below(rng, len(callers))]
        case_id, cases = None, self.cases
        if cases is not None and callback is None:
            # A repeat call of a case's workplace is that case's, on its line; some others
            # open a case (`cases`).
            following = cases.repeat(final_line, received)
            if following is not None:
                caller, case_id = following.caller, following.id
                cases.link(
                    rows,
                    following,
                    line=final_line,
                    call_id=call_id,
                    at=ended,
                    adviser_id=adviser_id,
                )
            elif cases.rng.random() < A.CASE_OPENS:
                case_id = cases.open(
                    rows,
                    line=final_line,
                    call_id=call_id,
                    ended=ended,
                    adviser=adviser,
                    caller=caller,
                )
        phone = phone_number(rng) if wants_callback else None
        if wants_callback and self.callback_advice and "callback" not in caller["advice"]:
            caller = {**caller, "advice": [*caller["advice"], "callback"]}
        if wants_callback:
            details = Callback(origin=call_id, line=final_line, language=language, caller=caller)
            self.pending_callbacks.append((0, details))
        if callback:
            rows["call:callback"] += (
                final_line, received_t, answered_t, ended_t, closed_t, adviser_id,
                 caller["caller_type"], caller["sector"], caller["size"], caller["stress"],
                 caller["notes"], language, call_id, received_t, callback["origin"], hold_s,
                 received_t, closed_t
            )  # a row in its columns' order  # fmt: skip
        else:
            rows["call:inbound"] += (
                final_line, received_t, answered_t, ended_t, closed_t, adviser_id,
                 caller["caller_type"], caller["sector"], caller["size"], caller["stress"],
                 caller["notes"], wants_callback, phone, language, call_id, requeued_t, case_id,
                 hold_s, received_t, closed_t
            )  # a row in its columns' order  # fmt: skip
        categories, advice = rows["call_issue_category"], rows["call_advice"]
        for n, code in enumerate(caller["issues"]):
            categories += (call_id, n, code)
        for n, code in enumerate(caller["advice"]):
            advice += (call_id, n, code)

    def _answer(
        self, rows: dict[str, Flat], queues: Queues, call_id: str, line: str, queued: int, wait: int
    ) -> tuple[Adviser, int, str]:
        """Offer the call to the adviser free first; they accept after a few rings."""
        adviser = self._next_adviser(queues[line])
        ring = between(self.rng, *A.RING_S) * US
        offered = max(queued + wait - ring, adviser.free_at, queued)
        answered = offered + ring
        offered_t, answered_t = utc_text(offered), utc_text(answered)
        rows["call_offer"] += (
            self._id(offered), call_id, adviser.id, offered_t,
             utc_text(offered + OFFER_TIMEOUT_US), "accepted", answered_t
        )  # a row in its columns' order  # fmt: skip
        rows["call_event:offered"] += (self._id(offered), call_id, offered_t, adviser.id, line)
        rows["call_event:accepted"] += (
            self._id(answered), call_id, answered_t, adviser.id, line
        )  # a row in its columns' order  # fmt: skip
        return adviser, answered, answered_t

    def _talk(self) -> int:
        return int(A.TALK_MEDIAN_S * math.exp(self.rng.gauss(0, A.TALK_SIGMA)) * US)

    def _classification(self, line: str) -> Caller:
        rng = self.rng
        sector = self.sector(rng)
        issues = self.issues[sector].several(rng, self.issue_count(rng))
        advice = self.advice[issues[0]].several(rng, self.advice_count(rng))
        notes = rng.choice(A.NOTES[issues[0]])
        closing = rng.choice(A.CLOSING_NOTES)
        return {
            "caller_type": self.caller_type[line](rng),
            "sector": sector,
            "size": self.size(rng),
            "stress": rng.random() < A.STRESS_REPORTED[line],
            "issues": issues,
            "advice": advice,
            "notes": f"{notes} {closing}".strip(),
        }

    def _schedule_callbacks(self, day: date) -> None:
        """Callbacks asked for on the last open day are made on this one, in its first hour."""
        opens = micros(datetime.combine(day, A.OPENS, tzinfo=self.zone))
        self.pending_callbacks = [
            (opens + below(self.rng, 3600 * US), details) for _, details in self.pending_callbacks
        ]


def _next_id(previous: str) -> str:
    """The id that sorts right after `previous`: its random bits plus one."""
    value = int(previous, 16)
    if value & _LOW_62 == _LOW_62:  # carry past the variant bits, into the ones before
        value += 1 << 64
    value = value & ~_LOW_62 | (value + 1) & _LOW_62
    return value.to_bytes(16, "big").hex()


def split_total(total: int, weeks: Sequence[IsoWeek]) -> list[int]:
    """Spread `total` calls over the weeks as evenly as whole calls allow."""
    base, extra = divmod(total, len(weeks))
    return [base + (1 if n < extra else 0) for n in range(len(weeks))]
