"""Use cases of the adviser register: register, read, list and change advisers."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.advisers.errors import AdviserNotFound, EmailTaken
from service.advisers.models import (
    Adviser,
    AdviserCreate,
    AdviserExpertise,
    AdviserLanguage,
    AdviserLine,
    AdviserPublic,
    AdviserUpdate,
    Presence,
)
from service.errors import FieldProblem, ValidationFailed
from service.pagination import DEFAULT_LIMIT, cut, decode_name_cursor, encode_name_cursor
from service.taxonomy import service as taxonomy_service
from service.taxonomy.service import CodeCheck

# Which code list each coded list of an adviser draws from.
_CODED_LISTS = {"lines": "line", "expertise": "issue_category"}
_LISTS = ("lines", "languages", "expertise")


def get(*, session: Session, adviser_id: uuid.UUID) -> Adviser:
    """Return the adviser with this id, or raise AdviserNotFound."""
    adviser = session.get(Adviser, adviser_id)
    if adviser is None:
        raise AdviserNotFound(adviser_id)
    return adviser


def create(
    *,
    session: Session,
    adviser_in: AdviserCreate,
    now: datetime,
    adviser_id: uuid.UUID | None = None,
) -> Adviser:
    """Register a new adviser, offline until they say otherwise."""
    sent = adviser_in.model_dump()
    problems = _code_problems(session=session, sent=sent, old={})
    if problems:
        raise ValidationFailed(problems)
    values = _normalised(sent)
    if _email_owner(session=session, email=values["email"]) is not None:
        raise EmailTaken()

    listed = {name: value for name, value in values.items() if name not in _LISTS}
    adviser = Adviser(**listed, presence_since=now, created_at=now, updated_at=now)
    if adviser_id is not None:
        adviser.id = adviser_id  # promised beforehand, e.g. to the request's Idempotency-Key
    _set_links(adviser, **{name: values[name] for name in _LISTS})
    session.add(adviser)
    _commit(session=session, adviser_id=adviser.id, email=values["email"])
    session.refresh(adviser)
    return adviser


def find_by_email(*, session: Session, email: str) -> Adviser | None:
    """The adviser with this e-mail address, whatever its case, if any."""
    return session.exec(select(Adviser).where(Adviser.email == email.lower())).first()


def person_for_email(*, session: Session, email: str, name: str | None) -> Adviser:
    """The person with this e-mail; a new one if unknown, added but not committed.

    A new person serves no line and is inactive, so routing never offers them a call
    until an admin gives them lines (supervisors and admins need none).
    """
    person = find_by_email(session=session, email=email)
    if person is None:
        email = email.lower()
        person = Adviser(name=name or email.split("@")[0], email=email, active=False)
        session.add(person)
    return person


def list_advisers(
    *,
    session: Session,
    active: bool | None = None,
    line: str | None = None,
    presence: Presence | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> tuple[list[Adviser], str | None]:
    """One page of the advisers matching every filter given, ordered by name, then id,
    and the cursor of the next page (None on the last)."""
    statement = select(Adviser)
    if cursor is not None:
        after = decode_name_cursor(cursor)
        statement = statement.where(
            sa.tuple_(Adviser.name, Adviser.id)
            > sa.tuple_(sa.literal(after.name, sa.String()), sa.literal(after.id, sa.Uuid()))
        )
    if active is not None:
        statement = statement.where(Adviser.active == active)
    if line is not None:
        taxonomy_service.check_line_filter(session=session, line=line)
        statement = statement.where(
            sa.exists().where(
                col(AdviserLine.adviser_id) == Adviser.id, col(AdviserLine.line) == line
            )
        )
    if presence is not None:
        statement = statement.where(Adviser.presence == presence)
    statement = statement.order_by(col(Adviser.name), col(Adviser.id)).limit(limit + 1)
    advisers = list(session.exec(statement).all())
    return cut(advisers, limit, lambda last: encode_name_cursor(name=last.name, id=last.id))


def update(
    *, session: Session, adviser: Adviser, adviser_in: AdviserUpdate, now: datetime
) -> Adviser:
    """Apply a partial update; lists replace the stored lists; no field can be cleared."""
    sent = adviser_in.model_dump(exclude_unset=True)
    problems = [
        FieldProblem(field=name, reason="cannot be null")
        for name, value in sent.items()
        if value is None
    ]
    sent = {name: value for name, value in sent.items() if value is not None}
    old = _values(adviser)
    problems += _code_problems(session=session, sent=sent, old=old)
    if problems:
        raise ValidationFailed(problems)

    values = old | _normalised(sent)
    if values == old:
        return adviser
    if values["email"] != old["email"]:
        owner = _email_owner(session=session, email=values["email"])
        if owner is not None and owner != adviser.id:
            raise EmailTaken()
    for name, value in values.items():
        if name not in _LISTS:
            setattr(adviser, name, value)
    _set_links(adviser, **{name: values[name] for name in _LISTS})
    adviser.version += 1
    adviser.updated_at = now
    session.add(adviser)
    _commit(session=session, adviser_id=adviser.id, email=values["email"])
    session.refresh(adviser)
    return adviser


def to_public(adviser: Adviser) -> AdviserPublic:
    """Return the API view of an adviser."""
    return AdviserPublic.model_validate(adviser, from_attributes=True)


def _values(adviser: Adviser) -> dict[str, Any]:
    # The list properties are sorted, as _normalised sorts what was sent.
    return {name: getattr(adviser, name) for name in AdviserUpdate.model_fields}


def _normalised(sent: dict[str, Any]) -> dict[str, Any]:
    values = dict(sent)
    if "email" in values:
        values["email"] = values["email"].lower()
    for name in _LISTS:
        if name in values:
            values[name] = sorted(str(value) for value in values[name])
    return values


def _code_problems(
    *, session: Session, sent: dict[str, Any], old: dict[str, Any]
) -> list[FieldProblem]:
    # A retired code the adviser already has stays allowed; new uses are refused.
    checks = [
        CodeCheck(list_name, name, sent[name], old.get(name, []), indexed=True)
        for name, list_name in _CODED_LISTS.items()
        if name in sent
    ]
    return taxonomy_service.check_codes(session=session, checks=checks)


def _email_owner(*, session: Session, email: str) -> uuid.UUID | None:
    # Stored lower-case, so an equality test compares without regard to case.
    return session.exec(select(Adviser.id).where(Adviser.email == email)).first()


def _commit(*, session: Session, adviser_id: uuid.UUID, email: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        # Another request took the address between our check and this commit.
        owner = _email_owner(session=session, email=email)
        if owner is not None and owner != adviser_id:
            raise EmailTaken() from None
        raise


def _set_links(
    adviser: Adviser, *, lines: list[str], languages: list[str], expertise: list[str]
) -> None:
    # Keep the link rows of values that stay, so that a flush never deletes and reinserts
    # the same primary key.
    kept_lines = {link.line: link for link in adviser.line_links}
    adviser.line_links = [
        kept_lines.get(code) or AdviserLine(adviser_id=adviser.id, line=code) for code in lines
    ]
    kept_languages = {link.language: link for link in adviser.language_links}
    adviser.language_links = [
        kept_languages.get(language) or AdviserLanguage(adviser_id=adviser.id, language=language)
        for language in languages
    ]
    kept_expertise = {link.code: link for link in adviser.expertise_links}
    adviser.expertise_links = [
        kept_expertise.get(code) or AdviserExpertise(adviser_id=adviser.id, code=code)
        for code in expertise
    ]
