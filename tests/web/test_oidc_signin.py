"""Signing in to the pages through the identity provider: the OpenID Connect code flow with
PKCE, against a fake provider (an httpx MockTransport) that checks what a real one would."""

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from service.tokens import oidc_flow
from service.tokens.session_models import WebSession
from tests.factories import create_adviser, use_settings

ISSUER = "https://login.example.dk/realms/authority"
CLIENT_ID = "hotline-pages"
API_AUDIENCE = "hotline"
AUTHORIZE = "https://login.example.dk/realms/authority/auth"
TOKEN = "https://login.example.dk/realms/authority/token"
CALLBACK = "http://testserver/web/signin/oidc/callback"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0;url=([^"]+)">')


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {
        "issuer": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "forger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


def jwks(key: rsa.RSAPrivateKey) -> str:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return json.dumps({"keys": [jwk | {"kid": "k1"}]})


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


@dataclass
class Grant:
    """What the provider remembers of a code: the request it answered, and who signed in."""

    challenge: str
    redirect_uri: str
    claims: dict[str, Any]
    access_claims: dict[str, Any] | None
    key: str


@dataclass
class FakeProvider:
    """The identity provider: hands out codes for a user, and trades each once at its token
    endpoint for an ID token signed by its key, after checking the PKCE verifier."""

    keys: dict[str, rsa.RSAPrivateKey]
    clock: Any
    secret: str | None = None
    grants: dict[str, Grant] = field(default_factory=dict)
    exchanges: list[dict[str, str]] = field(default_factory=list)
    token_error: tuple[int, dict[str, Any]] | None = None

    def sign(self, claims: dict[str, Any], key: str = "issuer") -> str:
        return jwt.encode(claims, self.keys[key], algorithm="RS256", headers={"kid": "k1"})

    def authorize(
        self,
        location: str,
        *,
        key: str = "issuer",
        access: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """The person signs in at the provider: the code the provider sends back with."""
        query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        now = int(self.clock().timestamp())
        body = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "user-1",
            "email": "Leder@Example.dk",
            "groups": ["supervisor"],
            "nonce": query["nonce"],
            "iat": now,
            "exp": now + 3600,
        } | claims
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(query["code_challenge"], query["redirect_uri"], body, access, key)
        return code

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and str(request.url) == TOKEN, request.url
        form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        self.exchanges.append(form)
        if self.token_error is not None:
            return httpx.Response(self.token_error[0], json=self.token_error[1])
        if self.secret is None:
            assert form.get("client_id") == CLIENT_ID
        else:
            # RFC 6749 2.3.1: the id and secret are form-encoded before they are joined.
            scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
            name, _, password = base64.b64decode(encoded).decode().partition(":")
            if (scheme, unquote_plus(name), unquote_plus(password)) != (
                "Basic",
                CLIENT_ID,
                self.secret,
            ):
                return httpx.Response(401, json={"error": "invalid_client"})
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or s256(form.get("code_verifier", "")) != grant.challenge
        ):
            return httpx.Response(400, json={"error": "invalid_grant"})
        claims = grant.claims
        answer = {"id_token": self.sign(claims, grant.key), "token_type": "Bearer"}
        if grant.access_claims is not None:
            answer["access_token"] = self.sign(
                {"iss": ISSUER, "aud": API_AUDIENCE, "sub": claims["sub"], "iat": claims["iat"],
                 "exp": claims["exp"]} | grant.access_claims
            )  # fmt: skip
        return httpx.Response(200, json=answer)


@pytest.fixture
def provider(client, keys, clock) -> FakeProvider:
    fake = FakeProvider(keys=keys, clock=clock)
    client.app.state.oidc_http = httpx.Client(transport=httpx.MockTransport(fake.handle))
    configure(client, keys)
    return fake


def configure(client, keys, **changes: Any) -> Any:
    return use_settings(
        client,
        **{
            "oidc_issuer": ISSUER,
            "oidc_audience": API_AUDIENCE,
            "oidc_jwks": jwks(keys["issuer"]),
            "oidc_roles_claim": "groups",
            "oidc_client_id": CLIENT_ID,
            "oidc_authorization_endpoint": AUTHORIZE + "?kc_idp_hint=authority",
            "oidc_token_endpoint": TOKEN,
        }
        | changes,
    )


@pytest.fixture
def browser(client):
    """The test client as a browser: no bearer token, only what the cookies say."""
    client.headers.pop("Authorization")
    return client


def begin(browser, next: str | None = None) -> str:
    answer = browser.get(
        "/web/signin/oidc", params={} if next is None else {"next": next}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def state_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["state"][0]


def come_back(browser, location: str, code: str, state: str | None = None):
    params = {"code": code, "state": state_of(location) if state is None else state}
    return browser.get("/web/signin/oidc/callback", params=params, follow_redirects=False)


def sessions(session) -> list[WebSession]:
    return list(session.exec(select(WebSession)).all())


def assert_refused(answer, status: int, text: str, session) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert text in answer.text
    assert "hotline_session" not in answer.headers.get("set-cookie", "")
    assert sessions(session) == []


def test_the_pkce_challenge_is_rfc_7636s_s256():
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oidc_flow.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    flow = oidc_flow.start(next="/web/", now=0.0)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", flow.verifier)
    assert oidc_flow.scope("email openid roles email") == "openid email roles"


def test_the_redirect_carries_the_code_request_with_a_pkce_challenge_and_state(browser, provider):
    location = begin(browser, next="/web/report")
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == AUTHORIZE
    query = parse_qs(parts.query)
    assert query["kc_idp_hint"] == ["authority"]  # the endpoint's own query is kept
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["scope"] == ["openid email"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"][0])
    cookie = next(
        header
        for header in browser.get("/web/signin/oidc", follow_redirects=False).headers.get_list(
            "set-cookie"
        )
        if header.startswith("hotline_oidc=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/web/signin/oidc" in cookie
    # The verifier itself stays in the browser's cookie until the code is traded.
    assert "code_verifier" not in query


def test_the_callback_signs_the_browser_in_for_the_pages_and_the_api(
    browser, session, provider, clock
):
    location = begin(browser, next="/web/report")
    answer = come_back(browser, location, provider.authorize(location, sub="person-9"))
    assert answer.status_code == 200, answer.text
    # A page of ours, not a redirect, so the next request is same-site and carries the cookie.
    assert REFRESH.search(answer.text).group(1) == "/web/report"
    assert 'href="/web/report"' in answer.text
    cookie = next(
        header for header in answer.headers.get_list("set-cookie") if "hotline_session=" in header
    )
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert answer.headers["cache-control"] == "no-store"
    # The provider was given the verifier whose hash the redirect carried, and the same address.
    exchange = provider.exchanges[-1]
    assert (
        s256(exchange["code_verifier"]) == parse_qs(urlsplit(location).query)["code_challenge"][0]
    )
    assert exchange["redirect_uri"] == CALLBACK
    [stored] = sessions(session)
    assert (stored.role, stored.subject, stored.adviser_id) == ("supervisor", "person-9", None)
    assert browser.get("/web/", follow_redirects=False).headers["location"] == "/web/wallboard"
    trend = browser.get("/reports/trend", params={"from": "2025-W20", "to": "2025-W21"})
    assert trend.status_code == 200, trend.text
    assert browser.get("/tokens").status_code == 403  # a supervisor's session, not an admin's


def test_an_adviser_signs_in_as_their_adviser_record_until_the_id_token_expires(
    client, session, provider, clock
):
    adviser = create_adviser(client, email="radgiver@example.dk")
    client.headers.pop("Authorization")
    location = begin(client)
    exp = int(clock().timestamp()) + 1800
    code = provider.authorize(location, email="Radgiver@example.dk", groups="adviser", exp=exp)
    answer = come_back(client, location, code)
    assert REFRESH.search(answer.text).group(1) == "/web/desk"
    [stored] = sessions(session)
    assert str(stored.adviser_id) == adviser["id"]
    # No longer than the identity provider vouches for the person.
    assert stored.expires_at.replace(tzinfo=UTC) == datetime.fromtimestamp(exp, UTC)
    assert client.get(f"/advisers/{adviser['id']}/calls").status_code == 200
    clock.advance(1801)
    assert client.get(f"/advisers/{adviser['id']}/calls").status_code == 401


def test_roles_only_in_the_access_token_count_through_the_apis_own_check(
    browser, session, provider
):
    location = begin(browser)
    code = provider.authorize(location, groups=[], access={"groups": ["admin"]})
    answer = come_back(browser, location, code)
    assert answer.status_code == 200, answer.text
    assert [s.role for s in sessions(session)] == ["admin"]


def test_an_access_token_of_another_user_lends_no_roles(browser, session, provider):
    location = begin(browser)
    code = provider.authorize(location, groups=[], access={"groups": ["admin"], "sub": "other"})
    assert_refused(come_back(browser, location, code), 401, "different users", session)


def test_a_confidential_client_authenticates_at_the_token_endpoint(client, browser, provider, keys):
    configure(client, keys, oidc_client_secret="s3cret/+")
    provider.secret = "s3cret/+"
    location = begin(browser)
    assert come_back(browser, location, provider.authorize(location)).status_code == 200
    assert "client_id" not in provider.exchanges[-1]


@pytest.mark.parametrize("state", ["", "another-state"])
def test_a_wrong_or_missing_state_is_refused(browser, session, provider, state):
    location = begin(browser)
    answer = come_back(browser, location, provider.authorize(location), state=state)
    assert_refused(answer, 400, "Prøv igen", session)
    assert provider.exchanges == []  # the code was never even traded


def test_a_callback_in_a_browser_that_never_started_the_flow_is_refused(browser, session, provider):
    location = begin(browser)
    browser.cookies.clear()
    answer = come_back(browser, location, provider.authorize(location))
    assert_refused(answer, 400, "ikke startet i denne browser", session)


def test_a_forged_flow_cookie_is_refused(browser, session, provider):
    location = begin(browser)
    value = browser.cookies["hotline_oidc"]
    payload, _, mac = value.partition(".")
    browser.cookies.clear()
    browser.cookies.set("hotline_oidc", payload + "." + mac[::-1], path="/web/signin/oidc")
    assert_refused(come_back(browser, location, provider.authorize(location)), 400, "Prøv", session)


def test_a_flow_left_too_long_is_refused(browser, session, provider, clock):
    location = begin(browser)
    clock.advance(601)
    assert_refused(come_back(browser, location, provider.authorize(location)), 400, "Prøv", session)


def test_a_replayed_state_is_refused(browser, session, provider):
    location = begin(browser)
    flow_cookie = browser.cookies["hotline_oidc"]
    assert come_back(browser, location, provider.authorize(location)).status_code == 200
    # The same flow once more, its cookie kept and a fresh code: the state is spent.
    browser.cookies.clear()
    browser.cookies.set("hotline_oidc", flow_cookie, path="/web/signin/oidc")
    again = come_back(browser, location, provider.authorize(location))
    assert again.status_code == 400
    assert "hotline_session" not in again.headers.get("set-cookie", "")
    assert len(sessions(session)) == 1


def test_an_id_token_with_another_nonce_is_refused(browser, session, provider):
    location = begin(browser)
    code = provider.authorize(location, nonce="someone-elses-nonce")
    assert_refused(come_back(browser, location, code), 401, "wrong nonce", session)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": 1_000}, "expired"),
        ({"iss": "https://evil.example.dk"}, "wrong issuer"),
        ({"aud": API_AUDIENCE}, "wrong audience"),  # the API's audience is not this client
        ({"key": "forger"}, "bad signature"),
    ],
)
def test_an_id_token_that_cannot_be_trusted_is_refused(browser, session, provider, claims, reason):
    location = begin(browser)
    code = provider.authorize(location, **claims)
    assert_refused(come_back(browser, location, code), 401, reason, session)


def test_the_person_declining_at_the_provider_is_told_so(browser, session, provider):
    begin(browser)
    answer = browser.get(
        "/web/signin/oidc/callback",
        params={"error": "access_denied", "error_description": "<script>x</script>"},
    )
    assert_refused(answer, 401, "(access_denied)", session)
    assert "<script>x" not in answer.text


def test_a_code_the_provider_will_not_trade_is_refused(browser, session, provider):
    location = begin(browser)
    code = provider.authorize(location)
    provider.token_error = (400, {"error": "invalid_grant"})
    assert_refused(come_back(browser, location, code), 401, "(invalid_grant)", session)


def test_a_provider_that_does_not_answer_is_a_502_page(browser, session, provider):
    location = begin(browser)
    code = provider.authorize(location)
    provider.token_error = (503, {})
    assert_refused(come_back(browser, location, code), 502, "svarer ikke", session)


@pytest.mark.parametrize(
    ("claims"),
    [{"groups": ["staff"]}, {"groups": ["adviser"], "email": "ukendt@example.dk"}],
    ids=["no role", "adviser without a record"],
)
def test_a_person_with_no_role_here_is_refused(browser, session, provider, claims):
    location = begin(browser)
    code = provider.authorize(location, **claims)
    assert_refused(come_back(browser, location, code), 403, "ingen rolle her", session)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/web/", "/calls", "/web\\@evil"]
)
def test_next_never_sends_the_browser_off_the_pages(browser, provider, target):
    location = begin(browser, next=target)
    answer = come_back(browser, location, provider.authorize(location))
    assert REFRESH.search(answer.text).group(1) == "/web/wallboard"


def test_without_a_client_id_there_is_no_provider_sign_in(client, browser, provider, keys):
    assert 'href="/web/signin/oidc?next=' in browser.get("/web/signin").text
    configure(client, keys, oidc_client_id=None)
    assert "/web/signin/oidc" not in browser.get("/web/signin").text
    off = browser.get("/web/signin/oidc", follow_redirects=False)
    assert off.status_code == 404
    assert "ikke sat op her" in off.text


def test_the_endpoints_and_keys_can_come_from_discovery(client, browser, session, keys, clock):
    fake = FakeProvider(keys=keys, clock=clock)
    discovery = {
        "issuer": ISSUER,
        "authorization_endpoint": AUTHORIZE,
        "token_endpoint": TOKEN,
        "jwks_uri": ISSUER + "/certs",
    }

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json=discovery)
        if request.url.path.endswith("/certs"):
            return httpx.Response(200, text=jwks(keys["issuer"]))
        return fake.handle(request)

    client.app.state.oidc_http = httpx.Client(transport=httpx.MockTransport(handle))
    configure(client, keys, oidc_authorization_endpoint=None, oidc_token_endpoint=None,
              oidc_jwks=None)  # fmt: skip
    location = begin(browser)
    assert location.startswith(AUTHORIZE + "?")
    answer = come_back(browser, location, fake.authorize(location))
    assert answer.status_code == 200, answer.text
    assert len(sessions(session)) == 1
