import uuid
from collections.abc import Iterable
from typing import Annotated

from fastapi import Header, Query, Response

from service import api
from service.advisers import service as advisers_service
from service.advisers.dependencies import AdviserDep
from service.advisers.models import (
    Adviser,
    AdviserCreate,
    AdviserListed,
    AdviserPublic,
    AdviserQuery,
    AdviserUpdate,
)
from service.audit import service as audit_service
from service.auth.dependencies import ADMINS, SIGNED_IN, CurrentPrincipal
from service.auth.models import Principal, Role
from service.clock import NowDep
from service.db import SessionDep
from service.errors import problem_responses
from service.etag import check_if_match, etag
from service.idempotency.dependencies import IdempotencyDep
from service.ids import uuid7
from service.pagination import NEXT_CURSOR_RESPONSE, NoQuery, send_next_cursor

router = api.router(
    prefix="/advisers",
    tags=["advisers"],
    dependencies=[SIGNED_IN],
    responses=problem_responses(401, 403),
)


@router.post(
    "",
    openapi_extra=api.AUDITED_READ | api.BY_KEY,
    response_model=AdviserPublic,
    status_code=201,
    summary="Register an adviser (admins)",
    dependencies=[ADMINS],
    description="The e-mail address is stored lower-case and must be unique regardless of "
    "case. A new adviser is `offline` until they change their presence.",
    responses=problem_responses(409, 422),
)
def create_adviser(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    adviser_in: AdviserCreate,
    response: Response,
    idem: IdempotencyDep,
    now: NowDep,
) -> AdviserPublic:
    adviser = idem.replayed(
        lambda adviser_id: advisers_service.get(session=session, adviser_id=uuid.UUID(adviser_id))
    )
    if adviser is None:
        adviser_id = uuid7()
        idem.will_answer(status=201, object_id=adviser_id)
        adviser = advisers_service.create(
            session=session, adviser_in=adviser_in, now=now, adviser_id=adviser_id
        )
    response.headers["Location"] = f"/advisers/{adviser.id}"
    response.headers["ETag"] = etag(adviser)
    return advisers_service.to_public(adviser)


@router.get(
    "",
    openapi_extra=api.AUDITED_READ,
    response_model=list[AdviserPublic | AdviserListed],
    status_code=200,
    summary="List advisers by name",
    description="Filters combine with AND. `line` lists the advisers who serve that line. "
    "An adviser sees their colleagues as a desk needs them (name, lines, languages, "
    "presence), themselves in full. "
    "Pages of `limit` (default 50, at most 500): pass the `Next-Cursor` header back as "
    "`cursor` for the next page; it is absent on the last page.",
    responses=NEXT_CURSOR_RESPONSE | problem_responses(422),
)
def list_advisers(
    session: SessionDep,
    query: Annotated[AdviserQuery, Query()],
    response: Response,
    principal: CurrentPrincipal,
) -> list[AdviserPublic | AdviserListed]:
    advisers, next_cursor = advisers_service.list_advisers(
        session=session,
        active=query.active,
        line=query.line,
        presence=query.presence,
        limit=query.limit,
        cursor=query.cursor,
    )
    send_next_cursor(response, next_cursor)
    shown = [_as_seen_by(principal, adviser) for adviser in advisers]
    audit_service.record_adviser_reads(session=session, advisers=_in_full(shown))
    return shown


@router.get(
    "/{adviser_id}",
    openapi_extra=api.AUDITED_READ,
    response_model=AdviserPublic | AdviserListed,
    status_code=200,
    summary="Read an adviser",
    description="An adviser reads a colleague as the directory shows them, themselves in full.",
    responses=problem_responses(404, 422),
)
def read_adviser(
    session: SessionDep,
    adviser: AdviserDep,
    response: Response,
    _: Annotated[NoQuery, Query()],
    principal: CurrentPrincipal,
) -> AdviserPublic | AdviserListed:
    response.headers["ETag"] = etag(adviser)
    shown = _as_seen_by(principal, adviser)
    audit_service.record_adviser_reads(session=session, advisers=_in_full([shown]))
    return shown


def _as_seen_by(principal: Principal, adviser: Adviser) -> AdviserPublic | AdviserListed:
    if principal.role == Role.adviser and principal.adviser_id != adviser.id:
        return AdviserListed.model_validate(advisers_service.to_public(adviser).model_dump())
    return advisers_service.to_public(adviser)


def _in_full(shown: Iterable[AdviserPublic | AdviserListed]) -> list[AdviserPublic]:
    # Only an adviser shown in full shows a presence reason, the read on record.
    return [adviser for adviser in shown if isinstance(adviser, AdviserPublic)]


@router.patch(
    "/{adviser_id}",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=AdviserPublic,
    status_code=200,
    summary="Change an adviser",
    dependencies=[ADMINS],
    description="Only the fields sent change; a list replaces the stored list; no field can "
    "be set to null. Presence is not changed here. Send the `ETag` you read as `If-Match` to "
    "be sure nobody changed the adviser meanwhile (412 if someone did).",
    responses=problem_responses(404, 409, 412, 422),
)
def update_adviser(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    adviser: AdviserDep,
    adviser_in: AdviserUpdate,
    response: Response,
    now: NowDep,
    if_match: Annotated[str | None, Header()] = None,
) -> AdviserPublic:
    if if_match is not None:
        # Held until the commit, so that no other change slips in between check and write.
        session.refresh(adviser, with_for_update=True)
        check_if_match(adviser, if_match, noun="adviser")
    adviser = advisers_service.update(
        session=session, adviser=adviser, adviser_in=adviser_in, now=now
    )
    response.headers["ETag"] = etag(adviser)
    public = advisers_service.to_public(adviser)
    audit_service.record_adviser_reads(session=session, advisers=[public])
    return public
