"""A case's notes, referrals to the inspection and timeline."""

import uuid
from typing import Annotated

from fastapi import Header, Query, Response

from service import api
from service.auth.dependencies import SIGNED_IN, SUPERVISORS
from service.cases import record_service
from service.cases.dependencies import ActorDep, AddingDep, CaseDep
from service.cases.models import CaseNote, CaseReferral
from service.cases.record_models import (
    CaseNoteCreate,
    CaseNotePublic,
    CaseReferralChange,
    CaseReferralCreate,
    CaseReferralPublic,
    TimelineEntry,
    TimelineQuery,
)
from service.clock import NowDep
from service.db import SessionDep
from service.errors import problem_responses
from service.etag import etag
from service.pagination import NoQuery, Page

REFERRAL_ETAG = {
    "ETag": {
        "description": "The referral's version; send it back as `If-Match` to change this "
        "copy only.",
        "schema": {"type": "string"},
    }
}
ReferralIfMatch = Annotated[
    str | None,
    Header(
        description="The referral's `ETag` as you read it: 412, and nothing done, if it changed."
    ),
]

router = api.router(tags=["cases"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))


@router.post(
    "/cases/{case_id}/notes",
    openapi_extra=api.AUDITED_READ | api.BY_KEY,
    response_model=CaseNotePublic,
    status_code=201,
    summary="Add a note to a case",
    description="Notes are append-only: never changed or deleted. CPR numbers in the body are "
    "stored as `[CPR]`. Only an open or waiting case takes notes (409 otherwise). An "
    "`Idempotency-Key` makes a retry safe.",
    responses=problem_responses(404, 409, 422),
)
def add_note(adding: AddingDep, case: CaseDep, note_in: CaseNoteCreate) -> CaseNotePublic:
    session = adding.session

    def add(note_id: uuid.UUID) -> CaseNote:
        return record_service.add_note(
            session=session,
            case=case,
            note_in=note_in,
            author=adding.actor,
            author_adviser_id=adding.own_adviser,
            now=adding.now,
            note_id=note_id,
        )

    note = adding.once(
        lambda note_id: record_service.get_note(session=session, note_id=note_id), add
    )
    public = record_service.note_public(note)
    record_service.record_note_reads(session=session, notes=[public])
    return public


def referral_answer(
    session: SessionDep, referral: CaseReferral, response: Response
) -> CaseReferralPublic:
    """The referral as it is now, with its ETag; its reason is shown, so it is a recorded read."""
    response.headers["ETag"] = etag(referral)
    public = record_service.referral_public(referral)
    record_service.record_referral_reads(session=session, referrals=[public])
    return public


@router.post(
    "/cases/{case_id}/referrals",
    openapi_extra=api.AUDITED_READ | api.BY_KEY,
    response_model=CaseReferralPublic,
    status_code=201,
    summary="Refer a case to the inspection",
    description="Only an open or waiting case is referred (409 otherwise); the timeline "
    "records `referral_sent`. A referral that passes on the caller's identity needs their "
    "`consent` (422 naming it); `anonymous` passes on none. The workplace is a CVR number, "
    "or a name and an address, and defaults to the case's (422 naming `workplace` when neither "
    "is known). CPR numbers in the reason are stored as `[CPR]`. An `Idempotency-Key` makes a "
    "retry safe.",
    responses=problem_responses(404, 409, 422) | {201: {"headers": REFERRAL_ETAG}},
)
def send_referral(
    adding: AddingDep, case: CaseDep, referral_in: CaseReferralCreate, response: Response
) -> CaseReferralPublic:
    session = adding.session

    def send(referral_id: uuid.UUID) -> CaseReferral:
        return record_service.send_referral(
            session=session,
            case=case,
            referral_in=referral_in,
            actor=adding.actor,
            now=adding.now,
            referral_id=referral_id,
        )

    referral = adding.once(
        lambda referral_id: record_service.get_referral(session=session, referral_id=referral_id),
        send,
    )
    return referral_answer(session, referral, response)


@router.patch(
    "/cases/{case_id}/referrals/{referral_id}",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    dependencies=[SUPERVISORS],
    response_model=CaseReferralPublic,
    status_code=200,
    summary="Record the inspection's answer to a referral (supervisors)",
    description="`sent` moves on to `acknowledged`, `accepted` or `declined`, and "
    "`acknowledged` to `accepted` or `declined`; an answer is final (409 for any other "
    "step). Sending the status the referral has already changes nothing but a new "
    "`external_reference`. The timeline records `referral_changed`. Send the referral's "
    "`ETag` as `If-Match` to change only the copy you read.",
    responses=problem_responses(404, 409, 412, 422) | {200: {"headers": REFERRAL_ETAG}},
)
def change_referral(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    case: CaseDep,
    referral_id: uuid.UUID,
    change: CaseReferralChange,
    response: Response,
    now: NowDep,
    actor: ActorDep,
    if_match: ReferralIfMatch = None,
) -> CaseReferralPublic:
    referral = record_service.referral_of(session=session, case=case, referral_id=referral_id)
    referral = record_service.change_referral(
        session=session,
        case=case,
        referral=referral,
        change=change,
        actor=actor,
        if_match=if_match,
        now=now,
    )
    return referral_answer(session, referral, response)


@router.get(
    "/cases/{case_id}/timeline",
    openapi_extra=api.AUDITED_READ,
    response_model=Page[TimelineEntry],
    status_code=200,
    summary="A case's timeline, newest first",
    description="The case's calls (at their `received_at`), notes, tasks and referrals (at "
    "their `created_at`) and its own steps (`event`: opened, status changes, calls linked, "
    "referrals sent …), merged newest first; `kind` says which an entry is. Pass "
    "`next_cursor` back as `cursor` for the next page. Each note, call note and task note "
    "shown is a recorded read.",
    responses=problem_responses(404, 422),
)
def read_timeline(
    session: SessionDep, case: CaseDep, query: Annotated[TimelineQuery, Query()]
) -> Page[TimelineEntry]:
    page = record_service.timeline(session=session, case=case, query=query)
    record_service.record_timeline_reads(session=session, entries=page.items)
    return page
