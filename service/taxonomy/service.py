"""Reading code lists and checking codes against them."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.errors import FieldProblem, ValidationFailed
from service.taxonomy.models import CODE_LISTS, TaxonomyPublic


def get_taxonomy(*, session: Session) -> TaxonomyPublic:
    """Return every code list with its labels, inactive codes included."""
    lists = {
        name: session.exec(select(model).order_by(col(model.sort_order), col(model.code))).all()
        for name, model in CODE_LISTS.items()
    }
    return TaxonomyPublic.model_validate(lists, from_attributes=True)


@dataclass(frozen=True)
class CodeCheck:
    """The codes sent in one field, to check against one code list."""

    list_name: str
    field: str
    codes: Sequence[str]
    already_used: Collection[str] = ()
    indexed: bool = False
    location: str = "body"


def check_codes(*, session: Session, checks: Sequence[CodeCheck]) -> list[FieldProblem]:
    """Say which codes are unknown, or inactive and not `already_used` by the record.

    An inactive code stays valid where a call already carries it, so that editing an old
    call never forces a reclassification; only new uses of it are refused. All the lists
    are read in one query: recording a call checks five of them.
    """
    wanted: dict[str, set[str]] = {}
    for check in checks:
        if check.codes:
            wanted.setdefault(check.list_name, set()).update(check.codes)
    if not wanted:
        return []
    names = tuple(sorted(wanted))
    params = {f"codes_{name}": sorted(wanted[name]) for name in names}
    rows = session.execute(_lookup(names), params)
    active = {(name, code): is_active for name, code, is_active in rows}
    problems = []
    for check in checks:
        for index, code in enumerate(check.codes):
            name = f"{check.field}.{index}" if check.indexed else check.field
            state = active.get((check.list_name, code))
            if state is None:
                reason = f"unknown {check.list_name} code '{code}'"
            elif not state and code not in check.already_used:
                reason = f"{check.list_name} code '{code}' is no longer in use"
            else:
                continue
            problems.append(FieldProblem(field=name, reason=reason, location=check.location))
    return problems


@lru_cache(maxsize=64)
def _lookup(names: tuple[str, ...]) -> sa.Executable:
    # Built once per combination of lists: making the statement costs more than running it.
    selects = [
        sa.select(
            sa.literal(name, sa.String()).label("list_name"), col(model.code), col(model.active)
        ).where(col(model.code).in_(sa.bindparam(f"codes_{name}", expanding=True)))
        for name in names
        for model in (CODE_LISTS[name],)
    ]
    return selects[0] if len(selects) == 1 else sa.union_all(*selects)


def code_problems(
    *,
    session: Session,
    list_name: str,
    field: str,
    codes: Sequence[str],
    already_used: Collection[str] = (),
    indexed: bool = False,
    location: str = "body",
) -> list[FieldProblem]:
    """`check_codes` of one field."""
    check = CodeCheck(list_name, field, codes, already_used, indexed, location)
    return check_codes(session=session, checks=[check])


def check_line_filter(*, session: Session, line: str | None) -> None:
    """Refuse (422) a `line` query parameter that names no line. A retired line is fine: the
    calls, advisers and figures it filters are still there."""
    if line is None:
        return
    problems = code_problems(
        session=session,
        list_name="line",
        field="line",
        codes=[line],
        already_used=[line],
        location="query",
    )
    if problems:
        raise ValidationFailed(problems)
