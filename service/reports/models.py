"""The shape of the supervisors' reports."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from service.reports import case_figures, figures

# The totals' figures by unit, in the registry's order: what CSV rows and sheets list.
TOTAL_COUNTS = figures.named("count")
TOTAL_RATES = figures.named("rate")
TOTAL_SECONDS = figures.named("seconds")


class FigureValues(BaseModel):
    """A model with one field per figure of the registry (`figures.FIGURES`), in its order.

    The fields are made from the registry (`_figure_fields`), so the type checker does not
    see them: it is told that every other attribute is a figure's value.
    """

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> int | float | None: ...


def _figure_fields() -> dict[str, Any]:
    """Each figure as a required field: a whole number for a count, else a float."""
    return {
        figure.name: (int | None if figure.unit == "count" else float | None, ...)
        for figure in figures.FIGURES
    }


SUPPRESSED = "Figures withheld in a publishable report."


class WithheldFigures(FigureValues):
    """What the type checker knows of `Totals`: the figures, and which are withheld."""

    suppressed: list[str] = Field(default_factory=list, description=SUPPRESSED)


if TYPE_CHECKING:
    Totals = WithheldFigures
    Change = FigureValues
else:
    Totals = create_model(
        "Totals",
        __base__=FigureValues,
        __module__=__name__,
        **_figure_fields(),
        suppressed=(list[str], Field(default_factory=list, description=SUPPRESSED)),
    )
    Change = create_model(
        "Change",
        __base__=FigureValues,
        __module__=__name__,
        __doc__="This week's figure minus last week's: counts in calls, rates in fractions, "
        "times in\n    seconds. Null where either week's figure is null or withheld.",
        **_figure_fields(),
    )


# The case figures by unit, in their registry's order.
CASE_COUNTS = case_figures.named("count")
CASE_RATES = case_figures.named("rate")
CASE_DAYS = case_figures.named("days")
CASE_NAMES = (*CASE_COUNTS, *CASE_RATES, *CASE_DAYS)
# The figures of a block by the column of a table each goes in: counts, fractions, others.
Columns = tuple[tuple[tuple[str, ...], str], ...]
TOTAL_COLUMNS: Columns = ((TOTAL_COUNTS, "count"), (TOTAL_RATES, "share"), (TOTAL_SECONDS, "value"))
CASE_COLUMNS: Columns = ((CASE_COUNTS, "count"), (CASE_RATES, "share"), (CASE_DAYS, "value"))


def _case_fields(names: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: (int | None if case_figures.BY_NAME[name].unit == "count" else float | None, ...)
        for name in names
    }


class PreviousWeek(BaseModel):
    week: str
    totals: Totals
    change: Change


class BreakdownRow(BaseModel):
    """One code's count and share of the classified calls; `code` null = unclassified."""

    code: str | None
    label_da: str
    label_en: str
    count: int | None
    share: float | None
    suppressed: bool = False


CLOSED_BY_OUTCOME = (
    "The week's closes by outcome (the case_outcome list), share = count ÷ cases_closed; "
    "code null: closes a later reopening undid, whose outcome went with it."
)

if TYPE_CHECKING:

    class CaseFigures(WithheldFigures):
        closed_by_outcome: list[BreakdownRow]

    CaseTrendFigures = WithheldFigures
else:
    CaseFigures = create_model(
        "CaseFigures",
        __base__=FigureValues,
        __module__=__name__,
        __doc__="The case figures of one scope (`case_figures`); `definitions` says what "
        "each counts.",
        **_case_fields(tuple(case_figures.BY_NAME)),
        closed_by_outcome=(list[BreakdownRow], Field(description=CLOSED_BY_OUTCOME)),
        suppressed=(list[str], Field(default_factory=list, description=SUPPRESSED)),
    )
    CaseTrendFigures = create_model(
        "CaseTrendFigures",
        __base__=FigureValues,
        __module__=__name__,
        __doc__="The case figures the trend shows, as the weekly report's `cases` has them.",
        **_case_fields(case_figures.TREND),
        suppressed=(list[str], Field(default_factory=list, description=SUPPRESSED)),
    )


class CaseReport(BaseModel):
    """The week's case figures: for the report's scope, and per line (a case's line)."""

    totals: CaseFigures
    by_line: dict[str, CaseFigures]


class AdviserFigures(BaseModel):
    """One adviser's week; with `line`, every figure but `logged_in_s` is of that line.

    The report's `definitions` (`by_adviser` and `by_adviser.*`) say exactly what each
    counts.
    """

    adviser_id: uuid.UUID
    name: str
    calls_answered: int = Field(
        description="The report's answered calls that this adviser answered first: summed "
        "over advisers, `totals.answered` less calls recorded after the fact without one."
    )
    legs_answered: int = Field(
        description="Legs accepted in the week, inbound and outbound: each adviser who "
        "accepts a transferred call has a leg of it."
    )
    callbacks_answered: int = Field(description="Of `legs_answered`, legs of callbacks.")
    answered: int = Field(
        description="The same as `legs_answered` (legs, not calls), kept for older clients."
    )
    mean_handle_s: float | None = Field(
        description="Mean handle time of the adviser's finished legs of inbound calls."
    )
    offers_missed: int
    on_call_s: float = Field(description="Time in the adviser's legs (of the line).")
    wrap_up_s: float = Field(description="Wrap-up of the calls the adviser ended (of the line).")
    logged_in_s: float = Field(description="Desk-wide, every line: presence is not per line.")
    occupancy: float | None = Field(
        description="(on_call_s + wrap_up_s) ÷ the desk-wide logged_in_s."
    )


class AdviserWeek(BaseModel):
    """One adviser's own figures of a week; none if they were not on the desk."""

    week: str
    adviser_id: uuid.UUID
    figures: AdviserFigures | None


class StaffingSlot(BaseModel):
    weekday: int
    hour: int
    arrivals: int | None
    advisers: int | None
    occupancy: float | None
    service_level: float | None
    suppressed: bool = False


class WeeklyReport(BaseModel):
    week: str
    timezone: str
    start: datetime
    end: datetime
    line: str | None
    publishable: bool
    definitions: dict[str, str]
    totals: Totals
    by_line: dict[str, Totals]
    by_caller_type: list[BreakdownRow]
    by_sector: list[BreakdownRow]
    by_issue_category: list[BreakdownRow]
    primary_issue_category: list[BreakdownRow]
    by_advice_type: list[BreakdownRow]
    by_workplace_size: list[BreakdownRow]
    stress_reported_share: float | None
    by_adviser: list[AdviserFigures]
    arrivals_by_hour: list[list[int | None]]
    previous_week: PreviousWeek
    staffing: list[StaffingSlot]
    cases: CaseReport


class TrendWeek(BaseModel):
    week: str
    start: datetime
    end: datetime
    totals: Totals
    cases: CaseTrendFigures


class Trend(BaseModel):
    line: str | None
    publishable: bool
    weeks: list[TrendWeek]


class AbandonedCall(BaseModel):
    call_id: uuid.UUID
    received_at: datetime
    ended_at: datetime
    line: str
    wait_s: float
    short: bool
    callback: str = Field(description="`none`, `pending` or `completed`.")


class AbandonedReport(BaseModel):
    week: str
    line: str | None
    publishable: bool
    abandoned: int | None
    short_abandoned: int | None
    called_back: int | None
    suppressed: list[str] = Field(default_factory=list)
    calls: list[AbandonedCall]
