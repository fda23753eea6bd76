"""The reports' query parameters, as models so that unknown parameters are refused."""

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator
from sqlmodel import SQLModel

from service.reports.service import MAX_TREND_WEEKS
from service.reports.weeks import IsoWeek, parse_week
from service.taxonomy.codes import Code


def _week(text: str) -> str:
    return str(parse_week(text))


Week = Annotated[
    str, AfterValidator(_week), Field(description="ISO week, e.g. 2025-W23.", examples=["2025-W23"])
]
Publishable = Annotated[
    bool,
    Field(description="Withhold counts below HOTLINE_SUPPRESS_BELOW and what derives from them."),
]


class _ReportQuery(SQLModel):
    # SQLModel types its config as its own TypedDict, of which these keys are part.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)  # type: ignore[assignment]

    line: Code | None = Field(default=None, description="`stress` or `managers`; absent = all.")
    publishable: Publishable = False


class WeeklyQuery(_ReportQuery):
    week: Week
    language: Literal["da", "en"] = Field(default="da", description="Labels in the CSV.")

    @property
    def iso_week(self) -> IsoWeek:
        return parse_week(self.week)


class OwnFiguresQuery(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # as above

    week: Week

    @property
    def iso_week(self) -> IsoWeek:
        return parse_week(self.week)


class AbandonedQuery(_ReportQuery):
    week: Week

    @property
    def iso_week(self) -> IsoWeek:
        return parse_week(self.week)


class TrendQuery(_ReportQuery):
    first: Week = Field(alias="from")
    last: Week = Field(alias="to")

    @property
    def first_week(self) -> IsoWeek:
        return parse_week(self.first)

    @property
    def last_week(self) -> IsoWeek:
        return parse_week(self.last)

    @field_validator("last")
    @classmethod
    def _a_forward_range(cls, last: str, info: ValidationInfo) -> str:
        if "first" not in info.data:
            return last
        first_week, last_week = parse_week(info.data["first"]), parse_week(last)
        if last_week < first_week:
            raise ValueError("must not be before `from`")
        if (last_week.monday - first_week.monday).days // 7 + 1 > MAX_TREND_WEEKS:
            raise ValueError(f"at most {MAX_TREND_WEEKS} weeks after `from`")
        return last
