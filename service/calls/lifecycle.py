"""The rules of a call record, as pure functions of its facts.

A recorded call's status follows from its timestamps; the checks here say which combinations
of facts are consistent. Nothing here touches the database, so every rule is unit-tested.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from service.errors import FieldProblem


class CallStatus(StrEnum):
    queued = "queued"
    assigned = "assigned"
    in_progress = "in_progress"
    wrap_up = "wrap_up"
    closed = "closed"
    abandoned = "abandoned"


@dataclass(frozen=True)
class CallFacts:
    received_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    closed_at: datetime | None = None
    caller_type: str | None = None
    sector: str | None = None
    issue_categories: Sequence[str] = field(default_factory=tuple)
    advice: Sequence[str] = field(default_factory=tuple)
    callback_requested: bool = False
    callback_phone: str | None = None


def derive_status(facts: CallFacts) -> CallStatus:
    """Return the status that a call with these timestamps is in."""
    if facts.closed_at is not None:
        return CallStatus.closed
    if facts.answered_at is None:
        return CallStatus.abandoned if facts.ended_at is not None else CallStatus.queued
    return CallStatus.in_progress if facts.ended_at is None else CallStatus.wrap_up


def apply_requested_status(
    facts: CallFacts, requested: CallStatus | None, *, closed_at_sent: bool = False
) -> tuple[CallFacts, list[FieldProblem]]:
    """Apply a status the client asked for, and say why it cannot be had if so.

    Closing sets `closed_at` to `ended_at` unless given, since a call recorded after the fact
    has no separately measured wrap-up. Asking for an earlier status reopens a closed record,
    unless the same request sends a `closed_at`, which contradicts it.
    """
    if requested is None:
        return facts, []
    if requested is not CallStatus.closed and closed_at_sent:
        reason = f"'{requested}' contradicts the closed_at sent with it, which closes the call"
        return facts, [_problem("status", reason)]
    if requested is CallStatus.closed:
        if facts.closed_at is None and facts.ended_at is not None:
            facts = replace(facts, closed_at=facts.ended_at)
        if facts.closed_at is None:
            return facts, [_problem("status", "a call can only be closed once it has ended")]
        return facts, []
    reopened = replace(facts, closed_at=None)
    derived = derive_status(reopened)
    if derived is not requested:
        reason = (
            f"status follows from the timestamps, which make this call '{derived}'; "
            f"'{requested}' cannot be set directly"
        )
        return facts, [_problem("status", reason)]
    return reopened, []


def check_facts(
    facts: CallFacts, *, now: datetime, clock_skew: timedelta, phone_erased: bool = False
) -> list[FieldProblem]:
    """Return every inconsistency in a call's facts; an empty list means it may be stored.

    `phone_erased`: the call was closed with a callback number that retention has since
    erased; the number was there when it mattered, and its absence must not lock the record.
    """
    problems: list[FieldProblem] = []
    latest_allowed = now + clock_skew
    for name in ("received_at", "answered_at", "ended_at", "closed_at"):
        value = getattr(facts, name)
        if value is not None and value > latest_allowed:
            problems.append(_problem(name, "is in the future"))

    if facts.answered_at is not None and facts.answered_at < facts.received_at:
        problems.append(_problem("answered_at", "must not be before received_at"))
    if facts.ended_at is not None:
        start, start_name = (
            (facts.answered_at, "answered_at")
            if facts.answered_at is not None
            else (facts.received_at, "received_at")
        )
        if facts.ended_at < start:
            problems.append(_problem("ended_at", f"must not be before {start_name}"))

    if facts.callback_phone is not None and not facts.callback_requested:
        problems.append(_problem("callback_phone", "only allowed when a callback is requested"))

    if facts.closed_at is not None:
        problems.extend(_closing_problems(facts, phone_erased=phone_erased))
    return problems


def _closing_problems(facts: CallFacts, *, phone_erased: bool) -> list[FieldProblem]:
    if facts.answered_at is None:
        reason = "an unanswered call cannot be closed (it is abandoned or still waiting)"
        return [_problem("closed_at", reason)]
    problems = []
    if facts.ended_at is None:
        problems.append(_problem("ended_at", "required to close the call"))
    elif facts.closed_at is not None and facts.closed_at < facts.ended_at:
        problems.append(_problem("closed_at", "must not be before ended_at"))
    for name in ("caller_type", "sector"):
        if getattr(facts, name) is None:
            problems.append(_problem(name, "required to close the call"))
    if not facts.issue_categories:
        problems.append(_problem("issue_categories", "at least one is required to close the call"))
    if not facts.advice:
        problems.append(_problem("advice", "at least one is required to close the call"))
    if facts.callback_requested and facts.callback_phone is None and not phone_erased:
        problems.append(_problem("callback_phone", "required to close a call with a callback"))
    return problems


def _problem(name: str, reason: str) -> FieldProblem:
    return FieldProblem(field=name, reason=reason)
