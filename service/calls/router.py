import uuid
from typing import Annotated

from fastapi import Body, Header, Query, Response

from service import api
from service.audit import service as audit_service
from service.auth.dependencies import (
    SIGNED_IN,
    CurrentPrincipal,
    ensure_acting_as_self,
    ensure_adviser_may_set,
    ensure_telephony_may_change,
    ensure_telephony_posts_live,
)
from service.auth.models import Role
from service.calls import desk as desk_service
from service.calls import reach, states
from service.calls import related as related_service
from service.calls import service as calls_service
from service.calls.dependencies import CallDep
from service.calls.filters import CallQuery
from service.calls.models import CALL_CREATE_EXAMPLES, CallCreate, CallPublic, CallUpdate
from service.calls.related import CallWithContacts, RelatedContacts
from service.clock import ClockDep, NowDep
from service.config import SettingsDep
from service.db import SessionDep, commit_keeping_loaded
from service.errors import problem_responses
from service.etag import check_if_match, etag
from service.idempotency.dependencies import IdempotencyDep
from service.ids import uuid7
from service.pagination import NoQuery, Page

ETAG_HEADER = {
    "ETag": {
        "description": "The call's version; send it back as `If-Match` to change this copy only.",
        "schema": {"type": "string"},
    }
}
CREATED_HEADERS = ETAG_HEADER | {
    "Location": {"description": "The new call: `/calls/{id}`.", "schema": {"type": "string"}}
}

router = api.router(
    prefix="/calls",
    tags=["calls"],
    dependencies=[SIGNED_IN],
    responses=problem_responses(401, 403),
)


# A waiting call: what may still be abandoned, and whose priority the phone system sets.
WAITING = states.TRANSITIONS[states.Step.abandon].starts


def _live(call_in: CallCreate) -> bool:
    """A live call joins the queue: no answer and no end yet (routing picks its adviser)."""
    return call_in.answered_at is None and call_in.ended_at is None


@router.post(
    "",
    openapi_extra=api.AUDITED_READ | api.BY_KEY,
    response_model=CallWithContacts,
    status_code=201,
    summary="Record a call",
    description="Record a live call (no `answered_at`: it waits in the queue) or a call "
    "recorded after the fact. The status follows from the timestamps; `related` is the "
    "repeat contact (as `GET /calls/{id}/related` answers), so the adviser can join an "
    "existing case. Send an "
    "`Idempotency-Key` to make retries safe: a retry with the same key and body gets the "
    "original answer and records nothing; the same key with another body is 422. The phone "
    "system's token (telephony) posts live calls only, naming no adviser (403 otherwise).",
    responses=problem_responses(409, 422) | {201: {"headers": CREATED_HEADERS}},
)
def create_call(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    call_in: Annotated[CallCreate, Body(openapi_examples=CALL_CREATE_EXAMPLES)],
    response: Response,
    clock: ClockDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    idem: IdempotencyDep,
) -> CallWithContacts:
    ensure_acting_as_self(principal, call_in.adviser_id)
    sent = call_in.model_dump(include=call_in.model_fields_set)
    ensure_adviser_may_set(principal, sent)
    ensure_telephony_posts_live(principal, sent)
    if principal.role == Role.adviser and call_in.adviser_id is None and not _live(call_in):
        # Recorded after the fact by an adviser: theirs, or they could not read it back.
        call_in = call_in.model_copy(update={"adviser_id": principal.adviser_id})
    call = idem.replayed(
        lambda call_id: calls_service.get(session=session, call_id=uuid.UUID(call_id))
    )
    if call is None:
        call_id = uuid7()
        idem.will_answer(status=201, object_id=call_id)
        call = desk_service.intake(
            session=session, call_in=call_in, clock=clock, settings=settings, call_id=call_id
        )
    else:
        # A replay answers with the call as it is now, notes others wrote since included.
        audit_service.record_reads(session=session, calls=[call])
    response.headers["Location"] = f"/calls/{call.id}"
    response.headers["ETag"] = etag(call)
    return CallWithContacts.of(session, call)


