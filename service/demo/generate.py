"""Demo hotline weeks: advisers, calls and the journal the live desk would have written.

A small simulation, not a random dump: each day's callers arrive by the weights in
`assumptions`, queue for the advisers of their line (an adviser takes the next call only
after closing the last), and every step leaves the events, offers and presence changes that
live routing writes, so that every weekly figure can be computed from the result. The
presence changes that go with a journal event (on a call when it is accepted, and so on)
are left to the writer, which derives them from the events (`derived_presence`).

Rows come out flat, one list of values per table, row after row in the tables' column
order (`COLUMNS`), with times as UTC text and ids as 32-digit hex: what multi-row INSERTs
bind and what crosses between processes most cheaply. The journal and the calls come in groups
of rows of one kind instead (`GROUPS`), without the columns that are the same for every row
of the group; `full_rows` puts them back. Nothing here touches a database.
"""

import heapq
import math
import random
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from faker import Faker

from service.demo import assumptions as A
from service.reports.weeks import IsoWeek

COLUMNS: dict[str, tuple[str, ...]] = {
    "adviser": (
        "id", "name", "email", "capacity", "active", "availability", "presence",
        "presence_reason", "presence_since", "available_since", "last_call_ended_at",
        "missed_offers_in_row", "wrap_up_until", "version", "created_at", "updated_at",
    ),
    "adviser_line": ("adviser_id", "line"),
    "adviser_language": ("adviser_id", "language"),
    "adviser_expertise": ("adviser_id", "code"),
    "call": (
        "id", "line", "direction", "received_at", "answered_at", "ended_at", "closed_at",
        "adviser_id", "caller_type", "sector", "industry_code", "workplace_size",
        "stress_reported", "notes", "callback_requested", "callback_phone", "language",
        "priority", "status", "callback_due_at", "requeued_at", "origin_call_id",
        "target_adviser_id", "hold_started_at", "hold_s", "version", "created_at", "updated_at",
    ),
    "call_issue_category": ("call_id", "position", "code"),
    "call_advice": ("call_id", "position", "code"),
    "call_offer": (
        "id", "call_id", "adviser_id", "offered_at", "expires_at", "state", "decided_at",
    ),
    "call_event": (
        "id", "call_id", "type", "at", "adviser_id", "line", "target_line",
        "target_adviser_id", "reason",
    ),
    "presence_event": ("id", "adviser_id", "presence", "reason", "at"),
}  # fmt: skip

# Groups of a table's rows, named `table:group`, with the values that every row of the
# group has alike. The generator leaves these columns out of the group's rows; SQLite's
# INSERTs write them as literals, and binding fewer values costs a fifth less per journal
# row. `full_rows` makes whole rows again (for COPY, and for the tests).
_NO_TARGET = {"target_line": None, "target_adviser_id": None}
GROUPS: dict[str, dict[str, object]] = {
    **{
        f"call_event:{kind}": {"type": kind, **_NO_TARGET, "reason": None}
        for kind in ("offered", "accepted", "held", "resumed", "ended", "closed")
    },
    "call_event:queued": {"type": "queued", "adviser_id": None, **_NO_TARGET},
    "call_event:abandoned": {"type": "abandoned", "adviser_id": None, **_NO_TARGET, "reason": None},
    "call_event:transferred": {"type": "transferred", "target_adviser_id": None},
    "call:abandoned": {
        "direction": "inbound", "answered_at": None, "closed_at": None, "adviser_id": None,
        "caller_type": None, "sector": None, "industry_code": None, "workplace_size": None,
        "stress_reported": False, "notes": None, "callback_requested": False,
        "callback_phone": None, "priority": 0, "status": "abandoned", "callback_due_at": None,
        "requeued_at": None, "origin_call_id": None, "target_adviser_id": None,
        "hold_started_at": None, "hold_s": 0, "version": 1,
    },
    "call:inbound": {
        "direction": "inbound", "industry_code": None, "priority": 0, "status": "closed",
        "callback_due_at": None, "origin_call_id": None, "target_adviser_id": None,
        "hold_started_at": None, "version": 1,
    },
    "call:callback": {
        "direction": "outbound", "industry_code": None, "callback_requested": False,
        "callback_phone": None, "priority": 0, "status": "closed", "requeued_at": None,
        "target_adviser_id": None, "hold_started_at": None, "version": 1,
    },
}  # fmt: skip


