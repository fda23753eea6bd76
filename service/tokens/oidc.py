"""Verify OpenID Connect tokens (JWTs) against an issuer's JWKS and turn them into an Identity."""

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

# Asymmetric only: with HS* a public key could be abused as the HMAC secret.
_KEY_TYPES = {
    **dict.fromkeys(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"], "RSA"),
    **dict.fromkeys(["ES256", "ES384", "ES512"], "EC"),
    "EdDSA": "OKP",
}
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_ALG_NAME = re.compile(r"[A-Za-z0-9]{1,16}")
MAX_SUBJECT = 255
Fetch = Callable[[str], str]


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why, without echoing the token."""


@dataclass(frozen=True)
class OidcConfig:
    """Which issuer to trust, where its keys are and where the claims we need live."""

    issuer: str
    audience: str | None
    jwks: str
    roles_claim: str = "roles"
    email_claim: str = "email"
    leeway_s: float = 30.0


@dataclass(frozen=True)
class Identity:
    """Who the verified token speaks for."""

    subject: str
    email: str | None
    roles: frozenset[str]


def looks_like_jwt(token: str) -> bool:
    """Whether the text has the shape of a compact JWS: three base64url segments."""
    return isinstance(token, str) and _JWT_SHAPE.fullmatch(token) is not None


def _http_get(url: str) -> str:
    """Fetch a JWKS over HTTP."""
    import httpx  # imported here: httpx is a dev dependency, needed only for URL sources

    response = httpx.get(url, timeout=5)
    response.raise_for_status()
    return response.text


class JwksCache:
    """Loads the JWKS once, and again on a miss (key rotation), at most once per min_refresh_s."""

    def __init__(
        self, source: str, *, min_refresh_s: float = 60.0, fetch: Fetch | None = None
    ) -> None:
        self.source = source
        self.min_refresh_s = min_refresh_s
        self._fetch = fetch or _http_get
        self._keys: list[jwt.PyJWK] = []
        self._loaded_at: float | None = None

    def key_for(self, kid: str | None, alg: str) -> Any:
        """The public key for a token's kid and alg, refreshing the set once on a miss."""
        if self._loaded_at is None:
            self._load()
        key = self._find(kid, alg)
        # A miss may mean the issuer rotated its keys; the throttle stops made-up kids hammering it.
        loaded_at = self._loaded_at or 0.0  # _load() has set it
        if key is None and time.monotonic() - loaded_at >= self.min_refresh_s:
            self._load()
            key = self._find(kid, alg)
        if key is None:
            raise InvalidToken("unknown key")
        return key.key

    def _find(self, kid: str | None, alg: str) -> jwt.PyJWK | None:
        """The one key of the right type with this kid (or the only one, when there is no kid)."""
        kty = _KEY_TYPES.get(alg)
        fits = [k for k in self._keys if k.key_type == kty and k.public_key_use in (None, "sig")]
        if kid is None:
            return fits[0] if len(fits) == 1 else None
        return next((k for k in fits if k.key_id == kid), None)

    def _load(self) -> None:
        """Read the source and replace the key set."""
        # Stamped before reading, so that a failing source is throttled too.
        self._loaded_at = time.monotonic()
        source = self.source.strip()
        try:
            if source.startswith("{"):
                text = source
            elif source.startswith(("https://", "http://")):
                text = self._fetch(source)
            else:
                text = Path(source).read_text(encoding="utf-8")
            self._keys = list(jwt.PyJWKSet.from_json(text).keys)
        except Exception as exc:  # any failure (network, file, JSON, JWK) means no keys to trust
            raise InvalidToken("key set unavailable") from exc


def verify(token: str, config: OidcConfig, keys: JwksCache, *, now: float) -> Identity:
    """Check the token's signature and claims, and return who it speaks for."""
    if not looks_like_jwt(token):
        raise InvalidToken("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc
    alg = header.get("alg")
    if alg not in _KEY_TYPES:  # before any key is touched: "none" and HS* never get that far
        shown = alg if isinstance(alg, str) and _ALG_NAME.fullmatch(alg) else "unknown"
        raise InvalidToken(f"algorithm {shown} not allowed")
    key = keys.key_for(header.get("kid"), alg)

    # PyJWT takes no clock, so the time claims (and sub, alongside) are checked below.
    off = dict.fromkeys(["verify_exp", "verify_nbf", "verify_iat", "verify_sub"], False)
    options: Any = {
        **off,
        "require": ["exp", "iss", "sub"],
        "verify_aud": config.audience is not None,
    }
    try:
        claims = jwt.decode(token, key, algorithms=[alg], audience=config.audience, options=options)
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("bad signature") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidToken("wrong audience") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidToken(f"missing {exc.claim}") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc

    # Exact comparison here rather than PyJWT's, whose 2.10.0 release matched substrings.
    if claims["iss"] != config.issuer:
        raise InvalidToken("wrong issuer")
    _check_times(claims, now, config.leeway_s)
    subject = claims["sub"]
    # The audit trail stores the subject (at most 255 characters; PostgreSQL takes no NUL):
    # one it could not store would fail every request of that user with a 500.
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT or "\x00" in subject:
        raise InvalidToken("malformed sub")
    email = claims.get(config.email_claim)
    return Identity(
        subject=subject,
        email=email.lower() if isinstance(email, str) else None,
        roles=_roles(_claim(claims, config.roles_claim)),
    )


def _check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    """Reject a token that has expired or is not valid yet, allowing for clock skew."""
    times: dict[str, float] = {}
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if value is None:
            continue
        # NaN compares false with everything, so a NaN exp would never expire.
        finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
        if isinstance(value, bool) or not finite:
            raise InvalidToken(f"malformed {name}")
        times[name] = value
    if times["exp"] <= now - leeway:
        raise InvalidToken("expired")
    if max(times.get("nbf", -math.inf), times.get("iat", -math.inf)) > now + leeway:
        raise InvalidToken("not yet valid")


def _claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by name or by dotted path; names with dots (URL-style claims) win."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _roles(value: Any) -> frozenset[str]:
    """Roles from a list of strings or a space-separated string; anything else grants none."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list):
        return frozenset(role for role in value if isinstance(role, str) and role)
    return frozenset()
