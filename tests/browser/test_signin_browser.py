"""The sign-in page in a real browser: accessible in both languages and in its error state,
and the session cookie out of the page's reach (HttpOnly)."""

import pytest
from selenium.webdriver.common.by import By

from tests.browser.harness import assert_accessible, sign_in, wait_for, wait_for_text


def test_the_signin_page_passes_the_accessibility_check_in_danish_and_english(browser, base_url):
    browser.get(f"{base_url}/web/signin")
    wait_for(browser, "#token")
    # The browser runs with --lang=en, and the page follows its Accept-Language.
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert_accessible(browser)
    browser.find_element(By.CSS_SELECTOR, 'a[lang="da"]').click()
    wait_for_text(browser, "label[for=token]", "Personligt token")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "da"
    assert_accessible(browser)


# The page answers 401 with the form again, which Chrome logs as a failed load.
@pytest.mark.console_errors_allowed(r"/web/signin - .*status of 401")
def test_a_wrong_token_is_said_on_the_page_in_an_accessible_way(browser, base_url):
    browser.get(f"{base_url}/web/signin")
    wait_for(browser, "#token").send_keys("not a token")
    browser.find_element(By.CSS_SELECTOR, "#signin-submit").click()
    error = wait_for(browser, "#signin-error")
    assert error.get_attribute("role") == "alert"
    # The field names the error, so a screen reader hears why it was refused.
    described = browser.find_element(By.CSS_SELECTOR, "#token").get_attribute("aria-describedby")
    assert "signin-error" in described.split()
    assert_accessible(browser)


def test_the_session_cookie_is_out_of_the_pages_reach(browser, base_url, make_person):
    person = make_person("supervisor")
    sign_in(browser, base_url, person.token)
    cookies = {cookie["name"]: cookie for cookie in browser.get_cookies()}
    assert cookies["hotline_session"]["httpOnly"] is True
    assert cookies["hotline_session"]["sameSite"] == "Strict"
    assert "hotline_session" not in browser.execute_script("return document.cookie")
