"""The weekly report as a page: who may see it, that it shows GET /reports/weekly's figures
for the same week, its SVG charts, the publishable switch and the downloads."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from service.web.i18n import catalogue
from tests.factories import create_adviser, make_token
from tests.reports_data import LATER, classified_calls, publishable_week, tuesday_calls
from tests.web.test_signin import sign_in

TEMPLATES = Path(__file__).parents[2] / "service" / "web" / "templates"
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
SVG_NS = "{http://www.w3.org/2000/svg}"


class ReportPage(HTMLParser):
    """The figures a report page shows, by where they are: `totals` by figure name, each
    breakdown's cells by (code, count|share); withheld cells as "withheld"; the inline SVGs."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table: str | None = None
        self.code: str | None = None
        self.cells: dict[str, dict[object, str | None]] = {}
        self.links: dict[str, str] = {}
        self.svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "table" and "id" in found:
            self.table = found["id"]
            self.cells.setdefault(self.table, {})
        if tag == "tr":
            self.code = found.get("data-code")
        if tag == "a" and "id" in found:
            self.links[found["id"]] = found["href"]
        if tag == "td" and "data-figure" in found and self.table:
            key: object = found["data-figure"]
            if self.code is not None:
                key = (self.code or None, found["data-figure"])
            value = "withheld" if found.get("data-suppressed") else found.get("data-value")
            self.cells[self.table][key] = value

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None


