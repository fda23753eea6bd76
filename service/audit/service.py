"""The audit trail: written in the transaction of the change it records, and read back.

Changes are recorded by a flush hook, so that no use case can forget to: whatever a
request's session writes to an audited table is on record with the same commit, one row
per record changed. Only requests and the commands an operator runs are recorded (their
session carries who acts); the routing timer's own bookkeeping is not.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.audit import registry
from service.audit.models import AuditEvent
from service.auth.models import Principal
from service.pagination import DEFAULT_LIMIT, cut, decode_cursor, encode_cursor

# Lists stored as rows of their own: the record's field each relationship holds.
LISTS = {
    "issue_category_links": "issue_categories",
    "advice_links": "advice",
    "line_links": "lines",
    "language_links": "languages",
    "expertise_links": "expertise",
}
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at", "last_used_at"})
# Who acts when nobody signed in: an operator's command on the server, such as
# `hotline token create`. Set with `act_as_system`; the role column says "system".
SYSTEM_ROLE = "system"


def act_as_system(session: Session, *, subject: str, now: datetime) -> None:
    """Put what this session changes on record as the system's work, named `subject`."""
    session.info["system"] = subject
    session.info["now"] = now


def record(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: str | None,
    fields: Iterable[str] | None = None,
    result: str = "ok",
) -> AuditEvent:
    """Add one audit row for the session's principal; committed with the session's work."""
    principal: Principal | None = session.info.get("principal")
    system: str | None = None if principal else session.info.get("system")
    event = AuditEvent(
        adviser_id=principal.adviser_id if principal else None,
        token_id=principal.token_id if principal else None,
        subject=principal.subject if principal else system,
        role=principal.role.value if principal else (SYSTEM_ROLE if system else None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        fields=sorted(fields) if fields is not None else None,
        client_ip=session.info.get("client_ip"),
        result=result,
    )
    now: datetime | None = session.info.get("now")
    if now is not None:  # the request's or the run's now; else the model's clock
        event.at = now
    session.add(event)
    return event


class ReadCall(Protocol):
    """A call as read: the stored row, or the public view of it that a route returns."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def notes(self) -> str | None: ...


class ReadEvent(Protocol):
    """A step of a call's journal as read."""

    @property
    def reason(self) -> str | None: ...


def note_read(session: Session, *, call_id: uuid.UUID, fields: Iterable[str] = ("notes",)) -> None:
    """Add a `call.read` row: the principal is shown these free-text fields of the call.

    Uncommitted, for an answer that also changes something: both commit together.
    """
    record(session, action="call.read", object_type="call", object_id=str(call_id), fields=fields)


def record_reads(*, session: Session, calls: Iterable[ReadCall]) -> None:
    """Record that the principal read these calls' notes, and commit."""
    for call in calls:
        if call.notes is not None:
            note_read(session, call_id=call.id)
    session.commit()


def record_event_reads(
    *, session: Session, call_id: uuid.UUID, events: Iterable[ReadEvent]
) -> None:
    """Record that the principal read the reasons in a call's journal, if any, and commit."""
    if any(event.reason is not None for event in events):
        note_read(session, call_id=call_id, fields=["events.reason"])
    session.commit()


class ReadAdviser(Protocol):
    """An adviser as read, with the reason given for their presence (free text)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def presence_reason(self) -> str | None: ...


def record_adviser_reads(*, session: Session, advisers: Iterable[ReadAdviser]) -> None:
    """Record that the principal read these advisers' presence reasons, and commit."""
    for adviser in advisers:
        if getattr(adviser, "presence_reason", None) is not None:
            record(
                session,
                action="adviser.read",
                object_type="adviser",
                object_id=str(adviser.id),
                fields=["presence_reason"],
            )
    session.commit()


def record_presence_reads(
    *, session: Session, adviser_id: uuid.UUID, events: Iterable[ReadEvent]
) -> None:
    """Record that the principal read the reasons in an adviser's presence history, if any."""
    if any(event.reason is not None for event in events):
        record(
            session,
            action="adviser.read",
            object_type="adviser",
            object_id=str(adviser_id),
            fields=["presence.reason"],
        )
    session.commit()


def list_events(
    *,
    session: Session,
    adviser_id: uuid.UUID | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: uuid.UUID | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> tuple[list[AuditEvent], str | None]:
    """One page of the audit rows matching every filter given, newest first (ids are
    time-ordered, so the page is cut by id), and the cursor of the next (None on the last)."""
    query = select(AuditEvent)
    conditions: list[Any] = [
        column == value
        for column, value in (
            (AuditEvent.adviser_id, adviser_id),
            (AuditEvent.action, action),
            (AuditEvent.object_type, object_type),
            (AuditEvent.object_id, object_id),
        )
        if value is not None
    ]
    if since is not None:
        conditions.append(AuditEvent.at >= since)
    if until is not None:
        conditions.append(AuditEvent.at < until)
    if before is not None:
        conditions.append(AuditEvent.id < before)
    if cursor is not None:
        conditions.append(AuditEvent.id < decode_cursor(cursor).id)
    query = query.where(*conditions).order_by(col(AuditEvent.id).desc()).limit(limit + 1)
    events = list(session.exec(query).all())
    return cut(events, limit, lambda last: encode_cursor(at=last.at, id=last.id))


def _changes(session: Session) -> dict[tuple[str, str], tuple[str, set[str]]]:
    """(object type, id) -> (action, fields) for what the coming flush writes."""
    found: dict[tuple[str, str], tuple[str, set[str]]] = {}

    def note(kind: str, object_id: Any, action: str, fields: Iterable[str]) -> None:
        key = (kind, str(object_id))
        old_action, old_fields = found.get(key, (action, set()))
        found[key] = (_strongest(old_action, action), old_fields | set(fields))

    for obj, action in [
        *((o, "create") for o in session.new),
        *((o, "update") for o in session.dirty),
        *((o, "delete") for o in session.deleted),
    ]:
        kind = registry.AUDITED.get(type(obj))
        if kind is not None:
            state = sa.inspect(obj)
            created = action == "create"
            changed = [
                attr.key
                for attr in state.attrs
                if attr.key in state.mapper.columns or attr.key in LISTS
                if (attr.value not in (None, []) if created else attr.history.has_changes())
            ]
            fields = [LISTS.get(name, name) for name in changed if name not in BOOKKEEPING]
            if action != "update" or fields:
                note(kind, registry.object_id(obj), action, fields)
        elif type(obj) in registry.PARTS and action == "update" and session.is_modified(obj):
            kind, parent, field = registry.PARTS[type(obj)]
            note(kind, getattr(obj, parent), "update", [field])
        elif type(obj) in registry.MEMBERS and (action != "update" or session.is_modified(obj)):
            kind, parent, field = registry.MEMBERS[type(obj)]
            note(kind, getattr(obj, parent), "update", [field])
    return found


def _strongest(*actions: str) -> str:
    # A record made or removed in this transaction is that, whatever else happened to it.
    return min(actions, key=("create", "delete", "update").index)


def _rows_so_far(session: Session) -> dict[tuple[str, str], AuditEvent]:
    """The change rows this transaction has added, by record.

    A use case flushes more than once (every query flushes first): without this, one
    request would leave a row per flush for the same record.
    """
    transaction = session.get_transaction()
    held = session.info.get("audit_rows")
    if held is None or held[0] is not transaction:
        held = session.info["audit_rows"] = (transaction, {})
    return held[1]


@sa.event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get("principal") is None and session.info.get("system") is None:
        return
    rows = _rows_so_far(session)
    for (kind, object_id), (action, fields) in _changes(session).items():
        row = rows.get((kind, object_id))
        # A row rolled back with a savepoint is gone: the change needs a row of its own.
        if row is not None and row in session:
            row.action = f"{kind}.{_strongest(row.action.removeprefix(f'{kind}.'), action)}"
            row.fields = sorted(set(row.fields or ()) | fields)
            continue
        rows[(kind, object_id)] = record(
            session,
            action=f"{kind}.{action}",
            object_type=kind,
            object_id=object_id,
            fields=fields,
        )
