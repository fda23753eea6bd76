"""The case a path names, loaded once per request, with who may reach it."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Query
from sqlmodel import Session

from service.auth.dependencies import CurrentPrincipal
from service.auth.models import Principal, Role
from service.cases import permissions
from service.cases import service as cases_service
from service.cases.errors import CaseNotFound, CaseOutOfReach
from service.cases.models import Case
from service.clock import NowDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.errors import FieldProblem, ValidationFailed
from service.idempotency.dependencies import Idempotency, IdempotencyDep
from service.ids import uuid7
from service.pagination import NoQuery

T = TypeVar("T")


def actor(principal: Principal) -> str:
    """Who a case's timeline says did a step: the role and the person's adviser record (or
    token, or identity provider subject): `supervisor:0190…`."""
    credential = principal.adviser_id or principal.token_id or principal.subject
    return f"{principal.role.value}:{credential}" if credential else principal.role.value


def get_case(case_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Case:
    """Load the case named in the path, or 404; 403 if it is out of an adviser's reach.

    To an adviser an id that names no case is 403 too: a 404 would tell them which ids are
    cases they may not see.
    """
    try:
        case = cases_service.get(session=session, case_id=case_id)
    except CaseNotFound:
        if principal.role == Role.adviser:
            raise CaseOutOfReach() from None
        raise
    facts = cases_service.facts(session=session, case=case)
    if not permissions.may_see(principal.role.value, principal.adviser_id, facts):
        raise CaseOutOfReach()
    return case


CaseDep = Annotated[Case, Depends(get_case)]


def reachable(*, session: Session, principal: Principal, case_id: uuid.UUID, field: str) -> Case:
    """Another case a request names in its body, which the principal must be able to change;
    422 naming `field` otherwise (an adviser learns no more of cases out of reach)."""
    try:
        case = cases_service.get(session=session, case_id=case_id)
    except CaseNotFound:
        case = None
    if case is not None:
        facts = cases_service.facts(session=session, case=case)
        if permissions.may_change(principal.role.value, principal.adviser_id, facts):
            return case
    reason = "no case you may change has this id"
    raise ValidationFailed([FieldProblem(field=field, reason=reason)])


def get_actor(principal: CurrentPrincipal) -> str:
    return actor(principal)


ActorDep = Annotated[str, Depends(get_actor)]


@dataclass(frozen=True)
class Adding:
    """What a POST that adds a record (a case, a task, a note, a referral) starts from: who
    asks, when, by which settings, and its Idempotency-Key."""

    session: Session
    principal: Principal
    actor: str
    now: datetime
    settings: Settings
    idem: Idempotency

    @property
    def own_adviser(self) -> uuid.UUID | None:
        """An adviser's token's own adviser, whom a new record is for unless it says; a
        supervisor's or admin's token holder is no adviser to own one."""
        return self.principal.adviser_id if self.principal.role == Role.adviser else None

    def once(self, load: Callable[[uuid.UUID], T], make: Callable[[uuid.UUID], T]) -> T:
        """What a retry with this key made before (`load`), or a new record made under the id
        promised to the key (`make`), so that both commit together."""
        found: T | None = self.idem.replayed(lambda key: load(uuid.UUID(key)))
        if found is not None:
            return found
        new_id = uuid7()
        self.idem.will_answer(status=201, object_id=new_id)
        return make(new_id)


def adding(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    principal: CurrentPrincipal,
    actor: ActorDep,
    now: NowDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
) -> Adding:
    return Adding(session, principal, actor, now, settings, idem)


AddingDep = Annotated[Adding, Depends(adding)]
