"""The seeder's rows: their columns (the tables'), their flat layout, their stored formats.

Rows are flat, one list of values per table, row after row in the table's column order
(`COLUMNS`, read off the models, so that a column added to a seeded table is a column the
generator must fill), with times as UTC text and ids as 32-digit hex: what multi-row
INSERTs bind and what crosses between processes most cheaply. The journal and the calls
come in groups of rows of one kind instead (`GROUPS`), without the columns that are the
same for every row of the group; `full_rows` puts them back. The presence changes that go
with journal events are derived from them (`derived_presence`), where they are written.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlmodel import SQLModel

from service.advisers.models import (
    Adviser,
    AdviserExpertise,
    AdviserLanguage,
    AdviserLine,
    PresenceEvent,
)
from service.calls.journal import CallEvent, CallOffer
from service.calls.models import Call, CallAdvice, CallIssueCategory
from service.cases.models import Case, CaseCounter, CaseEvent, CaseNote, CaseReferral, CaseTask

# A value as stored: text (times and ids too), a whole number, a boolean, or NULL.
Value = str | int | bool | None
# Rows of a table or group, flat: row after row, each in its columns' order.
Flat = list[Value]

# The seeded tables, parents before children, so that every foreign key finds its row.
SEEDED: tuple[type[SQLModel], ...] = (
    Adviser,
    AdviserLine,
    AdviserLanguage,
    AdviserExpertise,
    Case,  # before the calls, which name their case
    Call,
    CallIssueCategory,
    CallAdvice,
    CallOffer,
    CallEvent,
    PresenceEvent,
    CaseTask,
    CaseReferral,
    CaseNote,
    CaseEvent,  # after the calls, tasks and referrals its steps name
    CaseCounter,
)


def sa_table(model: type[SQLModel]) -> sa.Table:
    """The table of a table=True model."""
    # SQLModel makes `__table__` on every table=True model; its type stubs leave it out.
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


# Plain `str`, not SQLAlchemy's subclass of it: the names key the rows that `marshal` sends
# between the seed's processes, and it takes no subclass.
COLUMNS: dict[str, tuple[str, ...]] = {
    str(sa_table(model).name): tuple(str(column.name) for column in sa_table(model).columns)
    for model in SEEDED
}

# Groups of a table's rows, named `table:group`, with the values that every row of the
# group has alike. The generator leaves these columns out of the group's rows; SQLite's
# INSERTs write them as literals, and binding fewer values costs a fifth less per journal
# row. `full_rows` makes whole rows again (for COPY, and for the tests).
_NO_TARGET: dict[str, Value] = {"target_line": None, "target_adviser_id": None}
GROUPS: dict[str, dict[str, Value]] = {
    **{
        f"call_event:{kind}": {"type": kind, **_NO_TARGET, "reason": None}
        for kind in ("offered", "accepted", "held", "resumed", "ended", "closed")
    },
    "call_event:queued": {"type": "queued", "adviser_id": None, **_NO_TARGET},
    "call_event:abandoned": {"type": "abandoned", "adviser_id": None, **_NO_TARGET, "reason": None},
    "call_event:transferred": {"type": "transferred", "target_adviser_id": None},
    "call:abandoned": {
        "direction": "inbound",
        "answered_at": None,
        "closed_at": None,
        "adviser_id": None,
        "caller_type": None,
        "sector": None,
        "industry_code": None,
        "workplace_size": None,
        "stress_reported": False,
        "notes": None,
        "callback_requested": False,
        "callback_phone": None,
        "priority": 0,
        "status": "abandoned",
        "callback_due_at": None,
        "requeued_at": None,
        "origin_call_id": None,
        "target_adviser_id": None,
        "hold_started_at": None,
        "hold_s": 0,
        "version": 1,
        # No keyed hash of the seeded numbers: the demo calls are not matched by number.
        "callback_phone_key": None,
        "case_id": None,
    },
    "call:inbound": {
        "direction": "inbound",
        "industry_code": None,
        "priority": 0,
        "status": "closed",
        "callback_due_at": None,
        "origin_call_id": None,
        "target_adviser_id": None,
        "hold_started_at": None,
        "version": 1,
        # No keyed hash of the seeded numbers: the demo calls are not matched by number.
        "callback_phone_key": None,
    },
    "call:callback": {
        "direction": "outbound",
        "industry_code": None,
        "callback_requested": False,
        "callback_phone": None,
        "priority": 0,
        "status": "closed",
        "requeued_at": None,
        "target_adviser_id": None,
        "hold_started_at": None,
        "version": 1,
        # No keyed hash of the seeded numbers: the demo calls are not matched by number.
        "callback_phone_key": None,
        "case_id": None,
    },
}


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
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS: dict[int, str] = {}
# " HH:MM:SS." for each second of a day, and "000" to "999": lookups beat formatting here.
_CLOCK = [f" {h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]
_DIGITS = [f"{n:03d}" for n in range(1000)]


def utc_text(us: int) -> str:
    """A time as stored: UTC, `YYYY-MM-DD HH:MM:SS.ffffff` (strftime is too slow here)."""
    seconds, micro = divmod(us, US)
    day, second = divmod(seconds, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    return prefix + _CLOCK[second] + _DIGITS[micro // 1000] + _DIGITS[micro % 1000]


def utc_text_or_none(us: int | None) -> str | None:
    return None if us is None else utc_text(us)


def micros(moment: datetime) -> int:
    """Whole microseconds since the epoch, as the generator counts time."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@dataclass
