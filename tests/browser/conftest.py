"""Browser tests: headless Chromium (Debian's chromium + chromium-driver) driving a real server.

Fixtures: `web_server` (a real `hotline serve` on a database of its own, SQLite or the
PostgreSQL of HOTLINE_TEST_DATABASE_URL), `base_url`, `admin_headers`, `admin_api` (an
httpx client as admin), `make_person` (a person's token of a role), and `browser` (a
Chrome WebDriver). After each test that used `browser`, its screenshot and console log are
written to test-results/screenshots/, and the test fails if the page logged a SEVERE
error. The helpers (waits, console, network, axe-core) are in tests/browser/harness.py.
See docs/testing.md.
"""

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from tests.browser.harness import artifact_name, console_entries, save_artifacts, severe_errors
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database
from tests.servers import Server, running_server
from tests.servers import admin_headers as make_admin_headers

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless as root on a closed network: no sandbox (root), no GPU, /tmp not /dev/shm, and
# none of Chrome's own traffic to Google hosts (it would log errors and slow the start).
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
    "--lang=en",
]

# As in production, but for retention: the desk's push and the routing timer, which the
# suite turns off for its in-process tests, are on.
SERVER_SETTINGS: dict[str, object] = {
    "desk_push": "true",
    "routing_timer": "true",
    "retention_timer": "false",
}
_DRIVER = pytest.StashKey[webdriver.Chrome]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "console_errors_allowed(*patterns): SEVERE console entries matching one of these "
        "regular expressions do not fail the test (a page meant to answer 403, say)",
    )


# -- the server ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def web_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the browser tests' own: the server commits, and other tests must not
    see its rows (they share the suite's database inside rolled-back transactions)."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path_factory.mktemp("web-db")) as url:
        yield url


@pytest.fixture(scope="session")
def web_server(web_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `hotline serve`, as in production: the desk's push and the routing timer on
    (the suite turns them off for in-process tests), the retention timer off."""
    log = tmp_path_factory.mktemp("web-server") / "serve.log"
    with running_server(web_database_url, log, **SERVER_SETTINGS) as server:
        yield server


@pytest.fixture
def start_web_server(
    web_server: Server, web_database_url: str, tmp_path: Path
) -> Iterator[Callable[..., Server]]:
    """`start_web_server(offer_timeout_s=3)`: another server on the same (migrated)
    database, with other settings (HOTLINE_* as keywords), stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(**changes: object) -> Server:
            log = tmp_path / f"serve-{uuid.uuid4().hex[:6]}.log"
            return stack.enter_context(
                running_server(web_database_url, log, migrate=False, **(SERVER_SETTINGS | changes))
            )

        yield start


@pytest.fixture(scope="session")
def base_url(web_server: Server) -> str:
    """The server's origin, e.g. http://127.0.0.1:41234 (no trailing slash)."""
    return web_server.base_url


@pytest.fixture(scope="session")
def admin_headers(web_server: Server, web_database_url: str) -> dict[str, str]:
    """{"Authorization": "Bearer ..."} of an admin, made by `hotline token create`."""
    return make_admin_headers(web_database_url)


@pytest.fixture(scope="session")
def admin_api(base_url: str, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    """An httpx client of the JSON API as admin, for setting up what a page shows."""
    with httpx.Client(base_url=base_url, headers=admin_headers, timeout=10) as client:
        yield client


@dataclass(frozen=True)
class Person:
    """Someone with a personal token: what the sign-in page takes."""

    email: str
    role: str
    token: str
    adviser_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def make_person(admin_api: httpx.Client) -> Callable[..., Person]:
    """`make_person("adviser", email=None)`: a token made by POST /tokens as admin.

    An unknown email is registered serving no line; to be offered calls, create the adviser
    first (POST /advisers with their lines) and pass the same email.
    """

    def make(role: str, email: str | None = None) -> Person:
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.dk"
        response = admin_api.post("/tokens", json={"email": email, "role": role, "days": 1})
        assert response.status_code == 201, response.text
        created = response.json()
        return Person(email.lower(), role, created["token"], created["adviser_id"])

    return make


# -- the browser --------------------------------------------------------------------------


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return None
    return (
        f"{' and '.join(missing)} missing: the browser tests need Debian's chromium and "
        "chromium-driver (apt-get install chromium chromium-driver; ./scripts/test does it "
        "as root)"
    )


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium (own profile, 1280x900, no implicit waits).

    Use explicit waits (`wait_for`, `wait_for_text`). Skipped when chromium is not
    installed; in CI (CI set) that is an error instead.
    """
    missing = missing_browser()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    profile = tempfile.mkdtemp(prefix="hotline-chromium-")
    options = webdriver.ChromeOptions()
    # Both paths given, so that Selenium Manager never tries to download a browser.
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        driver.implicitly_wait(0)
        driver.set_window_size(1280, 900)
        driver.set_script_timeout(30)
        driver.set_page_load_timeout(30)
        request.node.stash[_DRIVER] = driver
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After the test body, while its page is still open: the screenshot, the console log,
    and a failure if the page logged a SEVERE error (and the test had not failed already)."""
    try:
        result = yield
    except BaseException:
        # The test's own failure is the news: artifacts if the browser still answers.
        driver = item.stash.get(_DRIVER, None)
        if driver is not None:
            with contextlib.suppress(WebDriverException):
                save_artifacts(driver, artifact_name(item))
        raise
    driver = item.stash.get(_DRIVER, None)
    if driver is not None:
        save_artifacts(driver, artifact_name(item))
        allowed = [
            pattern
            for marker in item.iter_markers("console_errors_allowed")
            for pattern in marker.args
        ]
        errors = severe_errors(console_entries(driver), allowed)
        if errors:
            lines = "\n".join(f"  {entry['source']}: {entry['message']}" for entry in errors)
            pytest.fail(f"the page logged SEVERE errors:\n{lines}", pytrace=False)
    return result
