"""Demo hotline weeks: advisers, calls and the journal the live desk would have written.

A small simulation, not a random dump: each day's callers arrive by the weights in
`assumptions`, queue for the advisers of their line (an adviser takes the next call only
after closing the last), and every step leaves the events, offers and presence changes that
live routing writes, so that every weekly figure can be computed from the result.

Rows come out as plain tuples in the tables' column order (`COLUMNS`), with times as UTC
text and ids as 32-digit hex, ready for bulk insertion; nothing here touches a database.
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
from functools import lru_cache
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

US = 1_000_000  # times are whole microseconds since the epoch
OFFER_TIMEOUT_US = 20 * US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_DAYS: dict[int, str] = {}
_LOW_62 = (1 << 62) - 1


@lru_cache(maxsize=1 << 16)
def utc_text(us: int) -> str:
    """A time as stored: UTC, `YYYY-MM-DD HH:MM:SS.ffffff` (strftime is too slow here).

    Cached: one instant is written up to four times (offer, event, call row, presence).
    """
    seconds, micro = divmod(us, US)
    day, second = divmod(seconds, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{prefix} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}"


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
    presence: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Batch:
    """Rows for each table, in `COLUMNS` order."""

    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    calls: int = 0


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
        self._last_ms, self._last_bits = -1, 0
        self.faker = Faker("da_DK")
        self.faker.seed_instance(seed)
        self.zone = ZoneInfo(timezone)
        self.codes = codes
        self._picks(codes)
        self.advisers = self._advisers(peak_calls_per_week)
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
        """A UUIDv7 for a row made at `at_us`, drawn from the seeded generator."""
        ms = at_us // 1000
        if ms == self._last_ms:
            # Rows of one instant (an offer made the moment a call is queued, a log-off the
            # moment the last call closes) must sort in the order they happened.
            self._last_bits += 1
        else:
            self._last_ms, self._last_bits = ms, self.rng.getrandbits(73)
        bits = self._last_bits
        value = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64)
        return f"{value | (0b10 << 62) | (bits & _LOW_62):032x}"

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
            batch.rows["adviser_line"].extend((adviser.id, line) for line in adviser.lines)
            languages = ["da", "en"] if self.rng.random() < 0.5 else ["da"]
            batch.rows["adviser_language"].extend((adviser.id, lang) for lang in languages)
            if self.rng.random() < A.EXPERTISE:
                expertise = _Pick(A.ISSUES_ANYWHERE).several(self.rng, self.rng.randint(1, 2))
                batch.rows["adviser_expertise"].extend((adviser.id, code) for code in expertise)
        self._created = created
        batch.rows["adviser"] = self.adviser_final_rows()
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
        arrivals = []
        for _ in range(calls):
            hour = self.hour(self.rng)
            start = _us(datetime.combine(day, A.OPENS.replace(hour=hour), tzinfo=self.zone))
            arrivals.append((start + self.rng.randrange(3600 * US), None))
        arrivals.extend(self.pending_callbacks)
        self.pending_callbacks = []
        arrivals.sort(key=lambda arrival: arrival[0])

        queues: dict[str, list[tuple[int, int]]] = {"stress": [], "managers": []}
        for adviser in self.advisers:
            adviser.free_at = opens - self.rng.randrange(300 * US)
            adviser.available_since = adviser.free_at
            adviser.presence.append((adviser.free_at, "available"))
            for line in adviser.lines:
                heapq.heappush(queues[line], (adviser.free_at, adviser.index))
        day_batch = batch.rows
        for received, callback in arrivals:
            self._call(day_batch, queues, received, callback, allow_callback=not last_day)
            batch.calls += 1
        for adviser in self.advisers:
            adviser.presence.append((max(closes, adviser.free_at), "offline"))
            day_batch["presence_event"].extend(
                (self._id(at), adviser.id, presence, None, utc_text(at))
                for at, presence in adviser.presence
            )
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
        rng = self.rng
        call_id = self._id(received)
        if callback:
            line, language = callback["line"], callback["language"]
        else:
            line = self.line(rng)
            language = "en" if rng.random() < A.ENGLISH else "da"
        self._event(rows, call_id, "queued", received, line=line, reason=callback and "callback")

        if callback is None and rng.random() < A.ABANDON:
            wait = rng.randint(1, 5) if rng.random() < A.SHORT_ABANDON else rng.randint(6, 240)
            ended = received + wait * US
            self._event(rows, call_id, "abandoned", ended, line=line)
            rows["call"].append(
                (call_id, line, "inbound", utc_text(received), None, utc_text(ended), None, None,
                 None, None, None, None, False, None, False, None, language, 0, "abandoned",
                 None, None, None, None, None, 0, 1, utc_text(received), utc_text(ended))
            )  # fmt: skip
            return

        adviser, answered = self._answer(rows, queues, call_id, line, received, self._wait())
        started, final_line, requeued = answered, line, None
        if callback is None and line == "stress" and rng.random() < A.TRANSFER:
            moved = answered + int(self._talk() * 0.3)
            self._event(
                rows, call_id, "transferred", moved, line=line, adviser=adviser,
                target_line="managers", reason="Kalderen er leder",
            )  # fmt: skip
            self._event(rows, call_id, "queued", moved, line="managers", reason="transfer")
            adviser.presence.append((moved, "available"))
            adviser.last_ended = moved
            self._busy_until(queues, adviser, moved)
            final_line, requeued = "managers", moved
            adviser, started = self._answer(rows, queues, call_id, final_line, moved, self._wait())
        talk = self._talk()
        hold_s = 0
        if rng.random() < A.HOLD:
            hold_s = rng.randint(*A.HOLD_S)
            held = started + talk // 3
            self._event(rows, call_id, "held", held, line=final_line, adviser=adviser)
            resumed = held + hold_s * US
            self._event(rows, call_id, "resumed", resumed, line=final_line, adviser=adviser)
            talk += hold_s * US
        ended = started + talk
        closed = ended + rng.randint(*A.WRAP_UP_S) * US
        self._event(rows, call_id, "ended", ended, line=final_line, adviser=adviser)
        self._event(rows, call_id, "closed", closed, line=final_line, adviser=adviser)
        adviser.presence.append((ended, "wrap_up"))
        adviser.presence.append((closed, "available"))
        adviser.last_ended = ended
        self._busy_until(queues, adviser, closed)

        wants_callback = callback is None and allow_callback and rng.random() < A.CALLBACK
        caller = callback["caller"] if callback else self._classification(final_line)
        phone = _phone(rng) if wants_callback else None
        if wants_callback and self.callback_advice and "callback" not in caller["advice"]:
            caller = caller | {"advice": [*caller["advice"], "callback"]}
        if wants_callback:
            details = {"origin": call_id, "line": final_line, "language": language}
            self.pending_callbacks.append((0, details | {"caller": caller}))
        rows["call"].append(
            (call_id, final_line, "outbound" if callback else "inbound", utc_text(received),
             utc_text(answered), utc_text(ended), utc_text(closed), adviser.id,
             caller["caller_type"], caller["sector"], None, caller["size"],
             caller["stress"], caller["notes"], wants_callback, phone, language, 0, "closed",
             utc_text(received) if callback else None, _text(requeued),
             callback["origin"] if callback else None, None, None, hold_s, 1,
             utc_text(received), utc_text(closed))
        )  # fmt: skip
        rows["call_issue_category"].extend(
            (call_id, n, code) for n, code in enumerate(caller["issues"])
        )
        rows["call_advice"].extend((call_id, n, code) for n, code in enumerate(caller["advice"]))

    def _answer(
        self, rows: dict, queues: dict, call_id: str, line: str, queued: int, wait: int
    ) -> tuple[Adviser, int]:
        """Offer the call to the adviser free first; they accept after a few rings."""
        adviser = self._next_adviser(queues[line])
        ring = self.rng.randint(*A.RING_S) * US
        offered = max(queued + wait - ring, adviser.free_at, queued)
        answered = offered + ring
        rows["call_offer"].append(
            (self._id(offered), call_id, adviser.id, utc_text(offered),
             utc_text(offered + OFFER_TIMEOUT_US), "accepted", utc_text(answered))
        )  # fmt: skip
        self._event(rows, call_id, "offered", offered, line=line, adviser=adviser)
        self._event(rows, call_id, "accepted", answered, line=line, adviser=adviser)
        adviser.presence.append((answered, "on_call"))
        return adviser, answered

    def _event(
        self,
        rows: dict[str, list[tuple]],
        call_id: str,
        type: str,
        at: int,
        *,
        line: str,
        adviser: Adviser | None = None,
        target_line: str | None = None,
        reason: str | None = None,
    ) -> None:
        adviser_id = adviser.id if adviser else None
        rows["call_event"].append(
            (self._id(at), call_id, type, utc_text(at), adviser_id, line, target_line, None, reason)
        )

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
            (opens + self.rng.randrange(3600 * US), details)
            for _, details in self.pending_callbacks
        ]


def weeks_of(first: IsoWeek, last: IsoWeek) -> Iterator[IsoWeek]:
    week = first
    while week <= last:
        yield week
        week = week.shifted(1)


def _text(us: int | None) -> str | None:
    return None if us is None else utc_text(us)


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
