"""Sign-in through the identity provider: the OpenID Connect code flow, with PKCE.

`/web/signin/oidc` sends the browser to the provider with a fresh state, nonce and PKCE
challenge, which a short-lived signed cookie keeps; the provider sends it back to the
callback with a code, exchanged at its token endpoint for an ID token. The person that
token speaks for gets a session just as a personal token's holder does.
"""

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import State
from starlette.responses import HTMLResponse, RedirectResponse, Response

from service.auth.models import PERSON_ROLES, Principal
from service.clock import NowDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.errors import Unauthorized
from service.tokens import oidc, oidc_flow
from service.tokens import service as tokens_service
from service.tokens.errors import NoRole
from service.web.dependencies import Page, PublicPage
from service.web.i18n import translate
from service.web.router import HOME, safe_next, secure_cookies, signin_page, start_session
from service.web.templating import render

router = APIRouter(include_in_schema=False)

FLOW_COOKIE = "hotline_oidc"
FLOW_PATH = "/web/signin/oidc"
HTTP_TIMEOUT_S = 10.0
# The provider's endpoints change rarely; read again after this, or after a failure.
DISCOVERY_KEPT_S = 3600.0
# What a provider's `error` may show on the page: an RFC 6749 error code, not free text.
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")

_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The identity provider could not be reached, or answered something unusable."""


class CodeRefused(Exception):
    """The token endpoint refused the code; the message is its error code."""


@dataclass(frozen=True)
class Endpoints:
    """Where the provider takes the browser, the code, and keeps its keys."""

    authorization: str
    token: str
    jwks: str


@dataclass
class ProviderState:
    """The app's memory of the flow: spent states, the provider's keys and endpoints."""

    spent: oidc_flow.SpentStates = field(default_factory=oidc_flow.SpentStates)
    keys: dict[str, oidc.JwksCache] = field(default_factory=dict)
    discovered: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)


def provider_http(request: Request) -> httpx.Client:
    """The HTTP client that talks to the identity provider, `app.state.oidc_http`: tests put
    one there whose transport plays the provider."""
    state = request.app.state
    with _lock:
        if getattr(state, "oidc_http", None) is None:
            state.oidc_http = httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=False)
    client: httpx.Client = state.oidc_http
    return client


def provider_state(request: Request) -> ProviderState:
    state = request.app.state
    with _lock:
        if getattr(state, "oidc_provider", None) is None:
            state.oidc_provider = ProviderState()
    remembered: ProviderState = state.oidc_provider
    return remembered


ProviderHttp = Annotated[httpx.Client, Depends(provider_http)]
Provider = Annotated[ProviderState, Depends(provider_state)]


def _get_json(http: httpx.Client, url: str) -> Any:
    try:
        answer = http.get(url, headers={"Accept": "application/json"})
        answer.raise_for_status()
        return answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(url) from exc


def endpoints(settings: Settings, http: httpx.Client, provider: ProviderState) -> Endpoints:
    """The provider's endpoints as set, the rest from its discovery document."""
    issuer = settings.oidc_issuer or ""
    authorization = settings.oidc_authorization_endpoint
    token = settings.oidc_token_endpoint
    jwks = settings.oidc_jwks
    if not (authorization and token and jwks):
        found = _discover(issuer, http, provider)
        authorization = authorization or found.get("authorization_endpoint")
        token = token or found.get("token_endpoint")
        jwks = jwks or found.get("jwks_uri")
    if not (isinstance(authorization, str) and isinstance(token, str) and isinstance(jwks, str)):
        raise ProviderUnavailable("endpoints unknown")
    return Endpoints(authorization=authorization, token=token, jwks=jwks)


def _discover(issuer: str, http: httpx.Client, provider: ProviderState) -> dict[str, Any]:
    """The issuer's /.well-known/openid-configuration, kept for a while."""
    clock = time.monotonic()
    kept = provider.discovered.get(issuer)
    if kept is not None and clock - kept[0] < DISCOVERY_KEPT_S:
        return kept[1]
    document = _get_json(http, issuer.rstrip("/") + "/.well-known/openid-configuration")
    # OpenID Connect Discovery 4.3: the document is the issuer's own, or none of it counts.
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        raise ProviderUnavailable("discovery document of another issuer")
    provider.discovered[issuer] = (clock, document)
    return document


