"""The browser harness itself: its checks can fail, and it leaves its artifacts behind."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from selenium.webdriver import Chrome

from tests.browser.conftest import missing_browser
from tests.browser.harness import (
    REPO_ROOT,
    accessibility_violations,
    assert_accessible,
    console_entries,
    foreign_urls,
    forget_console,
    severe_errors,
    sign_in,
)

BAD_PAGE = '<html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>'
GOOD_PAGE = """<html lang="en"><head><title>Good</title></head>
<body><main><h1>Good</h1><img alt="A dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""


def show(driver: Chrome, html: str) -> None:
    """Show `html` as a page (about:blank, written over), so that scripts can be injected."""
    driver.get("about:blank")
    driver.execute_script("document.open(); document.write(arguments[0]); document.close();", html)


def test_the_accessibility_check_fails_a_page_with_violations(browser):
    show(browser, BAD_PAGE)
    violations = {v["id"]: v for v in accessibility_violations(browser)}
    assert {"image-alt", "html-has-lang", "document-title"} <= violations.keys()
    assert violations["image-alt"]["targets"] == ["img"]
    assert violations["image-alt"]["impact"] == "critical"
    with pytest.raises(AssertionError, match=r"image-alt \(critical\).* - img"):
        assert_accessible(browser)


def test_the_accessibility_check_passes_a_good_page(browser):
    show(browser, GOOD_PAGE)
    assert_accessible(browser)


def test_a_script_error_is_a_severe_console_entry(browser):
    show(browser, "<html><body><script>throw new Error('boom-4711')</script></body></html>")
    errors = severe_errors(console_entries(browser), allowed=[])
    assert any("boom-4711" in entry["message"] for entry in errors), console_entries(browser)
    assert severe_errors(console_entries(browser), allowed=["boom-47"]) == []
    # Checked: the end-of-test check must not fail this test for it.
    forget_console(browser)


def test_a_missing_favicon_is_no_error():
    entries = [
        {"level": "SEVERE", "message": "http://x/favicon.ico - Failed to load resource: 404"},
        {"level": "WARNING", "message": "something"},
        {"level": "SEVERE", "message": "http://x/app.js 12:3 Uncaught TypeError"},
    ]
    assert [e["message"] for e in severe_errors(entries, allowed=[])] == [entries[2]["message"]]


def test_only_other_origins_are_foreign():
    urls = [
        "http://127.0.0.1:8000/docs",
        "ws://127.0.0.1:8000/ws",
        "data:image/png;base64,AAAA",
        "blob:http://127.0.0.1:8000/1234",
        "chrome://new-tab-page-third-party/",
        "http://127.0.0.1:8001/other-port",
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css",
    ]
    assert foreign_urls(urls, "http://127.0.0.1:8000") == urls[5:]


INNER_TESTS = """
    def show(driver, html):
        driver.get("about:blank")
        driver.execute_script("document.write(arguments[0]); document.close();", html)

    def test_quiet(browser):
        show(browser, "<p>quiet page</p>")

    def test_noisy(browser):
        show(browser, "<script>throw new Error('boom-0815')</script>")

    import pytest

    @pytest.mark.console_errors_allowed("boom-0815")
    def test_noisy_but_allowed(browser):
        show(browser, "<script>throw new Error('boom-0815')</script>")
"""


def test_each_test_leaves_a_screenshot_and_a_page_error_fails_it(tmp_path: Path):
    """Tests using `browser`, run by pytest with this harness as plugin: each leaves its
    screenshot and console log, and the one whose page throws fails for it."""
    missing = missing_browser()
    if missing:
        pytest.fail(missing) if os.environ.get("CI") else pytest.skip(missing)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TESTS))
    results = tmp_path / "results"
    command = [sys.executable, "-m", "pytest", "-p", "tests.browser.conftest", "-q"]
    run = subprocess.run(
        [*command, "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "test_inner.py"],
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(REPO_ROOT), "HOTLINE_TEST_RESULTS": str(results)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "1 failed, 2 passed" in run.stdout, run.stdout + run.stderr
    assert "test_noisy - Failed: the page logged SEVERE errors" in run.stdout
    assert "boom-0815" in run.stdout
    for name in ("test_quiet", "test_noisy", "test_noisy_but_allowed"):
        screenshot = results / "screenshots" / f"test_inner.{name}.png"
        assert screenshot.read_bytes().startswith(b"\x89PNG"), name
        assert (results / "screenshots" / f"test_inner.{name}.console.json").exists()
    assert (
        "boom-0815" in (results / "screenshots" / "test_inner.test_noisy.console.json").read_text()
    )


def test_a_missing_browser_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    import tests.browser.conftest as harness_conftest

    assert missing_browser() is None
    monkeypatch.setattr(harness_conftest, "CHROMEDRIVER", "/nonexistent/chromedriver")
    reason = missing_browser()
    assert reason is not None
    assert "/nonexistent/chromedriver missing" in reason
    assert "apt-get install chromium chromium-driver" in reason


def test_make_person_gives_a_working_token_of_the_role(make_person, base_url: str):
    supervisor = make_person("supervisor")
    assert httpx.get(f"{base_url}/queue", headers=supervisor.headers).status_code == 200
    # A supervisor may not make tokens: the role is the one asked for, not the admin's.
    made = httpx.post(
        f"{base_url}/tokens",
        headers=supervisor.headers,
        json={"email": "x@example.dk", "role": "admin"},
    )
    assert made.status_code == 403, made.text
    assert supervisor.email.endswith("@example.dk") and supervisor.adviser_id


def test_start_web_server_runs_another_server_with_other_settings(start_web_server, base_url):
    other = start_web_server(api_docs="false")
    assert other.base_url != base_url
    assert httpx.get(f"{other.base_url}/openapi.json").status_code == 404
    assert httpx.get(f"{base_url}/openapi.json").status_code == 200


# Where a person lands is the pages' business, not the harness's (and may not exist yet).
@pytest.mark.console_errors_allowed(r"/web/[\w/]* - Failed to load resource: .* 404")
def test_sign_in_gives_the_browser_a_session(browser: Chrome, base_url: str, make_person):
    supervisor = make_person("supervisor")
    sign_in(browser, base_url, supervisor.token)
    cookie = browser.get_cookie("hotline_session")
    assert cookie is not None and cookie["httpOnly"], browser.get_cookies()
    assert cookie["sameSite"] == "Strict"


@pytest.mark.console_errors_allowed("401")
def test_sign_in_with_a_wrong_token_fails_with_the_pages_reason(browser: Chrome, base_url: str):
    with pytest.raises(AssertionError):
        sign_in(browser, base_url, "not-a-token")
    assert browser.get_cookie("hotline_session") is None
