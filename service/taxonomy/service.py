"""Reading code lists and checking codes against them."""

from collections.abc import Collection, Sequence

from sqlmodel import Session, select

from service.errors import FieldProblem
from service.taxonomy.models import CODE_LISTS, TaxonomyPublic


def get_taxonomy(*, session: Session) -> TaxonomyPublic:
    """Return every code list with its labels, inactive codes included."""
    lists = {
        name: session.exec(select(model).order_by(model.sort_order, model.code)).all()
        for name, model in CODE_LISTS.items()
    }
    return TaxonomyPublic.model_validate(lists, from_attributes=True)


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
    """Say which of `codes` are unknown, or inactive and not `already_used` by the record.

    An inactive code stays valid where a call already carries it, so that editing an old
    call never forces a reclassification; only new uses of it are refused.
    """
    if not codes:
        return []
    model = CODE_LISTS[list_name]
    rows = session.exec(select(model.code, model.active).where(model.code.in_(set(codes)))).all()
    active = dict(rows)
    problems = []
    for index, code in enumerate(codes):
        name = f"{field}.{index}" if indexed else field
        if code not in active:
            reason = f"unknown {list_name} code '{code}'"
        elif not active[code] and code not in already_used:
            reason = f"{list_name} code '{code}' is no longer in use"
        else:
            continue
        problems.append(FieldProblem(field=name, reason=reason, location=location))
    return problems
