"""The weekly report's breakdowns of answered calls: per code of a list, with its share."""

from collections.abc import Hashable, Mapping

from sqlmodel import Session, col, select

from service.calls.models import Call, CallAdvice, CallIssueCategory, WorkplaceSize
from service.reports import queries
from service.reports.figures import rate
from service.reports.models import BreakdownRow
from service.taxonomy.models import CODE_LISTS, CodeBase

UNCLASSIFIED = ("Uoplyst", "Not recorded")
WORKPLACE_SIZE_LABELS = {
    WorkplaceSize.micro: ("1-9 ansatte", "1-9 employees"),
    WorkplaceSize.small: ("10-49 ansatte", "10-49 employees"),
    WorkplaceSize.medium: ("50-249 ansatte", "50-249 employees"),
    WorkplaceSize.large: ("250+ ansatte", "250+ employees"),
}


def _rows(
    codes: list[CodeBase] | list[tuple[str, str, str]],
    counts: Mapping[str, int],
    classified: int,
    unclassified: int,
) -> list[BreakdownRow]:
    rows = []
    for entry in codes:
        code, label_da, label_en = (
            entry if isinstance(entry, tuple) else (entry.code, entry.label_da, entry.label_en)
        )
        count = counts.get(code, 0)
        rows.append(
            BreakdownRow(
                code=code,
                label_da=label_da,
                label_en=label_en,
                count=count,
                share=rate(count, classified),
            )
        )
    da, en = UNCLASSIFIED
    rows.append(BreakdownRow(code=None, label_da=da, label_en=en, count=unclassified, share=None))
    return rows


def _listed_codes(session: Session, list_name: str, counted: set[str]) -> list[CodeBase]:
    """Every active code, and retired ones that still have calls this week."""
    model = CODE_LISTS[list_name]
    codes = session.exec(select(model).order_by(col(model.sort_order), col(model.code))).all()
    return [code for code in codes if code.active or code.code in counted]


def by_column(session: Session, scope: queries.Scope, name: str) -> list[BreakdownRow]:
    counts, unclassified = _split(
        queries.answered_counts_by(session, scope, col(getattr(Call, name)))
    )
    codes = _listed_codes(session, name, set(counts))
    return _rows(codes, counts, sum(counts.values()), unclassified)


def _split(counts: dict[str | None, int]) -> tuple[dict[str, int], int]:
    """The counts per code, and of the calls without one."""
    coded = {code: n for code, n in counts.items() if code is not None}
    return coded, counts.get(None, 0)


def by_link(
    session: Session,
    scope: queries.Scope,
    link: type[CallIssueCategory | CallAdvice],
    answered: int,
) -> tuple[list[BreakdownRow], list[BreakdownRow]]:
    """Every code a call carries, and only its first one."""
    carrying, first, classified = queries.answered_counts_by_link(session, scope, link)
    list_name = "issue_category" if link is CallIssueCategory else "advice_type"
    unclassified = answered - classified
    # A retired code is listed only where it still has calls.
    listed = _listed_codes(session, list_name, set(carrying))
    listed_first = [c for c in listed if c.active or first.get(c.code)]
    return (
        _rows(listed, carrying, classified, unclassified),
        _rows(listed_first, first, classified, unclassified),
    )


def by_workplace_size(session: Session, scope: queries.Scope) -> list[BreakdownRow]:
    counts, unclassified = _split(
        queries.answered_counts_by(session, scope, col(Call.workplace_size))
    )
    sizes = [(size.value, *WORKPLACE_SIZE_LABELS[size]) for size in WorkplaceSize]
    return _rows(sizes, counts, sum(counts.values()), unclassified)


REOPENED_SINCE = ("Genåbnet siden", "Reopened since")


def by_outcome(session: Session, outcomes: Mapping[Hashable, int]) -> list[BreakdownRow]:
    """The closes per case outcome; the row with code null, closes a reopening undid."""
    counts = {str(code): n for code, n in outcomes.items() if code is not None}
    codes = _listed_codes(session, "case_outcome", set(counts))
    rows = _rows(codes, counts, sum(counts.values()), outcomes.get(None, 0))
    da, en = REOPENED_SINCE
    rows[-1] = rows[-1].model_copy(update={"label_da": da, "label_en": en})
    return rows
