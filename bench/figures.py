"""A measured figure beside its baseline, and how a run's figures are printed."""

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


@dataclass(frozen=True)
class Figure:
    """`value` measured beside `baseline` in the same run; `ratio` is value / baseline.

    `target` says in words what the figure should meet (None: shown for reference only, and
    then `met` is None too). `details` holds what else the run saw: runs, errors, sizes.
    """

    key: str
    title: str
    unit: str
    value: float
    baseline: float
    baseline_title: str
    target: str | None
    met: bool | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "unit": self.unit,
            "value": self.value,
            "baseline": self.baseline,
            "baseline_title": self.baseline_title,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "details": self.details,
        }


def missed(figures: list[Figure]) -> list[str]:
    return [figure.key for figure in figures if figure.met is False]


def to_json(figures: list[Figure], context: dict[str, Any]) -> str:
    document = {
        **context,
        "figures": {figure.key: figure.as_json() for figure in figures},
        "targets_missed": missed(figures),
    }
    return json.dumps(document, indent=2, default=str)


def _number(value: float, unit: str) -> str:
    if unit == "calls/s":
        return f"{value:,.0f} {unit}"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:,.2f} {unit}"


def print_table(figures: list[Figure], context: dict[str, Any]) -> None:
    """The figures as one table on stdout, then what the run measured on."""
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(
        title=f"hotline bench: {context['database']}, {context['mode']} run "
        f"({context['cpus']} cores, {context['started_at']})",
        title_justify="left",
    )
    for name in ("figure", "value", "baseline", "ratio", "target", "met"):
        table.add_column(name, justify="right" if name in ("value", "ratio") else "left")
    for figure in figures:
        baseline = (
            f"{_number(figure.baseline, figure.unit)}\n[dim]{escape(figure.baseline_title)}[/dim]"
        )
        met = {True: "[green]met[/green]", False: "[red]not met[/red]", None: "-"}[figure.met]
        table.add_row(
            escape(figure.title),
            _number(figure.value, figure.unit),
            baseline,
            f"{figure.ratio:.2f}x",
            escape(figure.target or "(for reference)"),
            met,
        )
    console.print(table)
    for line in context.get("notes", []):
        console.print(f"- {line}", highlight=False)
    misses = missed(figures)
    console.print(f"targets not met: {', '.join(misses) if misses else 'none'}", highlight=False)
