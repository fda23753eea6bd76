"""Who is looking at a page, in which language, and the CSRF check of its forms."""

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from service.auth.dependencies import SESSION_COOKIE
from service.auth.errors import CsrfRejected
from service.auth.models import Principal, Role
from service.clock import NowDep
from service.db import SessionDep
from service.tokens import sessions
from service.tokens.session_models import WebSession
from service.web.errors import PageForbidden, SignInRequired
from service.web.i18n import pick_language

LANGUAGE_COOKIE = "hotline_lang"
# Before sign-in there is no session to hold the form's CSRF token: the sign-in page sets
# it in a cookie of its own and the form sends it back (double submit).
SIGNIN_CSRF_COOKIE = "hotline_signin"


@dataclass(frozen=True)
class Page:
    """What every template needs: the request, its language, its CSRF token and the person."""

    request: Request
    lang: str
    csrf_token: str
    principal: Principal | None = None
    web_session: WebSession | None = None


def page_language(request: Request) -> str:
    """The page's language: the person's choice (a cookie), else the browser's."""
    return pick_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


Lang = Annotated[str, Depends(page_language)]


def public_page(request: Request, lang: Lang) -> Page:
    """A page anyone may see (sign-in): its forms' CSRF token comes from their own cookie."""
    token = request.cookies.get(SIGNIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    return Page(request=request, lang=lang, csrf_token=token)


def signed_in_page(request: Request, session: SessionDep, now: NowDep, lang: Lang) -> Page:
    """A page for a signed-in person; without a live session the browser goes to sign in."""
    cookie = request.cookies.get(SESSION_COOKIE)
    found = sessions.find(session=session, secret=cookie, now=now) if cookie else None
    if found is None:
        raise SignInRequired()
    principal = sessions.principal_of(found)
    # As get_principal does: the audit trail records the reads the page makes.
    session.info["principal"] = principal
    session.info["now"] = now
    session.info["client_ip"] = request.client.host if request.client else None
    return Page(
        request=request,
        lang=lang,
        csrf_token=found.csrf_token,
        principal=principal,
        web_session=found,
    )


PublicPage = Annotated[Page, Depends(public_page)]
SignedInPage = Annotated[Page, Depends(signed_in_page)]


def supervisor_page(page: SignedInPage) -> Page:
    """A page for supervisors and admins; an adviser gets a 403 page."""
    assert page.principal is not None
    if not page.principal.at_least(Role.supervisor):
        raise PageForbidden()
    return page


def adviser_page(page: SignedInPage) -> Page:
    """A page for a person with an adviser record (the desk)."""
    assert page.principal is not None
    if page.principal.adviser_id is None:
        raise PageForbidden()
    return page


SupervisorPage = Annotated[Page, Depends(supervisor_page)]
AdviserPage = Annotated[Page, Depends(adviser_page)]


async def check_form_csrf(request: Request, page: SignedInPage) -> Page:
    """A form posted to a page carries the session's CSRF token, or it is refused (403)."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(
        sent.encode(), page.csrf_token.encode()
    ):
        raise CsrfRejected()
    return page


CsrfCheckedPage = Annotated[Page, Depends(check_form_csrf)]
