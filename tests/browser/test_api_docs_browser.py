"""The API's docs in a real browser: Swagger UI and ReDoc render from the server alone."""

from selenium.webdriver import Chrome

from tests.browser.harness import foreign_urls, requested_urls, wait_for, wait_for_text

TITLE = "Hotline case desk"


def test_swagger_ui_renders_with_nothing_from_another_host(browser: Chrome, base_url: str):
    browser.get(f"{base_url}/docs")
    wait_for_text(browser, ".swagger-ui .info .title", TITLE)
    # The operations are listed: the OpenAPI document was fetched and read.
    wait_for(browser, ".swagger-ui .opblock")
    urls = requested_urls(browser)
    assert f"{base_url}/openapi.json" in urls
    assert foreign_urls(urls, base_url) == []


def test_redoc_renders_with_nothing_from_another_host(browser: Chrome, base_url: str):
    browser.get(f"{base_url}/redoc")
    wait_for_text(browser, ".api-info h1", TITLE, timeout_s=20)
    urls = requested_urls(browser)
    assert f"{base_url}/openapi.json" in urls
    assert foreign_urls(urls, base_url) == []
