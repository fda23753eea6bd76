"""Use cases of the call record: record, read, list and change calls."""

import uuid
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.advisers.models import Adviser
from service.calls import states
from service.calls.errors import CallIsLive, CallNotFound
from service.calls.filters import CallQuery
from service.calls.lifecycle import CallFacts, apply_requested_status, check_facts, derive_status
from service.calls.models import (
    NULLABLE_FIELDS,
    Call,
    CallAdvice,
    CallCodeLink,
    CallCreate,
    CallIssueCategory,
    CallPublic,
    CallStatus,
    CallUpdate,
    Direction,
)
from service.calls.repeat import number_key_or_none
from service.calls.states import Step
from service.config import Settings
from service.db import UTCDateTime
from service.errors import FieldProblem, ValidationFailed
from service.pagination import Page, decode_cursor, encode_cursor
from service.taxonomy import service as taxonomy_service
from service.taxonomy.service import CodeCheck

# Which code list each coded field of a call draws from.
_CODED_FIELDS = {"line": "line", "caller_type": "caller_type", "sector": "sector"}
_CODED_LISTS = {"issue_categories": "issue_category", "advice": "advice_type"}
_FACT_NAMES = [f.name for f in fields(CallFacts)]
# What only call actions may change while the desk drives a call.
LIFECYCLE_FIELDS = frozenset(
    {
        "status",
        "line",
        "direction",
        "received_at",
        "answered_at",
        "ended_at",
        "closed_at",
        "adviser_id",
    }
)


def get(*, session: Session, call_id: uuid.UUID) -> Call:
    """Return the call with this id, or raise CallNotFound."""
    call = session.get(Call, call_id)
    if call is None:
        raise CallNotFound(call_id)
    return call


def build(
    *,
    session: Session,
    settings: Settings,
    call_in: CallCreate,
    now: datetime,
    call_id: uuid.UUID | None = None,
) -> Call:
    """Check a new call and add it to the session, uncommitted, for a larger use case."""
    values = call_in.model_dump(exclude={"status"})
    facts, problems = apply_requested_status(
        _facts(values), call_in.status, closed_at_sent=call_in.closed_at is not None
    )
    values["closed_at"] = facts.closed_at
    status = derive_status(facts)
    if status is CallStatus.queued and values["adviser_id"] is not None:
        reason = "a live call is given to an adviser by routing; leave adviser_id out"
        problems.append(FieldProblem(field="adviser_id", reason=reason))
    problems += _check(
        session=session, settings=settings, facts=facts, values=values, old={}, now=now
    )
    problems += _origin_problems(session, values)
    if problems:
        raise ValidationFailed(problems)

    issue_categories = values.pop("issue_categories")
    advice = values.pop("advice")
    call = Call(**values, status=status, created_at=now, updated_at=now)
    call.callback_phone_key = number_key_or_none(settings.number_key, call.callback_phone)
    if call.origin_call_id is not None:
        # A callback is part of the case its origin call is part of.
        call.case_id = session.get_one(Call, call.origin_call_id).case_id
    if call_id is not None:
        call.id = call_id  # promised beforehand, e.g. to the request's Idempotency-Key
    _set_links(call, issue_categories=issue_categories, advice=advice)
    session.add(call)
    session.flush()
    return call


def is_live(call: Call) -> bool:
    """Whether the desk drives this call's life, so only call actions may move it on."""
    if call.status in {CallStatus.queued, CallStatus.assigned}:
        return True
    in_hand = call.status in {CallStatus.in_progress, CallStatus.wrap_up}
    return in_hand and call.adviser_id is not None


def apply_changes(
    *, session: Session, settings: Settings, call: Call, call_in: CallUpdate, now: datetime
) -> bool:
    """Check and apply a partial update, uncommitted; return whether anything changed."""
    changes = call_in.model_dump(exclude_unset=True)
    requested = changes.pop("status", None)
    cleared = [
        FieldProblem(field=name, reason="cannot be null")
        for name, value in changes.items()
        if value is None and name not in NULLABLE_FIELDS
    ]
    if cleared:
        raise ValidationFailed(cleared)
    old = _values(call)
    values = old | changes
    facts, problems = apply_requested_status(
        _facts(values), requested, closed_at_sent=changes.get("closed_at") is not None
    )
    values["closed_at"] = facts.closed_at
    problems += _check(
        session=session, settings=settings, facts=facts, values=values, old=old, now=now
    )
    if problems:
        raise ValidationFailed(problems)

    values["status"] = states.advance(call.status, Step.record, derived=derive_status(facts))
    if requested is None and is_live(call):
        # The timestamps cannot tell an offered call from a waiting one: only the desk's
        # actions move a live call on, so a change of its classification keeps its status.
        values["status"] = call.status
    if values == old | {"status": call.status}:
        return False
    for name, value in values.items():
        if name not in _CODED_LISTS:
            setattr(call, name, value)
    call.callback_phone_key = number_key_or_none(settings.number_key, call.callback_phone)
    _set_links(call, issue_categories=values["issue_categories"], advice=values["advice"])
    call.version += 1
    call.updated_at = now
    session.add(call)
    return True


def update(
    *, session: Session, settings: Settings, call: Call, call_in: CallUpdate, now: datetime
) -> Call:
    """Change a call's record; a live call's lifecycle moves only through call actions."""
    moved = call_in.model_fields_set & LIFECYCLE_FIELDS
    if moved and is_live(call):
        raise CallIsLive(call, fields=sorted(moved))
    if apply_changes(session=session, settings=settings, call=call, call_in=call_in, now=now):
        session.commit()
        session.refresh(call)
    return call


