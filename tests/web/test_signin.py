"""Signing in to the pages: a personal token for an HttpOnly, SameSite=Strict session
cookie, CSRF on every change, and the cookie ending with its token or the sign-out."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from service.tokens.session_models import WebSession
from tests.factories import bearer, create_adviser, make_token

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def signin_csrf(client) -> str:
    page = client.get("/web/signin")
    assert page.status_code == 200
    return CSRF_FIELD.search(page.text).group(1)


def sign_in(client, token: str, next: str | None = None):
    form = {"token": token, "csrf_token": signin_csrf(client)}
    if next is not None:
        form["next"] = next
    return client.post("/web/signin", data=form, follow_redirects=False)


def session_csrf(session) -> str:
    """The signed-in browser's CSRF token (the pages carry it in a meta tag and their forms)."""
    return session.exec(select(WebSession).where(WebSession.ended_at.is_(None))).one().csrf_token


@pytest.fixture
def adviser_token(client, session, clock):
    adviser = create_adviser(client)
    return adviser, make_token(session, "adviser", adviser_id=adviser["id"], now=clock())


@pytest.fixture
def browser(client, adviser_token):
    """The test client as a browser: no bearer token, only what the cookies say."""
    client.headers.pop("Authorization")
    return client


def test_a_token_signs_the_browser_in_with_an_httponly_strict_cookie(
    browser, session, adviser_token
):
    _, token = adviser_token
    answer = sign_in(browser, token)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/web/desk"
    cookie = next(
        header for header in answer.headers.get_list("set-cookie") if "hotline_session=" in header
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/" in cookie
    secret = browser.cookies["hotline_session"]
    stored = session.exec(select(WebSession)).all()
    assert len(stored) == 1
    # Only the hash is kept: the database alone does not sign anyone in.
    assert secret not in {stored[0].secret_hash, stored[0].csrf_token}


def test_the_session_cookie_reads_the_api_and_a_change_needs_the_csrf_header(
    browser, session, adviser_token
):
    adviser, token = adviser_token
    sign_in(browser, token)
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 200
    presence = {"presence": "available"}
    refused = browser.put(f"/advisers/{adviser['id']}/presence", json=presence)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith(":csrf")
    wrong = browser.put(
        f"/advisers/{adviser['id']}/presence", json=presence, headers={"X-CSRF-Token": "x"}
    )
    assert wrong.status_code == 403
    csrf = session_csrf(session)
    accepted = browser.put(
        f"/advisers/{adviser['id']}/presence", json=presence, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 200, accepted.text
    assert browser.get(f"/advisers/{adviser['id']}/presence").json()[0]["presence"] == "available"


def test_a_wrong_token_is_refused_on_the_page_and_signs_nothing_in(browser, session):
    answer = sign_in(browser, "not-a-token")
    assert answer.status_code == 401
    assert "The token is not known" in answer.text
    assert "hotline_session" not in browser.cookies
    assert session.exec(select(WebSession)).all() == []


@pytest.mark.parametrize("csrf", ["", "forged"])
def test_the_signin_form_needs_its_own_csrf_token(browser, session, adviser_token, csrf):
    _, token = adviser_token
    browser.get("/web/signin")
    answer = browser.post(
        "/web/signin", data={"token": token, "csrf_token": csrf}, follow_redirects=False
    )
    assert answer.status_code == 403
    assert session.exec(select(WebSession)).all() == []


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(browser, adviser_token):
    answer = browser.get("/web/?x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/web/signin?next=/web/%3Fx%3D1"
    _, token = adviser_token
    assert sign_in(browser, token, next="/web/?x=1").headers["location"] == "/web/?x=1"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/web/", "/calls", "/web\\@evil"]
)
def test_sign_in_never_sends_the_browser_off_the_pages(browser, adviser_token, target):
    _, token = adviser_token
    assert sign_in(browser, token, next=target).headers["location"] == "/web/desk"


def test_signing_out_ends_the_session_even_for_a_kept_cookie(browser, session, adviser_token):
    adviser, token = adviser_token
    sign_in(browser, token)
    secret = browser.cookies["hotline_session"]
    csrf = session_csrf(session)
    # Sign-out is a form, so it needs the token as well.
    assert browser.post("/web/signout", data={"csrf_token": "x"}).status_code == 403
    out = browser.post("/web/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/web/signin?signed_out=true"
    browser.cookies.set("hotline_session", secret)
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 401


def test_a_revoked_token_ends_the_browsers_it_signed_in(browser, session, clock, adviser_token):
    adviser, token = adviser_token
    admin = make_token(session, "admin", now=clock())
    sign_in(browser, token)
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 200
    tokens = browser.get("/tokens", headers=bearer(admin)).json()
    mine = next(item for item in tokens if item["adviser_id"] == adviser["id"])
    assert browser.delete(f"/tokens/{mine['id']}", headers=bearer(admin)).status_code == 204
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 401
    page = browser.get("/web/", follow_redirects=False)
    assert page.headers["location"].startswith("/web/signin?next=/web/&ended=true")


def test_a_session_ends_after_a_shift(browser, adviser_token, clock):
    adviser, token = adviser_token
    sign_in(browser, token)
    clock.advance(timedelta(hours=7, minutes=59).total_seconds())
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 200
    clock.advance(timedelta(minutes=2).total_seconds())
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 401


def test_the_pages_speak_danish_unless_the_browser_or_the_person_asks_for_english(browser):
    assert '<html lang="da">' in browser.get("/web/signin").text
    english = browser.get("/web/signin", headers={"Accept-Language": "en-GB,en;q=0.9,da;q=0.5"})
    assert '<html lang="en">' in english.text
    assert "Personal token" in english.text
    chosen = browser.get("/web/language?lang=en&next=/web/signin", follow_redirects=False)
    assert chosen.headers["location"] == "/web/signin"
    assert '<html lang="en">' in browser.get("/web/signin").text


def test_the_start_page_leads_to_the_pages(browser):
    assert browser.get("/", follow_redirects=False).headers["location"] == "/web/"


def test_a_supervisor_starts_at_the_wallboard_and_an_adviser_at_the_desk(browser, session, clock):
    supervisor = make_token(session, "supervisor", now=clock())
    assert sign_in(browser, supervisor).headers["location"] == "/web/wallboard"


def test_retention_deletes_sessions_a_day_after_they_ended_and_keeps_live_ones(
    browser, session, clock, adviser_token
):
    from service.config import get_settings
    from service.retention.service import run_retention

    adviser, token = adviser_token
    sign_in(browser, token)
    browser.post("/web/signout", data={"csrf_token": session_csrf(session)})
    clock.advance(timedelta(hours=23).total_seconds())
    sign_in(browser, token)
    run_retention(session=session, settings=get_settings(), now=clock())
    assert len(session.exec(select(WebSession)).all()) == 2
    clock.advance(timedelta(hours=2).total_seconds())
    run_retention(session=session, settings=get_settings(), now=clock())
    kept = session.exec(select(WebSession)).all()
    assert [row.ended_at for row in kept] == [None]
    # The live one still signs the browser in.
    assert browser.get(f"/advisers/{adviser['id']}/calls").status_code == 200


def test_switching_language_keeps_the_page_and_its_query(browser):
    page = browser.get("/web/signin?next=/web/report%3Fweek%3D2026-W48")
    link = re.search(r'href="(/web/language\?lang=en[^"]*)"', page.text).group(1)
    switched = browser.get(link.replace("&amp;", "&"), follow_redirects=False)
    assert switched.headers["location"] == "/web/signin?next=/web/report%3Fweek%3D2026-W48"


def test_a_pages_bad_query_gets_a_page_naming_it_and_the_api_keeps_its_problem(
    browser, session, clock
):
    sign_in(browser, make_token(session, "supervisor", now=clock()))
    page = browser.get("/web/report?publishable=maybe")
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "publishable" in page.text and 'role="alert"' in page.text
    api = browser.get("/reports/weekly?publishable=maybe")
    assert api.status_code == 422
    assert api.headers["content-type"].startswith("application/problem+json")
