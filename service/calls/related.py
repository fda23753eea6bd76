"""Repeat contact: a call's earlier calls from the same callback number or the same workplace
(the CVR number of its case), and the open or waiting cases they, the call itself or its
workplace belong to."""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from service.calls.models import Call, CallPublic, CallStatus, Direction
from service.calls.repeat import RELATED_CALLS_LIMIT, RELATED_DAYS

# The cases domain sits above this one (it imports calls), so its table is named here by
# the few columns read, as the schema (migration 0007) has them.
_CASE = sa.table(
    "case_file",
    sa.column("id", sa.Uuid()),
    sa.column("reference", sa.String()),
    sa.column("line", sa.String()),
    sa.column("status", sa.String()),
    sa.column("owner_adviser_id", sa.Uuid()),
    sa.column("workplace_cvr", sa.String()),
    sa.column("created_at", sa.DateTime()),
)
_LIVE_CASE = ("open", "waiting")


class RelatedCall(BaseModel):
    """An earlier call from the same number: when, where and how far it got; no notes."""

    id: uuid.UUID
    received_at: datetime
    line: str
    direction: Direction
    status: CallStatus
    case_id: uuid.UUID | None


class RelatedCase(BaseModel):
    """An open or waiting case the adviser might join: no summary, notes or workplace."""

    id: uuid.UUID
    reference: str
    line: str
    status: str
    owner_adviser_id: uuid.UUID | None


class RelatedContacts(BaseModel):
    calls: list[RelatedCall]
    cases: list[RelatedCase]


class CallWithContacts(CallPublic):
    """A call as it is recorded or offered, with its repeat contact beside it."""

    related: RelatedContacts = Field(
        description="What `GET /calls/{id}/related` answers for this call: the earlier calls "
        "from its number and the open or waiting cases the adviser might join."
    )

    @classmethod
    def of(cls, session: Session, call: Call) -> "CallWithContacts":
        public = dict(CallPublic.from_call(call))
        return cls.model_validate(public | {"related": related(session=session, call=call)})


def related(*, session: Session, call: Call) -> RelatedContacts:
    """Return the call's earlier calls by number or workplace (90 days, newest first) and
    the live cases the adviser might join."""
    own_cvr = None
    if call.case_id is not None:
        own_cvr = session.execute(
            sa.select(_CASE.c.workplace_cvr).where(_CASE.c.id == call.case_id)
        ).scalar_one_or_none()
    same: list[sa.ColumnElement[bool]] = []
    if call.callback_phone_key is not None:
        same.append(col(Call.callback_phone_key) == call.callback_phone_key)
    if own_cvr is not None:
        # Calls in a case of the same workplace: another employee of it, or its manager.
        same.append(
            col(Call.case_id).in_(sa.select(_CASE.c.id).where(_CASE.c.workplace_cvr == own_cvr))
        )
    earlier: list[Call] = []
    if same:
        since = call.received_at - timedelta(days=RELATED_DAYS)
        earlier = list(
            session.exec(
                select(Call)
                .where(
                    sa.or_(*same),
                    col(Call.received_at) < call.received_at,
                    col(Call.received_at) >= since,
                    col(Call.id) != call.id,
                )
                .order_by(col(Call.received_at).desc(), col(Call.id).desc())
                .limit(RELATED_CALLS_LIMIT)
            )
        )
    case_ids = {c.case_id for c in [call, *earlier] if c.case_id is not None}
    conditions: list[sa.ColumnElement[bool]] = []
    if case_ids:
        conditions.append(_CASE.c.id.in_(case_ids))
    if own_cvr is not None:
        conditions.append(_CASE.c.workplace_cvr == own_cvr)
    cases = []
    if conditions:
        cases = list(
            session.execute(
                sa.select(
                    _CASE.c.id,
                    _CASE.c.reference,
                    _CASE.c.line,
                    _CASE.c.status,
                    _CASE.c.owner_adviser_id,
                )
                .where(sa.or_(*conditions), _CASE.c.status.in_(_LIVE_CASE))
                .order_by(_CASE.c.created_at.desc(), _CASE.c.id.desc())
            ).mappings()
        )
    return RelatedContacts(
        calls=[RelatedCall.model_validate(c, from_attributes=True) for c in earlier],
        cases=[RelatedCase.model_validate(dict(c)) for c in cases],
    )