def number(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


@pytest.fixture
def as_supervisor(client, session, clock):
    """`as_supervisor()`, once the data is in: the client signed in through the sign-in page
    as a supervisor, with no bearer token left. Returns the admin's headers, for the API."""

    def sign_in_as_supervisor() -> dict[str, str]:
        admin = {"Authorization": client.headers["Authorization"]}
        token = make_token(session, "supervisor", now=clock())
        client.headers.pop("Authorization")
        assert sign_in(client, token).status_code == 303
        return admin

    return sign_in_as_supervisor


def test_without_a_session_the_report_sends_the_browser_to_sign_in(client):
    client.headers.pop("Authorization")
    answer = client.get("/web/report?week=2025-W23", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/web/signin?next=/web/report")


def test_an_adviser_is_refused_the_report(client, session, clock):
    adviser = create_adviser(client)
    token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    client.headers.pop("Authorization")
    sign_in(client, token)
    answer = client.get("/web/report?week=2025-W23")
    assert answer.status_code == 403
    # Nor does the cookie open the API's report, or its downloads.
    assert client.get("/reports/weekly.csv?week=2025-W23").status_code == 403


def test_the_page_shows_the_figures_of_get_reports_weekly(client, clock, as_supervisor):
    clock.set(LATER)
    tuesday_calls(client)
    supervisor = as_supervisor()
    page = client.get("/web/report?week=2025-W23")
    assert page.status_code == 200, page.text
    api = client.get("/reports/weekly", params={"week": "2025-W23"}, headers=supervisor).json()
    shown = ReportPage(page.text)
    totals = shown.cells["totals"]
    assert number(totals["received"]) == api["totals"]["received"] == 14
    for name, value in api["totals"].items():
        if name == "suppressed":
            continue
        assert number(totals[name]) == value, name
        assert number(totals[f"previous.{name}"]) == api["previous_week"]["totals"][name], name
    for line, line_totals in api["by_line"].items():
        for name in ("received", "answered", "service_level", "asa_s"):
            assert number(shown.cells["by_line"][(line, name)]) == line_totals[name], line
    assert number(shown.cells["by_line"][("managers", "received")]) == 4
    for name in ("by_caller_type", "by_sector", "by_issue_category", "by_advice_type"):
        rows = api[name]
        assert rows, name
        for row in rows:
            assert number(shown.cells[name][(row["code"], "count")]) == row["count"], name
            assert number(shown.cells[name][(row["code"], "share")]) == row["share"], name


def test_the_breakdowns_list_each_code_with_its_label_in_the_page_s_language(
    client, clock, as_supervisor
):
    clock.set(LATER)
    classified_calls(client)
    supervisor = as_supervisor()
    api = client.get("/reports/weekly", params={"week": "2025-W25"}, headers=supervisor).json()
    danish = client.get("/web/report?week=2025-W25")
    assert '<html lang="da">' in danish.text
    client.cookies.set("hotline_lang", "en")
    english = client.get("/web/report?week=2025-W25")
    assert '<html lang="en">' in english.text
    workload = next(r for r in api["by_issue_category"] if r["code"] == "workload")
    assert workload["count"] == 2
    assert workload["label_da"] in danish.text
    assert workload["label_en"] in english.text
    assert "Ugerapport" in danish.text and "Weekly report" in english.text
    shown = ReportPage(english.text)
    assert number(shown.cells["by_issue_category"][("workload", "count")]) == 2


def test_the_page_draws_the_trend_the_heat_map_and_the_staffing_as_svg(
    client, clock, as_supervisor
):
    clock.set(LATER)
    tuesday_calls(client)
    as_supervisor()
    shown = ReportPage(client.get("/web/report?week=2025-W23").text)
    assert len(shown.svgs) >= 4
    parsed = {}
    for svg in shown.svgs:
        root = ET.fromstring(svg)  # well-formed XML, or this fails
        assert root.tag == f"{SVG_NS}svg"
        assert root.get("role") == "img"
        assert root.find(f"{SVG_NS}title").text
        parsed[root.find(f"{SVG_NS}title").get("id")] = root
    trend = parsed["chart-trend-received-title"]
    # Eight weeks, only the last with calls: one point per week, 14 received in W23.
    points = trend.findall(f".//{SVG_NS}circle")
    assert len(points) == 8
    assert points[-1].find(f"{SVG_NS}title").text.endswith("14 opkald")
    rates = parsed["chart-trend-rates-title"]
    assert len(rates.findall(f".//{SVG_NS}g[@class='series']")) == 2
    heat = parsed["chart-arrivals-title"]
    assert len(heat.findall(f".//{SVG_NS}rect[@class='cell']")) == 7 * 24
    # Tuesday 09:00-09:42 local: 14 inbound calls (and an outbound in none) in hour 09.
    cells = [c.find(f"{SVG_NS}title").text for c in heat.findall(f".//{SVG_NS}rect[@class='cell']")]
    assert "tir 09: 14 opkald" in cells
    bars = parsed["chart-staffing-title"].findall(f".//{SVG_NS}rect[@class='bar']")
    assert len(bars) >= 1


def test_the_publishable_switch_withholds_the_small_counts(client, session, clock, as_supervisor):
    publishable_week(client, session, clock)
    supervisor = as_supervisor()
    full = ReportPage(client.get("/web/report?week=2025-W24&line=managers").text)
    assert "withheld" not in full.cells["totals"].values()
    assert 'id="publishable-badge"' not in client.get("/web/report?week=2025-W24").text
    page = client.get("/web/report?week=2025-W24&line=managers&publishable=true")
    assert page.status_code == 200
    assert 'id="publishable-badge"' in page.text
    published = ReportPage(page.text)
    api = client.get(
        "/reports/weekly",
        params={"week": "2025-W24", "line": "managers", "publishable": "true"},
        headers=supervisor,
    ).json()
    assert api["totals"]["suppressed"]
    for name in api["totals"]["suppressed"]:
        assert published.cells["totals"][name] == "withheld", name
        assert full.cells["totals"][name] != "withheld", name
    assert "tilbageholdt" in page.text
    # The advisers' own figures are not in a publishable report at all.
    assert 'id="by_adviser"' not in page.text


def test_the_downloads_are_the_api_s_files_through_the_cookie(client, clock, as_supervisor):
    clock.set(LATER)
    tuesday_calls(client)
    as_supervisor()
    shown = ReportPage(client.get("/web/report?week=2025-W23&line=stress&publishable=true").text)
    csv_url, xlsx_url = shown.links["download-csv"], shown.links["download-xlsx"]
    for url in (csv_url, xlsx_url):
        assert "week=2025-W23" in url and "line=stress" in url and "publishable=true" in url
    assert "Authorization" not in client.headers
    csv = client.get(csv_url)
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.content.decode("utf-8").startswith("\ufeffweek,line,dimension")
    xlsx = client.get(xlsx_url)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx.content[:2] == b"PK"  # a zip, as every workbook is


def test_the_week_defaults_to_the_last_complete_one(client, clock, as_supervisor):
    clock.set(LATER)  # Monday 1 December 2025 is in 2025-W49
    as_supervisor()
    page = client.get("/web/report")
    assert page.status_code == 200
    assert 'value="2025-W48"' in page.text
    assert "/reports/weekly.csv?week=2025-W48" in page.text


@pytest.mark.parametrize("query", ["week=2025-W60", "week=last", "week=2025-W23&line=nowhere"])
def test_a_bad_week_or_line_is_said_on_the_page(client, as_supervisor, query):
    as_supervisor()
    page = client.get(f"/web/report?{query}")
    assert page.status_code == 422
    assert 'role="alert"' in page.text
    assert "<svg" not in page.text


def test_every_key_the_report_uses_exists_in_both_languages():
    keys = set()
    for template in TEMPLATES.glob("report*.html"):
        keys |= {k for k in KEY.findall(template.read_text(encoding="utf-8"))}
    source = (TEMPLATES.parent / "report_pages.py").read_text(encoding="utf-8")
    # Every key the module names, whether it calls t() on it or passes it on.
    keys |= set(re.findall(r"""["'](report\.[a-z0-9_.]+)["']""", source))
    keys |= {f"report.weekday.{day}" for day in range(1, 8)}
    keys |= {
        f"report.breakdown.{name}"
        for name in (
            "by_caller_type",
            "by_sector",
            "by_issue_category",
            "primary_issue_category",
            "by_advice_type",
            "by_workplace_size",
        )
    }
    keys = {k for k in keys if not k.endswith((".", ".html"))}
    assert len(keys) > 20
    texts = catalogue()
    for key in keys:
        assert key in texts, key
        assert texts[key].get("da") and texts[key].get("en"), key


def test_the_staffing_chart_puts_the_advisers_logged_in_beside_those_needed(
    client, session, clock, as_supervisor
):
    # Gry was logged in 09:00-09:30 local on Tuesday; the calls came at 10 and on Wednesday.
    publishable_week(client, session, clock)
    as_supervisor()
    shown = ReportPage(client.get("/web/report?week=2025-W24").text)
    staffing = next(
        ET.fromstring(svg) for svg in shown.svgs if 'aria-labelledby="chart-staffing-' in svg
    )
    bars = {
        bar.find(f"{SVG_NS}title").text
        for bar in staffing.findall(f".//{SVG_NS}rect[@class='bar']")
    }
    assert "tir 09: Rådgivere logget ind (gns.) 0,5 rådgivere" in bars
    assert any(b.startswith("tir 10: Rådgivere nødvendige (Erlang C) ") for b in bars)
    assert len(staffing.findall(f".//{SVG_NS}g[@class='series']")) == 2
    # Not in the publishable version: a few advisers' hours would say who worked when.
    published = ReportPage(client.get("/web/report?week=2025-W24&publishable=true").text)
    staffing = next(
        ET.fromstring(svg) for svg in published.svgs if 'aria-labelledby="chart-staffing-' in svg
    )
    assert len(staffing.findall(f".//{SVG_NS}g[@class='series']")) <= 1
    assert "logget ind" not in ET.tostring(staffing, encoding="unicode")