def list_calls(
    *, session: Session, query: CallQuery, scope: sa.ColumnElement[bool] | None = None
) -> Page[CallPublic]:
    """Return one page of calls matching the filters (and `scope`), newest first."""
    _check_filter_codes(session=session, query=query)
    statement = select(Call)
    if scope is not None:
        statement = statement.where(scope)
    if query.line is not None:
        statement = statement.where(Call.line == query.line)
    if query.status is not None:
        statement = statement.where(Call.status == query.status)
    if query.adviser_id is not None:
        statement = statement.where(Call.adviser_id == query.adviser_id)
    if query.caller_type is not None:
        statement = statement.where(Call.caller_type == query.caller_type)
    if query.sector is not None:
        statement = statement.where(Call.sector == query.sector)
    if query.issue_category is not None:
        statement = statement.where(
            sa.exists().where(
                col(CallIssueCategory.call_id) == Call.id,
                col(CallIssueCategory.code) == query.issue_category,
            )
        )
    if query.received_from is not None:
        statement = statement.where(Call.received_at >= query.received_from)
    if query.received_to is not None:
        statement = statement.where(Call.received_at < query.received_to)
    if query.cursor is not None:
        cursor = decode_cursor(query.cursor)
        after = sa.tuple_(sa.literal(cursor.at, UTCDateTime()), sa.literal(cursor.id, sa.Uuid()))
        statement = statement.where(sa.tuple_(Call.received_at, Call.id) < after)
    statement = statement.order_by(col(Call.received_at).desc(), col(Call.id).desc()).limit(
        query.limit + 1
    )

    calls = session.exec(statement).all()
    next_cursor = None
    if len(calls) > query.limit:
        calls = calls[: query.limit]
        last = calls[-1]
        next_cursor = encode_cursor(at=last.received_at, id=last.id)
    return Page[CallPublic](
        items=[CallPublic.from_call(call) for call in calls], next_cursor=next_cursor
    )


def _values(call: Call) -> dict[str, Any]:
    values = {name: getattr(call, name) for name in CallUpdate.model_fields if name != "status"}
    values["issue_categories"] = call.issue_categories
    values["advice"] = call.advice
    return values


def _facts(values: dict[str, Any]) -> CallFacts:
    return CallFacts(**{name: values[name] for name in _FACT_NAMES})


def _check(
    *,
    session: Session,
    settings: Settings,
    facts: CallFacts,
    values: dict[str, Any],
    old: dict[str, Any],
    now: datetime,
) -> list[FieldProblem]:
    phone_erased = (
        old.get("closed_at") is not None
        and bool(old.get("callback_requested"))
        and old.get("callback_phone") is None
    )
    problems = check_facts(
        facts,
        now=now,
        clock_skew=timedelta(seconds=settings.clock_skew_s),
        phone_erased=phone_erased,
    )
    adviser_id = values["adviser_id"]
    new_adviser = adviser_id is not None and adviser_id != old.get("adviser_id")
    if new_adviser and session.get(Adviser, adviser_id) is None:
        problems.append(FieldProblem(field="adviser_id", reason="no adviser has this id"))
    checks = [
        CodeCheck(list_name, name, [values[name]], [old[name]] if old.get(name) else [])
        for name, list_name in _CODED_FIELDS.items()
        if values[name] is not None
    ] + [
        CodeCheck(list_name, name, values[name], old.get(name, []), indexed=True)
        for name, list_name in _CODED_LISTS.items()
    ]
    return problems + taxonomy_service.check_codes(session=session, checks=checks)


def _origin_problems(session: Session, values: dict[str, Any]) -> list[FieldProblem]:
    origin_id = values["origin_call_id"]
    if origin_id is None:
        return []
    if values["direction"] != Direction.outbound:
        return [FieldProblem(field="origin_call_id", reason="only an outbound call calls back")]
    if session.get(Call, origin_id) is None:
        return [FieldProblem(field="origin_call_id", reason="no call has this id")]
    return []


def _check_filter_codes(*, session: Session, query: CallQuery) -> None:
    # Filtering by a retired code is fine: old calls carry it.
    checks = [
        CodeCheck(list_name, name, [code], already_used=[code], location="query")
        for name, list_name in (*_CODED_FIELDS.items(), ("issue_category", "issue_category"))
        if (code := getattr(query, name)) is not None
    ]
    problems = taxonomy_service.check_codes(session=session, checks=checks)
    if problems:
        raise ValidationFailed(problems)


def _set_links(call: Call, *, issue_categories: list[str], advice: list[str]) -> None:
    # Keep the link rows of codes that stay, so that reordering never deletes and reinserts
    # the same primary key in one flush.
    kept_categories = {link.code: link for link in call.issue_category_links}
    call.issue_category_links = [
        _positioned(kept_categories[code], index)
        if code in kept_categories
        else CallIssueCategory(call_id=call.id, code=code, position=index)
        for index, code in enumerate(issue_categories)
    ]
    kept_advice = {link.code: link for link in call.advice_links}
    call.advice_links = [
        _positioned(kept_advice[code], index)
        if code in kept_advice
        else CallAdvice(call_id=call.id, code=code, position=index)
        for index, code in enumerate(advice)
    ]


_Link = TypeVar("_Link", bound=CallCodeLink)


def _positioned(link: _Link, position: int) -> _Link:
    link.position = position
    return link
