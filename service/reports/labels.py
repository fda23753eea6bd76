"""Danish and English words of the weekly report: figures, sections, columns and weekdays.

One table for the CSV, the XLSX workbook and the terminal. A name that has no entry here
(a figure added to the report later) is shown as the name itself, so that it still appears
where the model's fields are rendered one by one.
"""

from typing import Literal

from service.reports import case_figures, figures

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")
# The mark of a withheld figure in a table or a workbook (an en dash), as the terminal's.
WITHHELD = "\u2013"

# The totals' figures (`Totals`, `Change`), from the registry, and the stress share shown
# beside them.
FIGURES: dict[str, tuple[str, str]] = {figure.name: figure.label for figure in figures.FIGURES}
FIGURES["stress_reported_share"] = ("Andel med oplevet stress", "Share reporting stress")
# The case figures (`CaseFigures`), from their registry.
FIGURES |= {figure.name: figure.label for figure in case_figures.CASE_FIGURES}

# The report's sections: sheet names of the workbook (at most 31 characters), table titles.
SECTIONS: dict[str, tuple[str, str]] = {
    "totals": ("Nøgletal", "Totals"),
    "by_line": ("Linjer", "Lines"),
    "by_caller_type": ("Opkaldertype", "Caller type"),
    "by_sector": ("Branche", "Sector"),
    "by_issue_category": ("Problemstillinger", "Issue categories"),
    "primary_issue_category": ("Primær problemstilling", "Primary issue category"),
    "by_advice_type": ("Rådgivningstype", "Advice type"),
    "by_workplace_size": ("Virksomhedsstørrelse", "Workplace size"),
    "by_adviser": ("Rådgivere", "Advisers"),
    "arrivals_by_hour": ("Opkald pr. time", "Arrivals by hour"),
    "staffing": ("Bemanding", "Staffing"),
    "cases": ("Sager", "Cases"),
    "closed_by_outcome": ("Lukkede sager efter udfald", "Closes by outcome"),
    "definitions": ("Definitioner", "Definitions"),
    "about": ("Om rapporten", "About"),
}

# Column headings, and the fields of a breakdown row, an adviser and a staffing slot.
COLUMNS: dict[str, tuple[str, str]] = {
    "figure": ("Nøgletal", "Figure"),
    "code": ("Kode", "Code"),
    "label": ("Betegnelse", "Label"),
    "count": ("Antal", "Count"),
    "share": ("Andel", "Share"),
    "value": ("Værdi", "Value"),
    "change": ("Ændring", "Change"),
    "field": ("Felt", "Field"),
    "definition": ("Definition", "Definition"),
    "adviser_id": ("Rådgiver-id", "Adviser id"),
    "name": ("Navn", "Name"),
    "answered": ("Besvarede", "Answered"),
    "calls_answered": ("Besvarede opkald", "Calls answered"),
    "legs_answered": ("Besvarede forløb", "Legs answered"),
    "callbacks_answered": ("Besvarede tilbageringninger", "Callbacks answered"),
    "mean_handle_s": ("Gns. behandlingstid (s)", "Mean handle time (s)"),
    "offers_missed": ("Mistede tilbud", "Offers missed"),
    "on_call_s": ("I samtale (s)", "On call (s)"),
    "wrap_up_s": ("Efterbehandling (s)", "Wrap-up (s)"),
    "logged_in_s": ("Logget ind (s)", "Logged in (s)"),
    "occupancy": ("Belægning", "Occupancy"),
    "weekday": ("Ugedag", "Weekday"),
    "hour": ("Time", "Hour"),
    "arrivals": ("Opkald", "Arrivals"),
    "advisers": ("Rådgivere nødvendige", "Advisers needed"),
    "service_level": ("Serviceniveau", "Service level"),
    "week": ("Uge", "Week"),
    "timezone": ("Tidszone", "Time zone"),
    "start": ("Fra", "From"),
    "end": ("Til", "To"),
    "line": ("Linje", "Line"),
    "publishable": ("Til offentliggørelse", "Publishable"),
    "previous_week": ("Ugen før", "Previous week"),
}

# Words that are neither a figure nor a column.
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Hotline ugerapport", "Hotline weekly report"),
    "of_closed_calls": ("af de lukkede opkald", "of closed calls"),
    "all_lines": ("alle linjer", "all lines"),
    "yes": ("ja", "yes"),
    "no": ("nej", "no"),
    "withheld": ("tilbageholdt", "withheld"),
    "legend": (
        f"{WITHHELD} = tilbageholdt i en rapport til offentliggørelse "
        "(se Definitioner: publishable); en tom celle = intet at beregne ud fra.",
        f"{WITHHELD} = withheld in a publishable report (see Definitions: publishable); "
        "an empty cell = nothing to compute it from.",
    ),
    "left_out": (
        "Rådgiverne er udeladt i en rapport til offentliggørelse.",
        "The advisers are left out of a publishable report.",
    ),
}

WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("mandag", "Monday"),
    ("tirsdag", "Tuesday"),
    ("onsdag", "Wednesday"),
    ("torsdag", "Thursday"),
    ("fredag", "Friday"),
    ("lørdag", "Saturday"),
    ("søndag", "Sunday"),
)


def _pick(table: dict[str, tuple[str, str]], name: str, language: str) -> str:
    pair = table.get(name)
    if pair is None:
        return name
    return pair[0] if language == "da" else pair[1]


def figure(name: str, language: str) -> str:
    """A totals figure's label, e.g. `received` -> "Modtagne opkald"."""
    return _pick(FIGURES, name, language)


def section(name: str, language: str) -> str:
    """A section's title, also the name of its sheet in the workbook."""
    return _pick(SECTIONS, name, language)


def column(name: str, language: str) -> str:
    """A column's heading: a field of a row, or one of the tables' own columns."""
    return _pick(COLUMNS, name, language)


def word(name: str, language: str) -> str:
    return _pick(WORDS, name, language)


def weekday(number: int, language: str) -> str:
    """The name of an ISO weekday, 1 = Monday."""
    da, en = WEEKDAYS[number - 1]
    return da if language == "da" else en
