"""Sign-in, sign-out and the language of the pages; `/` and `/web/` lead to the right page."""

import hmac
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from service.auth.dependencies import SESSION_COOKIE
from service.auth.errors import CsrfRejected
from service.auth.models import PERSON_ROLES, Principal, Role
from service.clock import NowDep
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import Unauthorized
from service.tokens import sessions
from service.web.dependencies import (
    LANGUAGE_COOKIE,
    SIGNIN_CSRF_COOKIE,
    CsrfCheckedPage,
    Page,
    PublicPage,
    SignedInPage,
)
from service.web.i18n import LANGUAGES
from service.web.templating import render

router = APIRouter(include_in_schema=False)

HOME = "/web/"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of ours only, never another site (open redirect)."""
    if target and target.startswith("/web/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


def secure_cookies(request: Request, settings: SettingsDep) -> bool:
    return request.url.scheme == "https" or settings.web_secure_cookies


@router.get("/", summary="The start page")
async def root() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=307)


@router.get("/web/", summary="The signed-in person's start page")
def web_home(page: SignedInPage) -> RedirectResponse:
    assert page.principal is not None
    return RedirectResponse(_home(page.principal), status_code=303)


@router.get("/web/signin", summary="The sign-in page")
def signin_form(
    page: PublicPage,
    settings: SettingsDep,
    next: str | None = None,
    ended: bool = False,
    signed_out: bool = False,
) -> HTMLResponse:
    notice = "signin.signed_out" if signed_out else "signin.expired" if ended else None
    return signin_page(page, settings, next=safe_next(next), notice=notice)


def signin_page(
    page: Page,
    settings: SettingsDep,
    *,
    next: str,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The sign-in form (with its CSRF cookie), a notice or why a sign-in was refused."""
    response = render(
        page,
        "signin.html",
        status_code=status_code,
        next=next,
        notice=notice,
        error=error,
        oidc=bool(settings.oidc_issuer and settings.oidc_client_id),
    )
    response.set_cookie(
        SIGNIN_CSRF_COOKIE,
        page.csrf_token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(page.request, settings),
        path="/web/",
    )
    return response


@router.post("/web/signin", summary="Sign in with a personal token")
def signin(
    page: PublicPage,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    token: Annotated[str, Form(max_length=4096)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str | None, Form(max_length=2048)] = None,
) -> Response:
    request = page.request
    cookie_token = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    if not cookie_token or not hmac.compare_digest(cookie_token.encode(), csrf_token.encode()):
        raise CsrfRejected()
    target = safe_next(next)
    try:
        principal = request.app.state.authenticate(
            session=session, settings=settings, credential=token.strip(), now=now
        )
    except Unauthorized as refused:
        return signin_page(page, settings, next=target, error=refused.detail, status_code=401)
    if principal.role not in PERSON_ROLES:
        # The phone system's service account has no pages.
        return signin_page(
            page,
            settings,
            next=target,
            error="this token belongs to a service account, not a person",
            status_code=403,
        )
    return start_session(request, settings, session, principal, now, target)


def start_session(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    principal: Principal,
    now: datetime,
    target: str,
    *,
    expires_at: datetime | None = None,
) -> Response:
    """Sign the browser in and send it on to `target` (also the OpenID Connect callback's)."""
    secret, web_session = sessions.start(
        session=session, settings=settings, principal=principal, now=now, expires_at=expires_at
    )
    response = RedirectResponse(target if target != HOME else _home(principal), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max(1, int((web_session.expires_at - now).total_seconds())),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, settings),
        path="/",
    )
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/web/")
    return response


def _home(principal: Principal) -> str:
    # A supervisor's day starts at the wallboard (the desk is a link away if they take calls).
    if principal.at_least(Role.supervisor) or principal.adviser_id is None:
        return "/web/wallboard"
    return "/web/desk"


@router.post("/web/signout", summary="Sign out")
def signout(page: CsrfCheckedPage, session: SessionDep, now: NowDep) -> RedirectResponse:
    assert page.web_session is not None
    sessions.end(session=session, web_session=page.web_session, now=now)
    response = RedirectResponse("/web/signin?signed_out=true", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/web/language", summary="Choose the pages' language")
def choose_language(
    request: Request, settings: SettingsDep, lang: str, next: str | None = None
) -> RedirectResponse:
    # A link, not a form: it changes only this browser's preference, nothing on record.
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="strict",
            secure=secure_cookies(request, settings),
            path="/",
        )
    return response


def signin_redirect(request: Request) -> RedirectResponse:
    """Where a page without a live session sends the browser: sign in, then back."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    ended = SESSION_COOKIE in request.cookies
    query = f"next={quote(target, safe='/')}" + ("&ended=true" if ended else "")
    response = RedirectResponse(f"/web/signin?{query}", status_code=303)
    if ended:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response