def table_of(key: str) -> str:
    """The table of a key of `Batch.rows`: a table's name, or a group's (`GROUPS`)."""
    return key.partition(":")[0]


# The columns of each key's rows: a table's, or a group's without its constants.
ROW_COLUMNS: dict[str, tuple[str, ...]] = COLUMNS | {
    key: tuple(name for name in COLUMNS[table_of(key)] if name not in constants)
    for key, constants in GROUPS.items()
}
# The keys of each table's rows, in the order they are written.
KEYS: dict[str, tuple[str, ...]] = {
    table: (table, *(key for key in GROUPS if table_of(key) == table)) for table in COLUMNS
}

US = 1_000_000  # times are whole microseconds since the epoch
OFFER_TIMEOUT_US = 20 * US
CALLER_POOL = 4096
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_DAYS: dict[int, str] = {}
# " HH:MM:SS." for each second of a day, and "000" to "999": lookups beat formatting here.
_CLOCK = [f" {h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]
_DIGITS = [f"{n:03d}" for n in range(1000)]
_LOW_62 = (1 << 62) - 1
_UUID7 = (0x7 << 76) | (0b10 << 62)  # the version and variant bits
# Random id tails (version, variant and random bits) drawn once from the seeded generator:
# formatting a fresh 74-bit number for each of ten ids a call cost twice as much. Behind a
# millisecond the tails make ids that are unique and sort by time.
ID_TAILS = 1 << 16


def utc_text(us: int) -> str:
    """A time as stored: UTC, `YYYY-MM-DD HH:MM:SS.ffffff` (strftime is too slow here)."""
    seconds, micro = divmod(us, US)
    day, second = divmod(seconds, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    return prefix + _CLOCK[second] + _DIGITS[micro // 1000] + _DIGITS[micro % 1000]


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


class _Pick:
    """Weighted choice with the cumulative weights computed once."""

    def __init__(self, weights: dict) -> None:
        self.values = list(weights)
        total, cumulative = 0.0, []
        for weight in weights.values():
            total += weight
            cumulative.append(total)
        self.cumulative, self.total = cumulative, total

    def __call__(self, rng: random.Random):
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]

    def several(self, rng: random.Random, k: int) -> list:
        chosen: list = []
        while len(chosen) < min(k, len(self.values)):
            value = self(rng)
            if value not in chosen:
                chosen.append(value)
        return chosen


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


@dataclass
class Batch:
    """Each table's or group's rows as one flat list of values, in `ROW_COLUMNS` order
    (see `rows_of` and `full_rows`)."""

    rows: dict[str, list] = field(default_factory=lambda: {key: [] for key in ROW_COLUMNS})
    calls: int = 0


def rows_of(key: str, values: list) -> list[tuple]:
    """A table's or group's flat values as one tuple per row."""
    return list(zip(*[iter(values)] * len(ROW_COLUMNS[key]), strict=True))


def full_rows(rows: dict[str, list]) -> dict[str, list]:
    """The flat rows by table, each group's rows with its constants put back (after the
    table's own rows, group by group)."""
    full: dict[str, list] = {}
    for key, values in rows.items():
        table = table_of(key)
        if key == table:
            full.setdefault(table, []).extend(values)
            continue
        columns, varying, constants = COLUMNS[table], ROW_COLUMNS[key], GROUPS[key]
        count, width = len(values) // len(varying), len(columns)
        whole = [None] * (count * width)
        for n, name in enumerate(columns):
            if name in constants:
                whole[n::width] = [constants[name]] * count
            else:
                whole[n::width] = values[varying.index(name) :: len(varying)]
        full.setdefault(table, []).extend(whole)
    return full


class Generator:
    """Makes the same data for the same seed and arguments, call for call."""

    def __init__(
        self,
        *,
        seed: int,
        codes: dict[str, set[str]],
        peak_calls_per_week: int,
        timezone: str,
    ) -> None:
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
        self.pending_callbacks: list[tuple[int, dict]] = []

    # -- setup --------------------------------------------------------------------------

    def _picks(self, codes: dict[str, set[str]]) -> None:
        def known(weights: dict, list_name: str) -> dict:
            # Only codes the database has, and still uses, are drawn.
            return {k: v for k, v in weights.items() if k in codes[list_name]}

        self.line = _Pick(known(A.LINE, "line"))
        self.caller_type = {
            line: _Pick(known(weights, "caller_type")) for line, weights in A.CALLER_TYPE.items()
        }
        self.sector = _Pick(known(A.SECTOR, "sector"))
        self.issues = {
            sector: _Pick(
                known(A.ISSUES_ANYWHERE | A.ISSUES_IN_SECTOR.get(sector, {}), "issue_category")
            )
            for sector in A.SECTOR
        }
        self.advice = {
            issue: _Pick(
                known(A.ADVICE_ANYWHERE | A.ADVICE_FOR_ISSUE.get(issue, {}), "advice_type")
            )
            for issue in A.ISSUES_ANYWHERE
        }
        self.callback_advice = "callback" in codes["advice_type"]
        self.issue_count = _Pick(A.ISSUE_COUNT)
        self.advice_count = _Pick(A.ADVICE_COUNT)
        self.size = _Pick(A.WORKPLACE_SIZE)
        self.hour = _Pick(A.HOUR)
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
        created = _us(datetime.combine(first_day - timedelta(days=3), A.OPENS, tzinfo=self.zone))
        for adviser in self.advisers:
            adviser.id = self._id(created)
            for line in adviser.lines:
                batch.rows["adviser_line"] += (adviser.id, line)
            languages = ["da", "en"] if self.rng.random() < 0.5 else ["da"]
            for language in languages:
                batch.rows["adviser_language"] += (adviser.id, language)
            if self.rng.random() < A.EXPERTISE:
                expertise = _Pick(A.ISSUES_ANYWHERE).several(self.rng, self.rng.randint(1, 2))
                for code in expertise:
                    batch.rows["adviser_expertise"] += (adviser.id, code)
        self._created = created
        batch.rows["adviser"] = [value for row in self.adviser_final_rows() for value in row]
        return batch

    def adviser_final_rows(self) -> list[tuple]:
        """The advisers' rows as the range leaves them: logged off after their last shift."""
        rows = []
        for adviser in self.advisers:
            last_at = adviser.logged_off_at or self._created
            rows.append(
                (
                    adviser.id,
                    adviser.name,
                    _email(adviser.name, adviser.index),
                    1,
                    True,
                    "offline",
                    "offline",
                    None,
                    utc_text(last_at),
                    _text(adviser.available_since),
                    _text(adviser.last_ended),
                    0,
                    None,
                    1,
                    utc_text(self._created),
                    utc_text(last_at),
                )
            )
        return rows

    # -- days ---------------------------------------------------------------------------

    def open_days(self, week: IsoWeek) -> list[date]:
        """The week's days with the lines open."""
        public = holidays.Denmark(years=[week.year, week.monday.year, week.year + 1])
        days = [week.monday + timedelta(days=n) for n in range(5)]
        return [d for d in days if d not in public and not A.authority_closed(d)]

    def days(self, week: IsoWeek, calls: int, *, last: bool) -> Iterator[Batch]:
        """One batch per open day of the week; calls spread by the weekday weights."""
        days = self.open_days(week)
        if not days:
            return
        weights = _Pick({d: self.weekday[d.isoweekday()] for d in days})
        per_day = dict.fromkeys(days, 0)
        for _ in range(calls):
            per_day[weights(self.rng)] += 1
        for number, day in enumerate(days):
            batch = Batch()
            self._day(batch, day, per_day[day], last_day=last and number == len(days) - 1)
            yield batch

    def _day(self, batch: Batch, day: date, calls: int, *, last_day: bool) -> None:
        self._schedule_callbacks(day)
        opens = _us(datetime.combine(day, A.OPENS, tzinfo=self.zone))
        closes = _us(datetime.combine(day, A.CLOSES, tzinfo=self.zone))
        rng, hour = self.rng, self.hour
        starts = {
            h: _us(datetime.combine(day, A.OPENS.replace(hour=h), tzinfo=self.zone))
            for h in hour.values
        }
        arrivals = [(starts[hour(rng)] + _below(rng, 3600 * US), None) for _ in range(calls)]
        arrivals.extend(self.pending_callbacks)
        self.pending_callbacks = []
        arrivals.sort(key=lambda arrival: arrival[0])

        queues: dict[str, list[tuple[int, int]]] = {"stress": [], "managers": []}
        for adviser in self.advisers:
            adviser.free_at = opens - _below(self.rng, 300 * US)
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

    def _busy_until(self, queues: dict, adviser: Adviser, until: int) -> None:
        adviser.free_at = until
        for line in adviser.lines:
            heapq.heappush(queues[line], (until, adviser.index))

    def _wait(self) -> int:
        return int(A.WAIT_MEDIAN_S * math.exp(self.rng.gauss(0, A.WAIT_SIGMA)) * US)

    def _call(
        self,
        rows: dict[str, list[tuple]],
        queues: dict,
        received: int,
        callback: dict | None,
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
            new_id(received), call_id, received_t, line, callback and "callback"
        )  # fmt: skip

        if callback is None and rng.random() < A.ABANDON:
            wait = _between(rng, 1, 5) if rng.random() < A.SHORT_ABANDON else _between(rng, 6, 240)
            ended = received + wait * US
            ended_t = utc_text(ended)
            rows["call_event:abandoned"] += (new_id(ended), call_id, ended_t, line)
            rows["call:abandoned"] += (
                call_id, line, received_t, ended_t, language, received_t, ended_t
            )  # fmt: skip
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
            )  # fmt: skip
            rows["call_event:queued"] += (
                new_id(moved), call_id, requeued_t, "managers", "transfer"
            )  # fmt: skip
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
            hold_s = _between(rng, *A.HOLD_S)
            held = started + talk // 3
            rows["call_event:held"] += (
                new_id(held), call_id, utc_text(held), adviser_id, final_line
            )  # fmt: skip
            resumed = held + hold_s * US
            rows["call_event:resumed"] += (
                new_id(resumed), call_id, utc_text(resumed), adviser_id, final_line
            )  # fmt: skip
            talk += hold_s * US
        ended = started + talk
        closed = ended + _between(rng, *A.WRAP_UP_S) * US
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
            caller = callers[_below(rng, len(callers))]
        phone = _phone(rng) if wants_callback else None
        if wants_callback and self.callback_advice and "callback" not in caller["advice"]:
            caller = caller | {"advice": [*caller["advice"], "callback"]}
        if wants_callback:
            details = {"origin": call_id, "line": final_line, "language": language}
            self.pending_callbacks.append((0, details | {"caller": caller}))
        if callback:
            rows["call:callback"] += (
                call_id, final_line, received_t, answered_t, ended_t, closed_t, adviser_id,
                 caller["caller_type"], caller["sector"], caller["size"], caller["stress"],
                 caller["notes"], language, received_t, callback["origin"], hold_s,
                 received_t, closed_t
            )  # fmt: skip
        else:
            rows["call:inbound"] += (
                call_id, final_line, received_t, answered_t, ended_t, closed_t, adviser_id,
                 caller["caller_type"], caller["sector"], caller["size"], caller["stress"],
                 caller["notes"], wants_callback, phone, language, requeued_t, hold_s,
                 received_t, closed_t
            )  # fmt: skip
        categories, advice = rows["call_issue_category"], rows["call_advice"]
        for n, code in enumerate(caller["issues"]):
            categories += (call_id, n, code)
        for n, code in enumerate(caller["advice"]):
            advice += (call_id, n, code)

    def _answer(
        self, rows: dict, queues: dict, call_id: str, line: str, queued: int, wait: int
    ) -> tuple[Adviser, int, str]:
        """Offer the call to the adviser free first; they accept after a few rings."""
        adviser = self._next_adviser(queues[line])
        ring = _between(self.rng, *A.RING_S) * US
        offered = max(queued + wait - ring, adviser.free_at, queued)
        answered = offered + ring
        offered_t, answered_t = utc_text(offered), utc_text(answered)
        rows["call_offer"] += (
            self._id(offered), call_id, adviser.id, offered_t,
             utc_text(offered + OFFER_TIMEOUT_US), "accepted", answered_t
        )  # fmt: skip
        rows["call_event:offered"] += (self._id(offered), call_id, offered_t, adviser.id, line)
        rows["call_event:accepted"] += (
            self._id(answered), call_id, answered_t, adviser.id, line
        )  # fmt: skip
        return adviser, answered, answered_t

    def _talk(self) -> int:
        return int(A.TALK_MEDIAN_S * math.exp(self.rng.gauss(0, A.TALK_SIGMA)) * US)

    def _classification(self, line: str) -> dict:
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
        opens = _us(datetime.combine(day, A.OPENS, tzinfo=self.zone))
        self.pending_callbacks = [
            (opens + _below(self.rng, 3600 * US), details) for _, details in self.pending_callbacks
        ]


def weeks_of(first: IsoWeek, last: IsoWeek) -> Iterator[IsoWeek]:
    week = first
    while week <= last:
        yield week
        week = week.shifted(1)


# The presence change that live routing writes with a journal event, in the same step.
PRESENCE_AFTER = {
    "accepted": "on_call",
    "transferred": "available",
    "ended": "wrap_up",
    "closed": "available",
}
_EVENT = {name: COLUMNS["call_event"].index(name) for name in ("id", "type", "at", "adviser_id")}
_FLIP = dict(zip("0123456789abcdef", "89abcdef01234567", strict=True))


def presence_id(event_id: str) -> str:
    """The id of the presence change that follows from a journal event.

    The event's own id with the first of its random bits flipped: unique, of the same
    millisecond, and a UUIDv7 still. SQL that derives these (`writer`) does the same.
    """
    return event_id[:13] + _FLIP[event_id[13]] + event_id[14:]


def derived_presence(events: list) -> list:
    """The flat presence rows that follow from flat journal rows (`PRESENCE_AFTER`).

    The generator leaves them out: the writer derives them where the journal is written,
    on SQLite in SQL, which costs less than binding the same rows one value at a time.
    """
    width, at_id = len(COLUMNS["call_event"]), _EVENT["id"]
    at_type, at_at, at_adviser = _EVENT["type"], _EVENT["at"], _EVENT["adviser_id"]
    rows: list = []
    for start in range(0, len(events), width):
        presence = PRESENCE_AFTER.get(events[start + at_type])
        if presence:
            rows += (
                presence_id(events[start + at_id]), events[start + at_adviser], presence, None,
                events[start + at_at],
            )  # fmt: skip
    return rows


def _next_id(previous: str) -> str:
    """The id that sorts right after `previous`: its random bits plus one."""
    value = int(previous, 16)
    if value & _LOW_62 == _LOW_62:  # carry past the variant bits, into the ones before
        value += 1 << 64
    value = value & ~_LOW_62 | (value + 1) & _LOW_62
    return value.to_bytes(16, "big").hex()


def _text(us: int | None) -> str | None:
    return None if us is None else utc_text(us)


def _below(rng: random.Random, n: int) -> int:
    """A whole number from 0 to n - 1 (`randrange` costs several times more)."""
    return int(rng.random() * n)


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from `low` to `high`, both included."""
    return low + int(rng.random() * (high - low + 1))


def _phone(rng: random.Random) -> str:
    return f"+45{rng.randint(2, 9)}{rng.randrange(10_000_000):07d}"


def _email(name: str, index: int) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("ø", "oe").replace("æ", "ae"))
    ascii_name = ascii_name.replace("Ø", "Oe").replace("Æ", "Ae").replace("å", "aa")
    slug = re.sub(r"[^a-z]+", ".", ascii_name.encode("ascii", "ignore").decode().lower())
    return f"{slug.strip('.')}.{index + 1}@hotline-demo.dk"


def split_total(total: int, weeks: Sequence[IsoWeek]) -> list[int]:
    """Spread `total` calls over the weeks as evenly as whole calls allow."""
    base, extra = divmod(total, len(weeks))
    return [base + (1 if n < extra else 0) for n in range(len(weeks))]