@router.get(
    "",
    openapi_extra=api.AUDITED_READ,
    response_model=Page[CallPublic],
    status_code=200,
    summary="List calls, newest first",
    description="Filters combine with AND. Pass `next_cursor` back as `cursor` for the next "
    "page; it is null on the last page. An adviser sees the calls they handle or handled "
    "and the waiting ones.",
    responses=problem_responses(422),
)
def list_calls(
    session: SessionDep, query: Annotated[CallQuery, Query()], principal: CurrentPrincipal
) -> Page[CallPublic]:
    scope = None
    if principal.role == Role.adviser:
        scope = reach.adviser_may_see(principal.adviser_id)
    page = calls_service.list_calls(session=session, query=query, scope=scope)
    audit_service.record_reads(session=session, calls=page.items)
    return page


@router.get(
    "/{call_id}",
    openapi_extra=api.AUDITED_READ,
    response_model=CallPublic,
    status_code=200,
    summary="Read a call",
    responses=problem_responses(404, 422) | {200: {"headers": ETAG_HEADER}},
)
def read_call(
    session: SessionDep, call: CallDep, response: Response, _: Annotated[NoQuery, Query()]
) -> CallPublic:
    audit_service.record_reads(session=session, calls=[call])
    response.headers["ETag"] = etag(call)
    return CallPublic.from_call(call)


@router.get(
    "/{call_id}/related",
    response_model=RelatedContacts,
    status_code=200,
    summary="Repeat contact: the call's earlier calls and open cases",
    description="The earlier calls from the same callback number, matched by a keyed hash "
    "of the number, or in a case of the same workplace (the CVR number of this call's case), "
    "received within 90 days before this one, newest first, at most 20; and the open or "
    "waiting cases that they or this call belong to, or that share the CVR number of this "
    "call's case, so the adviser can join an existing case. A call without a number matches "
    "nothing by number. Only the minimal facts are shown (ids, times, line, status; a case's "
    "reference, status and owner): no notes, summaries or titles, so the answer is no "
    "recorded read. The answer of `POST /calls` and the calls in hand of `GET "
    "/advisers/{id}/calls` carry the same as `related`.",
    responses=problem_responses(404, 422),
)
def related_contacts(
    session: SessionDep, call: CallDep, _: Annotated[NoQuery, Query()]
) -> RelatedContacts:
    return related_service.related(session=session, call=call)


@router.patch(
    "/{call_id}",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=CallPublic,
    status_code=200,
    summary="Change a call",
    description="Only the fields sent change; a list replaces the stored list; null clears "
    "an optional field. Send `status: closed` to close the record. An adviser may change a "
    "call until `HOTLINE_ADVISER_EDIT_HOURS` (24) after it was closed; then only a supervisor. "
    "Send the `ETag` you read as `If-Match` to be sure nobody changed the call meanwhile "
    "(412 if someone did); without `If-Match` the change is made regardless. The phone "
    "system's token (telephony) may send `priority` alone, while the call waits (403 otherwise).",
    responses=problem_responses(404, 409, 412, 422) | {200: {"headers": ETAG_HEADER}},
)
def update_call(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    call: CallDep,
    call_in: CallUpdate,
    now: NowDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> CallPublic:
    if if_match is not None:
        # Held until the commit, so that no other change slips in between check and write.
        session.refresh(call, with_for_update=True)
        check_if_match(call, if_match, noun="call")
    changes = call_in.model_dump(exclude_unset=True)
    ensure_telephony_may_change(principal, changes, waiting=call.status in WAITING)
    reach.ensure_may_change(principal, call.closed_at, now, changes, settings)
    current = {"direction": call.direction, "priority": call.priority}
    ensure_adviser_may_set(principal, call_in.model_dump(exclude_unset=True), current)
    if "adviser_id" in call_in.model_fields_set:
        ensure_acting_as_self(principal, call_in.adviser_id)
    # The answer carries the notes: a read, committed with the change (or alone, if none).
    notes = call_in.notes if "notes" in call_in.model_fields_set else call.notes
    if notes is not None:
        audit_service.note_read(session, call_id=call.id)
    call = calls_service.update(
        session=session, settings=settings, call=call, call_in=call_in, now=now
    )
    commit_keeping_loaded(session)
    response.headers["ETag"] = etag(call)
    return CallPublic.from_call(call)
