"""GET /reports/weekly.xlsx: the weekly report as a workbook that holds the JSON's very numbers,
opened with openpyxl as a spreadsheet program would read it."""

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from service.reports import labels
from service.reports.export import BREAKDOWNS
from service.reports.models import AdviserFigures, StaffingSlot
from service.reports.xlsx import MEDIA_TYPE, WITHHELD
from tests.desk import CLASSIFICATION, Desk
from tests.factories import assert_problem
from tests.reports_data import (
    LATER,
    T0,
    TOTAL_KEYS,
    busy_week,
    csv_rows,
    live_monday,
    secs,
    tuesday_calls,
    weekly,
)

# The sheets in order, by section; their names are the sections' labels.
SECTIONS = ("totals", "by_line", *BREAKDOWNS, "by_adviser", "arrivals_by_hour", "staffing")
SECTIONS += ("cases", "closed_by_outcome", "definitions", "about")
RATES = ("abandonment_rate", "service_level")


def same(value: Any) -> Any:
    """A value as the workbook holds it: XLSX stores 16 significant digits (Excel shows 15),
    so a float comes back to within a part in 10^15; counts and text exactly."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-15, abs=0)
    if isinstance(value, list | tuple):
        return type(value)(same(v) for v in value)
    return value


@pytest.fixture
def mixed(client, session, clock):
    """2025-W23: the live Monday (`live_monday`) and Tuesday's calls (`tuesday_calls`)."""
    ids = live_monday(client, session, clock)
    clock.set(LATER)
    tuesday_calls(client)
    return ids