def _keys(source: str, state: State, provider: ProviderState) -> oidc.JwksCache:
    """The provider's key set, fetched through `app.state.oidc_http` when it is a URL."""

    def fetch(url: str) -> str:
        answer = state.oidc_http.get(url)
        answer.raise_for_status()
        text: str = answer.text
        return text

    with _lock:
        return provider.keys.setdefault(source, oidc.JwksCache(source, fetch=fetch))


def _flow_key(settings: Settings) -> bytes:
    # Derived from the deployment's secret that production must set anyway: one less to manage.
    return oidc_flow.flow_key(settings.number_key)


def redirect_uri(request: Request, settings: Settings) -> str:
    """The callback's address: as registered at the provider, else this request's own."""
    return settings.oidc_redirect_uri or str(request.url_for("oidc_callback"))


def _refused(
    page: Page, settings: Settings, *, next: str, reason: str, status_code: int, **values: str
) -> HTMLResponse:
    """The sign-in page again, saying why in the page's language; the flow is over."""
    response = signin_page(
        page,
        settings,
        next=next,
        error=translate(page.lang, reason, **values),
        status_code=status_code,
    )
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    _private(response)
    return response


def _private(response: Response) -> None:
    # The callback's address carries the code and state: kept out of caches and Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"


@router.get(FLOW_PATH, summary="Sign in through the identity provider")
def start_oidc_signin(
    page: PublicPage,
    settings: SettingsDep,
    http: ProviderHttp,
    provider: Provider,
    now: NowDep,
    next: str | None = None,
) -> Response:
    target = safe_next(next)
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return _refused(page, settings, next=target, reason="oidc.refused.off", status_code=404)
    try:
        found = endpoints(settings, http, provider)
    except ProviderUnavailable:
        return _refused(
            page, settings, next=target, reason="oidc.refused.unavailable", status_code=502
        )
    flow = oidc_flow.start(next=target, now=now.timestamp())
    location = oidc_flow.authorization_url(
        found.authorization,
        client_id=settings.oidc_client_id,
        redirect_uri=redirect_uri(page.request, settings),
        scope=oidc_flow.scope(settings.oidc_scopes),
        flow=flow,
    )
    response = RedirectResponse(location, status_code=303)
    # Lax, not Strict: the provider's redirect back is a cross-site top-level GET, which a
    # Strict cookie would not accompany. Only the callback's path gets it.
    response.set_cookie(
        FLOW_COOKIE,
        oidc_flow.seal(flow, _flow_key(settings)),
        max_age=oidc_flow.FLOW_LIFETIME_S,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(page.request, settings),
        path=FLOW_PATH,
    )
    _private(response)
    return response


