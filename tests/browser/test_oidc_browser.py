"""The identity provider's sign-in in a real browser: Chromium goes to a fake provider on
another site (localhost beside the service's 127.0.0.1), is sent back cross-site with a
code, and ends up on the wallboard signed in: the SameSite=Strict session cookie, set on
that cross-site callback, goes with the next request because a page of ours moves on."""

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.harness import assert_accessible, wait_for
from tests.servers import free_port

CLIENT_ID = "hotline-pages"


class FakeProvider(ThreadingHTTPServer):
    """Signs in whoever comes at once as `claims`, and trades each code once for an ID token
    after checking its PKCE verifier."""

    def __init__(self, port: int, claims: dict[str, Any]) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.issuer = f"http://localhost:{port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.claims = claims
        self.grants: dict[str, dict[str, str]] = {}
        self.traded: list[str] = []

    def jwks(self) -> str:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return json.dumps({"keys": [jwk | {"kid": "k1"}]})


class _Handler(BaseHTTPRequestHandler):
    server: FakeProvider

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        """The authorization endpoint: the provider's own sign-in form, as a real one shows.
        Submitting it makes the way back a navigation this other site starts."""
        query = urlsplit(self.path).query
        page = (
            '<!doctype html><html lang="en"><head><title>Provider</title></head><body>'
            f'<form method="post" action="/login?{query}">'
            '<button id="provider-signin" type="submit">Sign in</button></form></body></html>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        if self.path.startswith("/login"):
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            code = secrets.token_urlsafe(16)
            self.server.grants[code] = query
            back = {"code": code, "state": query["state"]}
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{urlencode(back)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # The token endpoint.
        form = {k: v[0] for k, v in parse_qs(body).items()}
        grant = self.server.grants.pop(form.get("code", ""), None)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if grant is None or challenge != grant["code_challenge"]:
            self._json(400, {"error": "invalid_grant"})
            return
        now = int(time.time())
        claims = {
            "iss": self.server.issuer,
            "aud": CLIENT_ID,
            "sub": "person-1",
            "nonce": grant["nonce"],
            "iat": now,
            "exp": now + 3600,
        } | self.server.claims
        token = jwt.encode(claims, self.server.key, algorithm="RS256", headers={"kid": "k1"})
        self.server.traded.append(form["code"])
        self._json(200, {"id_token": token, "token_type": "Bearer"})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider(free_port(), {"email": "leder@example.dk", "groups": ["supervisor"]})
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.shutdown()
        fake.server_close()


def test_a_supervisor_signs_in_through_the_identity_provider(
    browser: Chrome, start_web_server, provider: FakeProvider
):
    server = start_web_server(
        oidc_issuer=provider.issuer,
        oidc_jwks=provider.jwks(),
        oidc_roles_claim="groups",
        oidc_client_id=CLIENT_ID,
        oidc_authorization_endpoint=f"{provider.issuer}/auth",
        oidc_token_endpoint=f"{provider.issuer}/token",
    )
    browser.get(f"{server.base_url}/web/signin")
    assert_accessible(browser)
    browser.find_element(By.CSS_SELECTOR, 'a[href^="/web/signin/oidc"]').click()
    # Out to the provider (another site), whose form sends the browser back to the
    # callback, and on to the wallboard.
    wait_for(browser, "#provider-signin").click()
    WebDriverWait(browser, 15).until(lambda d: urlsplit(d.current_url).path == "/web/wallboard")
    assert len(provider.traded) == 1
    wait_for(browser, "main")
    assert "/web/signin" not in browser.current_url
    names = {cookie["name"]: cookie for cookie in browser.get_cookies()}
    assert names["hotline_session"]["sameSite"] == "Strict"
    assert names["hotline_session"]["httpOnly"] is True
    assert "hotline_oidc" not in names  # the flow's cookie is gone with the flow