def get_xlsx(client, week: str = "2025-W23", **params: Any):
    response = client.get("/reports/weekly.xlsx", params={"week": week, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    return response


def open_book(content: bytes) -> Workbook:
    return load_workbook(io.BytesIO(content))


def workbook(client, week: str = "2025-W23", **params: Any) -> Workbook:
    return open_book(get_xlsx(client, week, **params).content)


def sheet_of(book: Workbook, section: str, language: str) -> Worksheet:
    return book[labels.section(section, language)]


def table(sheet: Worksheet) -> list[dict[str, Any]]:
    """The rows below the header, each by its column headings."""
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def by_code(sheet: Worksheet, language: str) -> dict[str, dict[str, Any]]:
    return {row[labels.column("code", language)]: row for row in table(sheet)}


def sheet_values(content: bytes) -> dict[str, Any]:
    """What a reader sees in a workbook: each sheet's cells, formats and frozen panes."""
    book = open_book(content)
    return {
        sheet.title: (
            sheet.freeze_panes,
            [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()],
        )
        for sheet in book.worksheets
    }


def test_the_workbook_holds_the_json_reports_numbers(client, mixed):
    report = weekly(client, "2025-W23")
    en = "en"
    book = workbook(client, language=en)
    assert book.sheetnames == [labels.section(name, en) for name in SECTIONS]
    assert book.sheetnames[:3] == ["Totals", "Lines", "Caller type"]

    # Totals: this week, the week before and the change, a figure a row.
    totals = sheet_of(book, "totals", en)
    header = next(totals.iter_rows(values_only=True))
    assert header == ("Figure", "Code", "2025-W23", "2025-W22", "Change")
    rows = by_code(totals, en)
    previous = report["previous_week"]
    for key in TOTAL_KEYS:
        row = rows[key]
        assert row["2025-W23"] == same(report["totals"][key]), key
        assert row["2025-W22"] == same(previous["totals"][key]), key
        assert row["Change"] == same(previous["change"][key]), key
        assert row["Figure"] == labels.figure(key, en)
    assert rows["received"]["2025-W23"] == 18 and rows["transfers"]["Change"] == 1
    stress = rows["stress_reported_share"]
    assert stress["2025-W23"] == same(report["stress_reported_share"])
    assert (stress["2025-W22"], stress["Change"]) == (None, None)
    assert set(rows) == {*TOTAL_KEYS, "stress_reported_share"}

    lines = by_code(sheet_of(book, "by_line", en), en)
    for code, line_totals in report["by_line"].items():
        assert {key: lines[key][code] for key in TOTAL_KEYS} == {
            key: same(line_totals[key]) for key in TOTAL_KEYS
        }, code

    for name in BREAKDOWNS:
        shown = [tuple(row.values()) for row in table(sheet_of(book, name, en))]
        expected = [(r["code"], r["label_en"], r["count"], r["share"]) for r in report[name]]
        assert shown == same(expected), name

    # Advisers: every field of the model, the name first.
    advisers = sheet_of(book, "by_adviser", en)
    fields = ["name", *(n for n in AdviserFigures.model_fields if n != "name")]
    assert next(advisers.iter_rows(values_only=True)) == tuple(labels.column(n, en) for n in fields)
    assert [list(row.values()) for row in table(advisers)] == [
        same([a[n] for n in fields]) for a in report["by_adviser"]
    ]
    assert [a["name"] for a in report["by_adviser"]] == ["Anna", "Bo"]

    # The 7 x 24 arrivals, Monday first, hours 00 to 23.
    grid = sheet_of(book, "arrivals_by_hour", en)
    header, *days = grid.iter_rows(values_only=True)
    assert header == ("Weekday", *(f"{h:02d}" for h in range(24)))
    assert [day[0] for day in days] == [labels.weekday(d, en) for d in range(1, 8)]
    assert [list(day[1:]) for day in days] == report["arrivals_by_hour"]
    assert sum(len(day) - 1 for day in days) == 168 and days[1][10] == 14

    staffing = sheet_of(book, "staffing", en)
    fields = [n for n in StaffingSlot.model_fields if n != "suppressed"]
    assert next(staffing.iter_rows(values_only=True)) == tuple(labels.column(n, en) for n in fields)
    assert [list(row.values()) for row in table(staffing)] == [
        same([labels.weekday(s["weekday"], en), *(s[n] for n in fields[1:])])
        for s in report["staffing"]
    ]
    assert report["staffing"]

    definitions = table(sheet_of(book, "definitions", en))
    assert {row["Field"]: row["Definition"] for row in definitions} == report["definitions"]
    about = {row["Field"]: row["Value"] for row in table(sheet_of(book, "about", en))}
    assert about["Week"] == "2025-W23" and about["Line"] == "all lines"
    assert about["From"] == "2025-06-02T00:00:00+02:00" and about["Publishable"] == "no"


def test_numbers_are_numbers_with_count_percent_and_seconds_formats(client, mixed):
    book = workbook(client, language="en")
    totals = sheet_of(book, "totals", "en")
    for row in totals.iter_rows(min_row=2):
        code, week, previous, change = row[1].value, row[2], row[3], row[4]
        if code.endswith("_s"):
            expected = '"s"'
        elif code in RATES or code.endswith("_share"):
            expected = "%"
        else:
            expected = "#,##0"
        for cell in (week, previous, change) if code in TOTAL_KEYS else (week,):
            if cell.value is None:
                continue  # W22 had no calls: no rate, no mean, no change of one
            assert isinstance(cell.value, int | float), (code, cell.value)
            assert expected in cell.number_format, (code, cell.number_format)
        if code in TOTAL_KEYS:
            assert change.number_format.startswith("+"), code  # a change is signed
    caller = sheet_of(book, "by_caller_type", "en")
    assert {c.number_format for c in caller["D"][1:] if c.value is not None} == {"0.0%"}
    assert {c.number_format for c in caller["C"][1:]} == {"#,##0"}
    advisers = table(sheet_of(book, "by_adviser", "en"))
    header = next(sheet_of(book, "by_adviser", "en").iter_rows())
    for cell in header:
        column = sheet_of(book, "by_adviser", "en")[cell.column_letter][1:]
        formats = {c.number_format for c in column if c.value is not None}
        if cell.value.endswith("(s)"):
            assert formats == {'#,##0.0 "s"'}, cell.value
        if cell.value == "Occupancy":
            assert formats == {"0.0%"}
    assert advisers
    staffing = sheet_of(book, "staffing", "en")
    assert {c.number_format for c in staffing["E"][1:]} == {"0.0%"}  # occupancy
    assert {c.number_format for c in staffing["B"][1:]} == {"00"}  # the hour


def test_headers_stay_in_view_and_arrivals_are_a_heat_map(client, mixed):
    book = workbook(client)
    for sheet in book.worksheets:
        # The pane is frozen below the header row (and right of the row labels where wide).
        assert sheet.freeze_panes in {"A2", "B2", "C2"}, sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
    grid = sheet_of(book, "arrivals_by_hour", "da")
    assert grid.freeze_panes == "B2"
    (formatting,) = grid.conditional_formatting
    assert str(formatting.sqref) == "B2:Y8"
    (rule,) = formatting.rules
    assert rule.type == "colorScale"
    colours = [colour.rgb[-6:] for colour in rule.colorScale.color]
    assert colours[0] == "FFFFFF" and colours[-1] == "F8696B"


def test_labels_are_danish_by_default_or_english(client, mixed):
    report = weekly(client, "2025-W23")
    danish, english = workbook(client), workbook(client, language="en")
    assert danish.sheetnames[:3] == ["Nøgletal", "Linjer", "Opkaldertype"]
    assert danish.sheetnames[-2:] == ["Definitioner", "Om rapporten"]
    for language, book in (("da", danish), ("en", english)):
        rows = by_code(sheet_of(book, "totals", language), language)
        figure = labels.column("figure", language)
        assert {code: row[figure] for code, row in rows.items()} == {
            code: labels.figure(code, language) for code in rows
        }
        callers = table(sheet_of(book, "by_caller_type", language))
        label = labels.column("label", language)
        assert [r[label] for r in callers] == [
            r[f"label_{language}"] for r in report["by_caller_type"]
        ]
    assert by_code(sheet_of(danish, "totals", "da"), "da")["received"]["Nøgletal"] == (
        "Modtagne opkald"
    )
    assert by_code(sheet_of(english, "totals", "en"), "en")["received"]["Figure"] == (
        "Calls received"
    )
    grid = sheet_of(danish, "arrivals_by_hour", "da")
    assert [c.value for c in grid["A"]] == ["Ugedag", "mandag", "tirsdag", "onsdag", "torsdag",
                                            "fredag", "lørdag", "søndag"]  # fmt: skip
    # Every label is translated: no figure, section or column falls back to its code.
    for code in (*TOTAL_KEYS, "stress_reported_share"):
        assert labels.figure(code, "da") != labels.figure(code, "en") != code
    for name in SECTIONS:
        assert labels.section(name, "da") != name and labels.section(name, "en") != name


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_csv_translates_the_totals_labels_too(client, mixed, language):
    rows = csv_rows(client.get("/reports/weekly.csv", params={"week": "2025-W23",
                                                              "language": language}))  # fmt: skip
    for dimension in ("totals", "by_line", "previous_week"):
        shown = {(r["line"], r["code"]): r["label"] for r in rows if r["dimension"] == dimension}
        assert shown and all(
            label == labels.figure(code, language) for (_, code), label in shown.items()
        ), dimension
    received = next(r for r in rows if r["dimension"] == "totals" and r["code"] == "received")
    assert received["label"] == {"da": "Modtagne opkald", "en": "Calls received"}[language]
    (stress,) = [r for r in rows if r["dimension"] == "stress_reported"]
    assert stress["label"] == labels.figure("stress_reported_share", language)


def test_publishable_workbook_marks_withheld_figures_and_leaves_out_the_advisers(client, clock):
    clock.set(LATER)
    busy_week(client, 1)
    public = weekly(client, "2025-W24", publishable="true")
    book = workbook(client, "2025-W24", publishable="true", language="en")
    rows = by_code(sheet_of(book, "totals", "en"), "en")
    withheld = set(public["totals"]["suppressed"])
    assert withheld and withheld != set(TOTAL_KEYS)  # some of each
    previous = set(public["previous_week"]["totals"]["suppressed"])
    for key in TOTAL_KEYS:
        value = public["totals"][key]
        assert rows[key]["2025-W24"] == (WITHHELD if key in withheld else same(value)), key
        # The empty week before: every figure, and so every change, withheld; never 0.
        assert key in previous
        assert (rows[key]["2025-W23"], rows[key]["Change"]) == (WITHHELD, WITHHELD), key
    lines = by_code(sheet_of(book, "by_line", "en"), "en")
    for line, totals in public["by_line"].items():
        for key in TOTAL_KEYS:
            shown = WITHHELD if key in totals["suppressed"] else same(totals[key])
            assert lines[key][line] == shown, (line, key)

    for name in ("by_caller_type", "by_sector", "by_advice_type"):
        sheet = table(sheet_of(book, name, "en"))
        expected = [
            (r["code"], WITHHELD if r["count"] is None else r["count"]) for r in public[name]
        ]
        assert [(r["Code"], r["Count"]) for r in sheet] == expected
        shares = [WITHHELD if r["suppressed"] and r["share"] is None else r["share"]
                  for r in public[name]]  # fmt: skip
        assert [r["Share"] for r in sheet] == [same(x) for x in shares]
    counts = [r["count"] for r in public["by_sector"]]
    assert None in counts and any(n is not None for n in counts)

    grid = sheet_of(book, "arrivals_by_hour", "en")
    cells = [cell for day in grid.iter_rows(min_row=2, min_col=2, values_only=True)
             for cell in day]  # fmt: skip
    expected = [WITHHELD if c is None else c for day in public["arrivals_by_hour"] for c in day]
    assert cells == expected

    slots = table(sheet_of(book, "staffing", "en"))
    assert len(slots) == len(public["staffing"])
    for shown, slot in zip(slots, public["staffing"], strict=True):
        if slot["suppressed"]:
            assert WITHHELD in (shown["Arrivals"], shown["Advisers needed"])
        else:
            assert shown["Arrivals"] == slot["arrivals"]

    assert sheet_of(book, "by_adviser", "en").max_row == 1  # the header only
    about = [row for row in sheet_of(book, "about", "en").iter_rows(values_only=True)]
    assert ("Publishable", "yes") in about
    assert any(row[1] and "advisers are left out" in row[1] for row in about)


def test_a_figure_without_a_denominator_is_an_empty_cell_not_a_withheld_one(client):
    book = workbook(client, "2025-W23", language="en")  # no calls at all
    rows = by_code(sheet_of(book, "totals", "en"), "en")
    assert rows["received"]["2025-W23"] == 0
    for key in (*RATES, "asa_s", "wait_p90_s", "aht_s"):
        assert (rows[key]["2025-W23"], rows[key]["Change"]) == (None, None), key
    assert all(WITHHELD not in row.values() for row in rows.values())


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "hotline-2025-W23-all"),
        ({"line": "stress"}, "hotline-2025-W23-stress"),
        ({"publishable": "true"}, "hotline-2025-W23-all-publishable"),
        ({"line": "managers", "publishable": "true"}, "hotline-2025-W23-managers-publishable"),
    ],
)
def test_downloads_are_named_by_week_line_and_audience(client, params, name):
    for extension in ("xlsx", "csv"):
        response = client.get(f"/reports/weekly.{extension}", params={"week": "2025-W23", **params})
        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="{name}.{extension}"'


