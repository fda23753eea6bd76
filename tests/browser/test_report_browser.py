"""The supervisor's pages in a real browser: a supervisor signs in, opens the weekly report
of a week with calls, sees its charts, flips the publishable switch, and the wallboard shows
a call that starts waiting while it is open."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.harness import (
    artifact_name,
    assert_accessible,
    save_artifacts,
    sign_in,
    wait_for,
)
from tests.factories import closed_call, iso

# 2025-W40: Monday 29 September to Sunday 5 October 2025, long before any other browser
# test's calls (they are live, today's).
WEEK = "2025-W40"
TUESDAY = datetime(2025, 9, 30, 7, 0, tzinfo=UTC)  # 09:00 in Copenhagen
# The wallboard polls every 5 s; a call posted once it is open shows within two polls.
POLL_WAIT_S = 15


def _a_week_of_calls(admin_api: httpx.Client) -> None:
    """Six answered calls and two callers who hung up on the stress line: the two are below
    the publishable report's threshold (5) and are withheld there."""
    for i in range(6):
        answer = admin_api.post("/calls", json=closed_call(TUESDAY + timedelta(minutes=10 * i)))
        assert answer.status_code == 201, answer.text
    for i in range(2):
        received = TUESDAY + timedelta(hours=3, minutes=10 * i)
        hung_up = {
            "line": "stress",
            "received_at": iso(received),
            "ended_at": iso(received + timedelta(seconds=45)),
        }
        answer = admin_api.post("/calls", json=hung_up)
        assert answer.status_code == 201, answer.text


def _charts_drawn(browser: Chrome, *, publishable: bool = False) -> None:
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) >= 4
    for chart in charts:
        assert chart.is_displayed()
        # Half the page's width at least (two charts a row); a chart without data is lower.
        assert chart.size["width"] > 400 and chart.size["height"] > 60, chart.size
    if publishable:
        return  # a week this small is withheld almost whole: its charts have gaps only
    # The trend's points and the heat map's cells are drawn, not just the frames.
    assert browser.find_elements(By.CSS_SELECTOR, "#trend-received svg circle.point")
    cells = browser.find_elements(By.CSS_SELECTOR, "#arrivals svg rect.cell")
    assert len(cells) == 7 * 24


def _screenshot_of_charts(browser: Chrome, request: pytest.FixtureRequest, state: str) -> None:
    """A screenshot with the charts in view (the automatic one shows the top of the page)."""
    charts = browser.find_element(By.CSS_SELECTOR, "#charts-heading")
    browser.execute_script("arguments[0].scrollIntoView()", charts)
    save_artifacts(browser, f"{artifact_name(request.node)}.{state}")


def test_a_supervisor_reads_the_weekly_report_and_flips_it_to_publishable(
    browser: Chrome,
    base_url: str,
    admin_api: httpx.Client,
    make_person,
    request: pytest.FixtureRequest,
):
    _a_week_of_calls(admin_api)
    supervisor = make_person("supervisor")
    sign_in(browser, base_url, supervisor.token, next=f"/web/report?week={WEEK}")
    wait_for(browser, "#trend-received svg")
    assert browser.find_element(By.CSS_SELECTOR, "#week").get_attribute("value") == WEEK
    received = browser.find_element(By.CSS_SELECTOR, '#totals td[data-figure="received"]')
    assert received.get_attribute("data-value") == "8"
    _charts_drawn(browser)
    _screenshot_of_charts(browser, request, "charts")
    assert_accessible(browser)
    abandoned = '#totals td[data-figure="abandoned"]'
    assert browser.find_element(By.CSS_SELECTOR, abandoned).get_attribute("data-value") == "2"

    browser.find_element(By.CSS_SELECTOR, "#publishable").click()
    wait_for(browser, "#publishable-badge")
    assert "publishable=true" in browser.current_url
    assert f"week={WEEK}" in browser.current_url
    withheld = browser.find_element(By.CSS_SELECTOR, abandoned)
    assert withheld.get_attribute("data-suppressed") == "true"
    assert browser.find_element(By.CSS_SELECTOR, "#publishable").is_selected()
    _charts_drawn(browser, publishable=True)
    _screenshot_of_charts(browser, request, "publishable-charts")
    browser.execute_script("window.scrollTo(0, 0)")
    assert_accessible(browser)
    csv = browser.find_element(By.CSS_SELECTOR, "#download-csv").get_attribute("href")
    assert csv.startswith(f"{base_url}/reports/weekly.csv?week={WEEK}")
    assert "publishable=true" in csv


def test_the_wallboard_shows_a_call_that_starts_waiting_without_a_reload(
    browser: Chrome, base_url: str, admin_api: httpx.Client, make_person
):
    supervisor = make_person("supervisor")
    sign_in(browser, base_url, supervisor.token, next="/web/wallboard")
    cell = 'tr[data-line="managers"] td[data-figure="waiting"]'
    before = int(wait_for(browser, cell).text)
    assert_accessible(browser)
    # No adviser serves `managers` in these tests: the call stays in the queue.
    posted = admin_api.post(
        "/calls", json={"line": "managers", "received_at": datetime.now(UTC).isoformat()}
    )
    assert posted.status_code == 201, posted.text
    try:
        WebDriverWait(browser, POLL_WAIT_S).until(
            lambda driver: driver.find_element(By.CSS_SELECTOR, cell).text == str(before + 1)
        )
        # The same page: the panel was replaced in place, not the page reloaded.
        assert browser.current_url == f"{base_url}/web/wallboard"
        assert_accessible(browser)
    finally:
        admin_api.post(f"/calls/{posted.json()['id']}/abandon")