@router.get(
    FLOW_PATH + "/callback", name="oidc_callback", summary="Back from the identity provider"
)
def oidc_callback(
    page: PublicPage,
    session: SessionDep,
    settings: SettingsDep,
    http: ProviderHttp,
    provider: Provider,
    now: NowDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> Response:
    request = page.request
    try:
        flow: oidc_flow.Flow | None = oidc_flow.unseal(
            request.cookies.get(FLOW_COOKIE), _flow_key(settings), now=now.timestamp()
        )
    except oidc_flow.FlowRefused:
        flow = None
    target = safe_next(flow.next) if flow is not None else HOME

    def refused(reason: str, status_code: int, **values: str) -> HTMLResponse:
        return _refused(
            page, settings, next=target, reason=reason, status_code=status_code, **values
        )

    if not (settings.oidc_issuer and settings.oidc_client_id):
        return refused("oidc.refused.off", 404)
    if error is not None:
        shown = error if _ERROR_CODE.fullmatch(error) else "error"
        return refused("oidc.refused.provider", 401, error=shown)
    if flow is None or not code:
        return refused("oidc.refused.flow", 400)
    try:
        oidc_flow.check_state(flow, state)
        # Spent before the exchange, so that a replay racing the first callback loses too.
        provider.spent.spend(flow, now=now.timestamp())
    except oidc_flow.FlowRefused:
        return refused("oidc.refused.flow", 400)

    callback = redirect_uri(request, settings)
    try:
        found = endpoints(settings, http, provider)
        tokens = _exchange(http, found.token, settings, flow=flow, code=code, callback=callback)
    except ProviderUnavailable:
        return refused("oidc.refused.unavailable", 502)
    except CodeRefused as exc:
        return refused("oidc.refused.code", 401, error=str(exc))

    try:
        principal, expires_at = _principal(
            request, session, settings, found, provider, flow=flow, tokens=tokens, now=now
        )
    except (oidc.InvalidToken, oidc_flow.FlowRefused) as exc:
        return refused("oidc.refused.token", 401, why=str(exc))
    except Unauthorized as exc:
        return refused("oidc.refused.token", 401, why=exc.detail)
    except NoRole:
        return refused("oidc.refused.no_role", 403)

    signed_in = start_session(
        request, settings, session, principal, now, target, expires_at=expires_at
    )
    return _continue(page, signed_in)


def _exchange(
    http: httpx.Client,
    token_endpoint: str,
    settings: Settings,
    *,
    flow: oidc_flow.Flow,
    code: str,
    callback: str,
) -> dict[str, Any]:
    """The provider's tokens for the code, proven by the flow's PKCE verifier."""
    secret = settings.oidc_client_secret
    form, headers = oidc_flow.token_request(
        code=code,
        flow=flow,
        redirect_uri=callback,
        client_id=settings.oidc_client_id or "",
        client_secret=secret.get_secret_value() if secret else None,
    )
    try:
        answer = http.post(token_endpoint, data=form, headers=headers)
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable("token endpoint") from exc
    if answer.status_code in (400, 401) and isinstance(body, dict):
        error = body.get("error")
        raise CodeRefused(error if isinstance(error, str) and _ERROR_CODE.fullmatch(error) else "")
    if answer.status_code != 200 or not isinstance(body, dict):
        raise ProviderUnavailable("token endpoint")
    if not isinstance(body.get("id_token"), str):
        raise ProviderUnavailable("no ID token")
    return body


def _principal(
    request: Request,
    session: SessionDep,
    settings: Settings,
    found: Endpoints,
    provider: ProviderState,
    *,
    flow: oidc_flow.Flow,
    tokens: dict[str, Any],
    now: datetime,
) -> tuple[Principal, datetime]:
    """Whom the ID token speaks for, through the API's mapping, and until when."""
    config = oidc.OidcConfig(
        issuer=settings.oidc_issuer or "",
        audience=settings.oidc_client_id,  # an ID token is issued to this client
        jwks=found.jwks,
        roles_claim=settings.oidc_roles_claim,
        email_claim=settings.oidc_email_claim,
    )
    id_token: str = tokens["id_token"]
    keys = _keys(found.jwks, request.app.state, provider)
    identity = oidc.verify(id_token, config, keys, now=now.timestamp())
    claims = oidc_flow.id_token_claims(id_token)
    oidc_flow.check_id_token(claims, flow=flow, client_id=config.audience or "")
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)

    access_token = tokens.get("access_token")
    has_role = any(role.value in identity.roles for role in PERSON_ROLES)
    if has_role or not (
        isinstance(access_token, str) and settings.oidc_jwks and oidc.looks_like_jwt(access_token)
    ):
        principal = tokens_service.oidc_principal_for(
            session=session, settings=settings, identity=identity
        )
        return principal, expires_at
    # Some providers (Keycloak by default) put the roles in the access token only: then the
    # API's own check of that token decides, exactly as for a bearer token, for the same user.
    principal = request.app.state.authenticate(
        session=session, settings=settings, credential=access_token, now=now
    )
    if principal.subject != identity.subject:
        raise oidc.InvalidToken("tokens of different users")
    access_expiry = oidc_flow.id_token_claims(access_token)["exp"]
    return principal, min(expires_at, datetime.fromtimestamp(access_expiry, UTC))


def _continue(page: Page, signed_in: Response) -> HTMLResponse:
    """A page of ours that moves on to the target, carrying the new session's cookie.

    The session cookie is SameSite=Strict and this request came from the provider's site: a
    redirect from here would still be part of that cross-site navigation, so the browser would
    leave the new cookie out of the next request and the page would ask for a sign-in again.
    A page on our own site that moves on by itself (meta refresh, and a link) starts a
    same-site navigation, which the Strict cookie accompanies.
    """
    target = signed_in.headers["location"]
    response = render(page, "oidc_continue.html", target=target)
    for name, value in signed_in.raw_headers:
        if name == b"set-cookie":
            response.headers.append("set-cookie", value.decode("latin-1"))
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    _private(response)
    return response