def test_names_that_look_like_formulas_or_hold_control_characters_stay_text(client, session, clock):
    desk = Desk(client, session, clock)
    clock.set(T0)
    names = ["=HYPERLINK(1)", "#N/A", "Bell\x07"]
    advisers = [desk.adviser(name=name) for name in names]
    for n, adviser in enumerate(advisers):
        call = desk.incoming("stress")["id"]
        for seconds, action in ((10, "accept"), (200, "end"), (230, "close")):
            clock.set(T0 + secs(300 * n + seconds))
            desk.ok(call, action, adviser, **(CLASSIFICATION if action == "close" else {}))
        desk.presence(adviser, "offline")
    clock.set(LATER)
    sheet = sheet_of(workbook(client), "by_adviser", "da")
    cells = {cell.value: cell for cell in sheet["A"][1:]}
    assert set(cells) == {"=HYPERLINK(1)", "#N/A", "Bell\ufffd"}
    assert {cell.data_type for cell in cells.values()} == {"s"}  # not a formula, nor an error


@pytest.mark.parametrize(
    ("params", "field"),
    [({"week": "2025-W53"}, "week"), ({"week": "2025-W23", "language": "de"}, "language")],
)
def test_a_bad_query_is_a_problem(client, params, field):
    assert_problem(client.get("/reports/weekly.xlsx", params=params), 422, field)
