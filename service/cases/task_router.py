"""Follow-up tasks of cases: `/cases/{id}/tasks` and the work list `/tasks`."""

import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from service import api
from service.auth.dependencies import SIGNED_IN, CurrentPrincipal, ensure_acting_as_self
from service.auth.models import Role
from service.cases import task_service
from service.cases.dependencies import ActorDep, AddingDep, CaseDep
from service.cases.models import Case, CaseTask
from service.cases.task_models import CaseTaskCreate, CaseTaskPublic, CaseTaskUpdate, TaskQuery
from service.clock import NowDep
from service.db import SessionDep
from service.errors import FieldProblem, ValidationFailed, problem_responses
from service.etag import etag
from service.pagination import NoQuery, Page, audited_listing

ETAG_HEADER = {
    "ETag": {
        "description": "The task's version; send it back as `If-Match` to change this copy only.",
        "schema": {"type": "string"},
    }
}
TaskIfMatch = Annotated[
    str | None,
    Header(description="The task's `ETag` as you read it: 412, and nothing done, if it changed."),
]

router = api.router(tags=["cases"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))


def answer(
    session: SessionDep, case: Case, task: CaseTask, response: Response, now: NowDep
) -> CaseTaskPublic:
    """The task as it is now, with its ETag; its note is shown, so it is a recorded read."""
    response.headers["ETag"] = etag(task)
    public = task_service.public(task=task, case_reference=case.reference, now=now)
    task_service.record_reads(session=session, tasks=[public])
    return public


@router.post(
    "/cases/{case_id}/tasks",
    openapi_extra=api.AUDITED_READ | api.BY_KEY,
    response_model=CaseTaskPublic,
    status_code=201,
    summary="Add a follow-up task to a case",
    description="Only on an open or waiting case (409 otherwise). `kind` is a code of the "
    "`task_kind` list; the task is the adviser's whose token adds it unless "
    "`assignee_adviser_id` names another. A `callback` with `callback_phone` becomes an "
    "outbound call of the case, queued for the line's next opening at or after `due_at`. The "
    "case's `follow_up_due_at` is its open tasks' earliest `due_at`. An `Idempotency-Key` "
    "makes a retry safe.",
    responses=problem_responses(404, 409, 422)
    | {201: {"headers": ETAG_HEADER | {"Location": {"schema": {"type": "string"}}}}},
)
def create_task(
    adding: AddingDep, case: CaseDep, task_in: CaseTaskCreate, response: Response
) -> CaseTaskPublic:
    session = adding.session

    def add(task_id: uuid.UUID) -> CaseTask:
        return task_service.create(
            session=session,
            settings=adding.settings,
            case=case,
            task_in=task_in,
            actor=adding.actor,
            acting_adviser_id=adding.own_adviser,
            now=adding.now,
            task_id=task_id,
        )

    task = adding.once(
        lambda task_id: task_service.get(session=session, case=case, task_id=task_id), add
    )
    response.headers["Location"] = f"/cases/{case.id}/tasks/{task.id}"
    return answer(session, case, task, response, adding.now)


@router.patch(
    "/cases/{case_id}/tasks/{task_id}",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=CaseTaskPublic,
    status_code=200,
    summary="Finish, cancel or change a task",
    description="Only the fields sent change. `state` `done` or `cancelled` is final: a done "
    "or cancelled task changes no more (409). A callback task's queued call stays queued when "
    "the task is cancelled or moved. Send the task's `ETag` as `If-Match` to change only the "
    "copy you read.",
    responses=problem_responses(404, 409, 412, 422) | {200: {"headers": ETAG_HEADER}},
)
def update_task(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    case: CaseDep,
    task_id: uuid.UUID,
    task_in: CaseTaskUpdate,
    response: Response,
    now: NowDep,
    actor: ActorDep,
    if_match: TaskIfMatch = None,
) -> CaseTaskPublic:
    task = task_service.update(
        session=session,
        case=case,
        task_id=task_id,
        task_in=task_in,
        actor=actor,
        if_match=if_match,
        now=now,
    )
    return answer(session, case, task, response, now)


@audited_listing(
    router,
    "/tasks",
    CaseTaskPublic,
    summary="The work list: tasks by due time",
    description="Earliest due first; filters combine with AND, and `state` defaults to "
    "`open`. An adviser sees their own tasks on the cases they may see (`assignee` `me`); "
    "supervisors and admins anyone's, or everyone's without `assignee`. Pass `next_cursor` "
    "back as `cursor` for the next page.",
)
def list_tasks(
    session: SessionDep,
    query: Annotated[TaskQuery, Query()],
    principal: CurrentPrincipal,
    now: NowDep,
) -> Page[CaseTaskPublic]:
    named = query.assignee_id()
    if named is None and principal.role == Role.adviser:
        named = "me"  # an adviser's list is their own
    assignee = principal.adviser_id if named == "me" else named
    if named == "me" and assignee is None:
        reason = "`me` needs the token of a person with an adviser record"
        raise ValidationFailed([FieldProblem(field="assignee", reason=reason, location="query")])
    ensure_acting_as_self(principal, assignee)
    page = task_service.list_tasks(
        session=session,
        query=query,
        assignee_id=assignee,
        live_cases_only=principal.role == Role.adviser,
        now=now,
    )
    task_service.record_reads(session=session, tasks=page.items)
    return page
