"""The OpenID Connect authorization code flow's protocol pieces, free of any framework: PKCE,
state and nonce, the authorization request, the token request, and the signed cookie that
carries a flow from the redirect to the identity provider to the callback."""

import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import jwt

# From the redirect to the identity provider to the callback: time to type a password and
# answer a second factor, short enough that a stolen cookie soon stops being any use.
FLOW_LIFETIME_S = 600
DEFAULT_SCOPE = "openid email"


class FlowRefused(Exception):
    """The callback does not belong to a flow this browser started; `reason` says which check."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress: what the callback must match, and where to go after it."""

    state: str
    nonce: str
    verifier: str
    next: str
    started_at: float


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def start(*, next: str, now: float) -> Flow:
    """A new flow: unguessable state and nonce, and a PKCE verifier (RFC 7636: 43-128 chars)."""
    return Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),  # 64 characters of [A-Za-z0-9_-]
        next=next,
        started_at=now,
    )


def challenge(verifier: str) -> str:
    """The PKCE S256 code challenge of a verifier: base64url(SHA-256(verifier)), no padding."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def scope(configured: str) -> str:
    """The scopes asked for: the configured ones, always with `openid` first (else no ID token)."""
    words = [word for word in configured.split() if word != "openid"]
    return " ".join(["openid", *dict.fromkeys(words)])


def authorization_url(
    endpoint: str, *, client_id: str, redirect_uri: str, scope: str, flow: Flow
) -> str:
    """Where to send the browser: the endpoint with the code request (keeping its own query)."""
    parts = urlsplit(endpoint)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", flow.state),
        ("nonce", flow.nonce),
        ("code_challenge", challenge(flow.verifier)),
        ("code_challenge_method", "S256"),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def token_request(
    *, code: str, flow: Flow, redirect_uri: str, client_id: str, client_secret: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The token endpoint's form and headers: the code with its verifier, and the client's
    credentials (HTTP Basic, OpenID Connect's default) unless it is a public client."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": flow.verifier,
    }
    headers = {"Accept": "application/json"}
    if client_secret:
        # RFC 6749 2.3.1: each part form-encoded before they are joined.
        pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    else:
        form["client_id"] = client_id  # a public client names itself; PKCE is its proof
    return form, headers


def flow_key(secret: str) -> bytes:
    """The key that signs flow cookies, derived from a deployment secret for this use alone."""
    return hmac.new(secret.encode(), b"hotline oidc flow cookie", hashlib.sha256).digest()


def seal(flow: Flow, key: bytes) -> str:
    """The cookie's value: the flow, and an HMAC of it so that nobody can make one up."""
    payload = _b64url(
        json.dumps(
            [flow.state, flow.nonce, flow.verifier, flow.next, flow.started_at],
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_b64url(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def unseal(value: str | None, key: bytes, *, now: float) -> Flow:
    """The flow a cookie carries, if we signed it and it is still young; else FlowRefused."""
    if not value:
        raise FlowRefused("no flow")
    payload, _, mac = value.partition(".")
    expected = _b64url(hmac.new(key, payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        raise FlowRefused("forged flow")
    try:
        state, nonce, verifier, next, started_at = json.loads(_unb64url(payload))
        flow = Flow(
            state=str(state),
            nonce=str(nonce),
            verifier=str(verifier),
            next=str(next),
            started_at=float(started_at),
        )
    except (ValueError, TypeError) as exc:
        raise FlowRefused("forged flow") from exc
    if not math.isfinite(flow.started_at) or not 0 <= now - flow.started_at <= FLOW_LIFETIME_S:
        raise FlowRefused("flow expired")
    return flow


def check_state(flow: Flow, state: str | None) -> None:
    """The callback's state is the one this browser's flow sent (RFC 6749 10.12: login CSRF)."""
    if not state or not hmac.compare_digest(state.encode(), flow.state.encode()):
        raise FlowRefused("state mismatch")


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The claims of an ID token whose signature and standard claims oidc.verify has checked."""
    claims: dict[str, Any] = jwt.decode(id_token, options={"verify_signature": False})
    return claims


def check_id_token(claims: dict[str, Any], *, flow: Flow, client_id: str) -> None:
    """OpenID Connect Core 3.1.3.7 beyond the signature, issuer, audience and times: the
    nonce this flow sent (a replayed ID token has another), and `azp` with several audiences."""
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), flow.nonce.encode()):
        raise FlowRefused("wrong nonce")
    audience = claims.get("aud")
    several = isinstance(audience, list) and len(audience) > 1
    if (several or "azp" in claims) and claims.get("azp") != client_id:
        raise FlowRefused("wrong authorized party")


class SpentStates:
    """The states whose callback has come, kept while their cookie could still be valid, so
    that a second callback of the same flow (a replay) is refused. In one process only; the
    identity provider taking each code once is the backstop across processes."""

    def __init__(self) -> None:
        self._spent: dict[str, float] = {}
        self._lock = threading.Lock()

    def spend(self, flow: Flow, *, now: float) -> None:
        """Mark the flow's state used; FlowRefused if it already was."""
        digest = hashlib.sha256(flow.state.encode()).hexdigest()
        with self._lock:
            for old in [s for s, until in self._spent.items() if until < now]:
                del self._spent[old]
            if digest in self._spent:
                raise FlowRefused("state already used")
            self._spent[digest] = flow.started_at + FLOW_LIFETIME_S
