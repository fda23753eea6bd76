"""`/cases`: open, read, change and list cases; their actions; the calls that belong to them."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Body, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from service import api
from service.auth.dependencies import SIGNED_IN, SUPERVISORS, CurrentPrincipal
from service.auth.models import Principal, Role
from service.cases import actions
from service.cases import service as cases_service
from service.cases.dependencies import ActorDep, AddingDep, CaseDep, reachable
from service.cases.filters import CaseQuery
from service.cases.models import (
    CallLink,
    Case,
    CaseClosing,
    CaseCreate,
    CaseMerge,
    CasePublic,
    CaseUpdate,
    CaseWaiting,
)
from service.clock import NowDep
from service.db import SessionDep
from service.errors import problem_responses
from service.etag import etag
from service.idempotency.dependencies import IdempotencyDep, Replayed
from service.pagination import NoQuery, Page, audited_listing

ETAG_HEADER = {
    "ETag": {
        "description": "The case's version; send it back as `If-Match` to change this copy only.",
        "schema": {"type": "string"},
    }
}
CaseIfMatch = Annotated[
    str | None,
    Header(description="The case's `ETag` as you read it: 412, and nothing done, if it changed."),
]
CHANGE_ERRORS = problem_responses(404, 409, 412, 422) | {200: {"headers": ETAG_HEADER}}

router = api.router(
    prefix="/cases", tags=["cases"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403)
)


def answer(session: SessionDep, case: Case, response: Response) -> CasePublic:
    """The case as it is now, with its ETag; its free text is shown, so it is a recorded read."""
    response.headers["ETag"] = etag(case)
    public = cases_service.public(session=session, case=case)
    cases_service.record_reads(session=session, cases=[public])
    return public


def case_action_idempotency(session: SessionDep, idem: IdempotencyDep, case: CaseDep) -> None:
    """A retried action is answered with the case as it is now, and changes nothing."""
    idem.look_up()
    if idem.replay:
        public = cases_service.public(session=session, case=case)
        cases_service.record_reads(session=session, cases=[public])
        body = public.model_dump(mode="json")
        raise Replayed(JSONResponse(body, headers={"ETag": etag(case)}))
    if idem.record is not None:
        idem.record.status, idem.record.object_id = 200, str(case.id)


IDEMPOTENT = Depends(case_action_idempotency)


@router.post(
    "",
    openapi_extra=api.AUDITED_READ | api.BY_KEY,
    response_model=CasePublic,
    status_code=201,
    summary="Open a case",
    description="Open a case on its own or from calls (`call_ids`, each in no other case). An "
    "adviser who opens a case owns it unless `owner_adviser_id` names another. The reference "
    "(`2026-00042`) is counted per year. An `Idempotency-Key` makes a retry safe.",
    responses=problem_responses(409, 422)
    | {201: {"headers": ETAG_HEADER | {"Location": {"schema": {"type": "string"}}}}},
)
def create_case(adding: AddingDep, case_in: CaseCreate, response: Response) -> CasePublic:
    session = adding.session

    def open_case(case_id: uuid.UUID) -> Case:
        opener = cases_service.Opener(adding.actor, adding.own_adviser, adding.now)
        return cases_service.create(
            session=session,
            settings=adding.settings,
            case_in=case_in,
            opener=opener,
            case_id=case_id,
        )

    case = adding.once(lambda key: cases_service.get(session=session, case_id=key), open_case)
    response.headers["Location"] = f"/cases/{case.id}"
    return answer(session, case, response)


@audited_listing(
    router,
    "",
    CasePublic,
    summary="List cases, newest first",
    description="Filters combine with AND. Pass `next_cursor` back as `cursor` for the next "
    "page. An adviser sees the open and waiting cases they own, have a task in or handled a "
    "call of.",
)
def list_cases(
    session: SessionDep,
    query: Annotated[CaseQuery, Query()],
    principal: CurrentPrincipal,
    now: NowDep,
) -> Page[CasePublic]:
    scope = None
    if principal.role == Role.adviser:
        scope = cases_service.adviser_may_see(principal.adviser_id)
    page = cases_service.list_cases(session=session, query=query, now=now, scope=scope)
    cases_service.record_reads(session=session, cases=page.items)
    return page


@router.get(
    "/{case_id}",
    openapi_extra=api.AUDITED_READ,
    response_model=CasePublic,
    status_code=200,
    summary="Read a case",
    responses=problem_responses(404, 422) | {200: {"headers": ETAG_HEADER}},
)
def read_case(
    session: SessionDep, case: CaseDep, response: Response, _: Annotated[NoQuery, Query()]
) -> CasePublic:
    return answer(session, case, response)


@router.patch(
    "/{case_id}",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=CasePublic,
    status_code=200,
    summary="Change a case's record",
    description="Only the fields sent change; the status moves by the actions (close, wait, "
    "resume, reopen). Send the case's `ETag` as `If-Match` to change only the copy you read.",
    responses=CHANGE_ERRORS,
)
def update_case(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    case: CaseDep,
    case_in: CaseUpdate,
    response: Response,
    now: NowDep,
    if_match: CaseIfMatch = None,
) -> CasePublic:
    case = cases_service.update(
        session=session, case=case, case_in=case_in, if_match=if_match, now=now
    )
    return answer(session, case, response)


CaseRoute = Callable[..., CasePublic]


def action_route(
    path: str, *, summary: str, description: str, supervisors_only: bool = False
) -> Callable[[CaseRoute], CaseRoute]:
    """`POST /cases/{id}/<path>`: an idempotent step of the case, answered with the case."""
    dependencies = [SUPERVISORS, IDEMPOTENT] if supervisors_only else [IDEMPOTENT]
    return router.post(
        f"/{{case_id}}/{path}",
        openapi_extra=api.AUDITED_READ | api.BY_KEY,
        dependencies=dependencies,
        response_model=CasePublic,
        status_code=200,
        summary=summary,
        description=description + " An `Idempotency-Key` makes a retry safe; send the "
        "case's `ETag` as `If-Match` to act only on the copy you read.",
        responses=CHANGE_ERRORS,
    )


@dataclass(frozen=True)
class CaseRequest:
    """What every step of a case starts from: the case, who asks, when, the copy it was read
    from (`If-Match`), and the response that carries the new ETag."""

    session: Session
    principal: Principal
    change: actions.Change
    response: Response

    def answer(self, case: Case) -> CasePublic:
        """The case after the step, with its new ETag."""
        return answer(self.session, case, self.response)


def case_request(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    case: CaseDep,
    principal: CurrentPrincipal,
    actor: ActorDep,
    response: Response,
    now: NowDep,
    if_match: CaseIfMatch = None,
) -> CaseRequest:
    change = actions.Change(case=case, actor=actor, now=now, if_match=if_match)
    return CaseRequest(session, principal, change, response)


CaseRequestDep = Annotated[CaseRequest, Depends(case_request)]


@action_route(
    "close",
    summary="Close a case with its outcome",
    description="Needs an `outcome` from the `case_outcome` code list. Open tasks block the "
    "close (409 naming them in `open_task_ids`) unless `cancel_open_tasks` cancels them.",
)
def close_case(step: CaseRequestDep, closing: CaseClosing) -> CasePublic:
    return step.answer(actions.close(session=step.session, change=step.change, closing=closing))


@action_route(
    "wait",
    summary="Put a case to wait on the caller or a third party",
    description="`waiting_for` says whose move it is.",
)
def wait_case(step: CaseRequestDep, waiting: CaseWaiting) -> CasePublic:
    case = actions.wait(session=step.session, change=step.change, waiting_for=waiting.waiting_for)
    return step.answer(case)


@action_route("resume", summary="Open a waiting case again", description="No body.")
def resume_case(step: CaseRequestDep) -> CasePublic:
    return step.answer(actions.resume(session=step.session, change=step.change))


@action_route(
    "reopen",
    summary="Reopen a closed case (supervisors)",
    description="Its outcome is cleared; `previous_status` says it was closed.",
    supervisors_only=True,
)
def reopen_case(step: CaseRequestDep) -> CasePublic:
    role = step.principal.role.value
    return step.answer(actions.reopen(session=step.session, change=step.change, role=role))


@action_route(
    "merge",
    summary="Merge a case into another",
    description="The case named in `into` (open or waiting, one you may change) takes this "
    "case's calls, tasks, notes and referrals; this case stays as a tombstone, status "
    "`merged`, pointing at it in `merged_into_id`.",
)
def merge_case(step: CaseRequestDep, merging: CaseMerge) -> CasePublic:
    into = reachable(
        session=step.session, principal=step.principal, case_id=merging.into, field="into"
    )
    return step.answer(actions.merge(session=step.session, change=step.change, into=into))


LINK_EXAMPLES = {
    "link": {"summary": "Link a call", "value": {"call_id": "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"}}
}


@router.post(
    "/{case_id}/calls",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=CasePublic,
    status_code=200,
    summary="Make a call part of the case",
    description="A call is part of at most one case: 409 if it is part of another. Linking a "
    "call the case has already changes nothing.",
    responses=problem_responses(404, 409, 422),
)
def link_call(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    case: CaseDep,
    link: Annotated[CallLink, Body(openapi_examples=LINK_EXAMPLES)],
    actor: ActorDep,
    response: Response,
    now: NowDep,
) -> CasePublic:
    case = cases_service.link_call(
        session=session, case=case, call_id=link.call_id, actor=actor, now=now
    )
    return answer(session, case, response)


@router.delete(
    "/{case_id}/calls/{call_id}",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=CasePublic,
    status_code=200,
    summary="Take a call out of the case",
    responses=problem_responses(404, 422),
)
def unlink_call(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    case: CaseDep,
    call_id: uuid.UUID,
    actor: ActorDep,
    response: Response,
    now: NowDep,
) -> CasePublic:
    case = cases_service.unlink_call(
        session=session, case=case, call_id=call_id, actor=actor, now=now
    )
    return answer(session, case, response)
