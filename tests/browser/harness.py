"""Helpers of the browser tests: waiting, the console, the network, axe-core, artifacts.

Import them in a test (`from tests.browser.harness import wait_for, assert_accessible`);
the fixtures are in conftest.py. See docs/testing.md.
"""

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "service/web/static/vendor/axe-core/axe.min.js"
WAIT_S = 10.0


def results_dir() -> Path:
    """Where screenshots and console logs go: test-results/ at the repository root
    (HOTLINE_TEST_RESULTS elsewhere)."""
    return Path(os.environ.get("HOTLINE_TEST_RESULTS", REPO_ROOT / "test-results"))


# -- waiting ------------------------------------------------------------------------------


def wait_for(driver: Chrome, css: str, timeout_s: float = WAIT_S) -> WebElement:
    """The first visible element matching the CSS selector, waiting for it."""
    try:
        element: WebElement = WebDriverWait(driver, timeout_s).until(
            expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
        )
    except TimeoutException:
        raise AssertionError(
            f"no visible {css!r} within {timeout_s} s on {driver.current_url}"
        ) from None
    return element


def wait_for_text(driver: Chrome, css: str, text: str, timeout_s: float = WAIT_S) -> WebElement:
    """The first element matching `css`, once its text contains `text`."""
    try:
        WebDriverWait(driver, timeout_s).until(
            expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
        )
    except TimeoutException:
        shown = [element.text for element in driver.find_elements(By.CSS_SELECTOR, css)]
        raise AssertionError(
            f"{css!r} never showed {text!r} within {timeout_s} s: {shown}"
        ) from None
    return driver.find_element(By.CSS_SELECTOR, css)


def sign_in(driver: Chrome, base_url: str, token: str, next: str | None = None) -> None:
    """Sign in on the sign-in page with a personal token, as a person does, and wait until
    the page has moved on (to `next`, if given); fails with the page's error if refused."""
    query = f"?{urlencode({'next': next})}" if next else ""
    driver.get(f"{base_url}/web/signin{query}")
    wait_for(driver, "#token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#signin-submit").click()

    def moved_on(driver: Chrome) -> bool:
        if driver.find_elements(By.CSS_SELECTOR, "#signin-error"):
            raise AssertionError(driver.find_element(By.CSS_SELECTOR, "#signin-error").text)
        return urlsplit(driver.current_url).path != "/web/signin"

    try:
        WebDriverWait(driver, WAIT_S).until(moved_on)
    except TimeoutException:
        raise AssertionError(f"still on {driver.current_url} after signing in") from None
    if next:
        assert urlsplit(driver.current_url).path == urlsplit(next).path, driver.current_url


# -- the console --------------------------------------------------------------------------


def _store(driver: Chrome) -> list[dict[str, Any]]:
    store: list[dict[str, Any]] | None = getattr(driver, "_hotline_console", None)
    if store is None:
        store = []
        driver._hotline_console = store  # type: ignore[attr-defined]
    return store


def console_entries(driver: Chrome) -> list[dict[str, Any]]:
    """Every console entry of this browser so far (level, source, message, timestamp).

    Use this rather than driver.get_log("browser"), which hands each entry out only once:
    the end-of-test check reads the same list.
    """
    store = _store(driver)
    store.extend(driver.get_log("browser"))
    return list(store)


def forget_console(driver: Chrome) -> None:
    """Drop the console entries so far (after a test has checked an error it caused)."""
    console_entries(driver)
    _store(driver).clear()


def severe_errors(entries: list[dict[str, Any]], allowed: list[str]) -> list[dict[str, Any]]:
    """The SEVERE entries, but for a missing favicon and those matching an `allowed` regex."""
    return [
        entry
        for entry in entries
        if entry.get("level") == "SEVERE"
        and "favicon.ico" not in entry.get("message", "")
        and not any(re.search(pattern, entry.get("message", "")) for pattern in allowed)
    ]


# -- the network --------------------------------------------------------------------------


def requested_urls(driver: Chrome) -> list[str]:
    """Every URL the browser asked the network for since the last call (Chrome's
    performance log: each request of a page and its assets, failed ones too, websockets),
    but for those the browser itself blocked before sending (by the page's CSP, say)."""
    # A redirect is sent again under the same request id: each of its URLs counts.
    sent: list[tuple[str, str]] = []
    blocked: set[str] = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            sent.append((params["requestId"], params["request"]["url"]))
        elif message["method"] == "Network.webSocketCreated":
            sent.append((params["requestId"], params["url"]))
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason"):
            blocked.add(params["requestId"])
    return [url for request_id, url in sent if request_id not in blocked]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return scheme, parts.netloc


def foreign_urls(urls: list[str], base_url: str) -> list[str]:
    """The network URLs (http, https, ws, wss: not data:, blob:, or the browser's own
    chrome://) that go elsewhere than `base_url`'s origin."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
        and _origin(url) != _origin(base_url)
    ]


# -- accessibility ------------------------------------------------------------------------

_AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: arguments[0]})
  .then(result => done({violations: result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(node => node.target.join(' '))}))}))
  .catch(error => done({error: String(error)}));
"""


def accessibility_violations(
    driver: Chrome, tags: tuple[str, ...] = ("wcag2a", "wcag2aa")
) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now: id, impact, help, targets."""
    assert AXE_JS.exists(), f"axe-core is not vendored at {AXE_JS}"
    driver.execute_script(AXE_JS.read_text())
    outcome: dict[str, Any] = driver.execute_async_script(_AXE_RUN, list(tags))
    assert "error" not in outcome, f"axe-core failed: {outcome['error']}"
    violations: list[dict[str, Any]] = outcome["violations"]
    return violations


def assert_accessible(driver: Chrome) -> None:
    """Fail, listing each violation, unless the page passes axe-core's WCAG 2 A and AA rules."""
    violations = accessibility_violations(driver)
    lines = "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']} - {', '.join(v['targets'])}" for v in violations
    )
    assert not violations, f"{driver.current_url} fails WCAG 2 A/AA (axe-core):\n{lines}"


# -- artifacts ----------------------------------------------------------------------------


def artifact_name(item: pytest.Item) -> str:
    """`<module>.<test name>`, safe as a file name (parameters included)."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", f"{item.path.stem}.{item.name}").strip("_")


def save_artifacts(driver: Chrome, name: str) -> tuple[Path, Path]:
    """Write `<name>.png` (the screenshot) and `<name>.console.json` to the results'
    screenshots folder; their paths."""
    folder = results_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    screenshot = folder / f"{name}.png"
    console = folder / f"{name}.console.json"
    driver.save_screenshot(str(screenshot))
    console.write_text(json.dumps(console_entries(driver), indent=2, ensure_ascii=False))
    return screenshot, console