class Batch:
    """Each table's or group's rows as one flat list of values, in `ROW_COLUMNS` order
    (see `rows_of` and `full_rows`)."""

    rows: dict[str, Flat] = field(default_factory=lambda: {key: [] for key in ROW_COLUMNS})
    calls: int = 0


def rows_of(key: str, values: Flat) -> list[tuple[Value, ...]]:
    """A table's or group's flat values as one tuple per row."""
    return list(zip(*[iter(values)] * width_of(key, values), strict=True))


def width_of(key: str, values: Flat) -> int:
    """The values per row of `key`; ValueError if `values` cannot be whole rows of them.

    A cheap check, once per batch, that the generator made rows of the columns it has.
    """
    width = len(ROW_COLUMNS[key])
    if len(values) % width:
        raise ValueError(
            f"{len(values)} values are no whole rows of {key} ({width} columns: "
            f"{', '.join(ROW_COLUMNS[key])}); does the generator fill every column?"
        )
    return width


def full_rows(rows: dict[str, Flat]) -> dict[str, Flat]:
    """The flat rows by table, each group's rows with its constants put back (after the
    table's own rows, group by group)."""
    full: dict[str, Flat] = {}
    for key, values in rows.items():
        table, varying = table_of(key), width_of(key, values)
        if key == table:
            full.setdefault(table, []).extend(values)
            continue
        columns, names, constants = COLUMNS[table], ROW_COLUMNS[key], GROUPS[key]
        count, width = len(values) // varying, len(columns)
        whole: Flat = [None] * (count * width)
        for n, name in enumerate(columns):
            if name in constants:
                whole[n::width] = [constants[name]] * count
            else:
                whole[n::width] = values[names.index(name) :: varying]
        full.setdefault(table, []).extend(whole)
    return full


# The presence change that live routing writes with a journal event, in the same step.
PRESENCE_AFTER: dict[Value, str] = {  # keyed by the journal row's `type`, as stored
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


def derived_presence(events: Flat) -> Flat:
    """The flat presence rows that follow from flat journal rows (`PRESENCE_AFTER`).

    The generator leaves them out: the writer derives them where the journal is written,
    on SQLite in SQL, which costs less than binding the same rows one value at a time.
    """
    width, at_id = len(COLUMNS["call_event"]), _EVENT["id"]
    at_type, at_at, at_adviser = _EVENT["type"], _EVENT["at"], _EVENT["adviser_id"]
    rows: Flat = []
    for start in range(0, len(events), width):
        presence = PRESENCE_AFTER.get(events[start + at_type])
        if presence:
            rows += (
                presence_id(cast(str, events[start + at_id])),
                events[start + at_adviser],
                presence,
                None,
                events[start + at_at],
            )
    return rows
