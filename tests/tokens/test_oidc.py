"""OIDC token verification against locally generated key pairs: no network, no database."""

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from service.tokens.oidc import (
    Identity,
    InvalidToken,
    JwksCache,
    OidcConfig,
    looks_like_jwt,
    verify,
)

ISSUER = "https://id.example.test/realms/hotline"
AUDIENCE = "hotline-api"
NOW = 1_700_000_000.0
JWKS_URL = "https://id.example.test/realms/hotline/certs"


def b64url(data: bytes) -> str:
    """Base64url without padding, as in a JWT."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: Any) -> str:
    """One JWT segment from a JSON value."""
    return b64url(json.dumps(obj).encode())


def public_jwk(private_key: Any, kid: str, alg: str) -> dict[str, Any]:
    """The public half of a key as a JWK, named and tagged with its algorithm."""
    algorithm = jwt.algorithms.RSAAlgorithm if alg.startswith("RS") else jwt.algorithms.ECAlgorithm
    return {**algorithm.to_jwk(private_key.public_key(), as_dict=True), "kid": kid, "alg": alg}


def jwks_text(*jwks: dict[str, Any]) -> str:
    """A JWKS document holding these keys."""
    return json.dumps({"keys": list(jwks)})


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    """Private keys: the issuer's RSA key, a forger's RSA key, a spare RSA key, an EC key."""
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "forger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "next": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
    }


@pytest.fixture(scope="module")
def jwks(keys: dict[str, Any]) -> str:
    """The issuer's published key set: one RSA key and one EC key."""
    return jwks_text(
        public_jwk(keys["rsa"], "rsa-1", "RS256"), public_jwk(keys["ec"], "ec-1", "ES256")
    )


@pytest.fixture
def cache(jwks: str) -> JwksCache:
    """A key cache over the issuer's set."""
    return JwksCache(jwks)


def config(jwks: str, **changes: Any) -> OidcConfig:
    """The hotline's OIDC settings, with some fields changed."""
    return OidcConfig(**{"issuer": ISSUER, "audience": AUDIENCE, "jwks": jwks, **changes})


def claims(**changes: Any) -> dict[str, Any]:
    """A valid claim set at NOW; a change to None drops that claim."""
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "email": "Ada.Lovelace@Example.ORG",
        "roles": ["adviser", "manager"],
        "iat": int(NOW),
        "exp": int(NOW) + 300,
    }
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


def sign(
    key: Any, payload: dict[str, Any], *, kid: str | None = "rsa-1", alg: str = "RS256"
) -> str:
    """A signed token; kid=None leaves the kid out of the header."""
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def reject(token: str, cfg: OidcConfig, cache: JwksCache, now: float = NOW) -> str:
    """Verify a token that must fail, check the message does not echo it, and return it."""
    with pytest.raises(InvalidToken) as failure:
        verify(token, cfg, cache, now=now)
    message = str(failure.value)
    for part in [token, *token.split(".")]:
        assert len(part) < 4 or part not in message
    return message


def test_valid_token_gives_identity(keys: dict[str, Any], jwks: str, cache: JwksCache) -> None:
    identity = verify(sign(keys["rsa"], claims()), config(jwks), cache, now=NOW)
    assert identity == Identity(
        subject="user-42",
        email="ada.lovelace@example.org",
        roles=frozenset({"adviser", "manager"}),
    )


@pytest.mark.parametrize(
    ("roles_claim", "extra", "expected"),
    [
        ("realm_access.roles", {"realm_access": {"roles": ["manager"]}}, {"manager"}),
        ("scope", {"scope": "openid adviser  manager"}, {"openid", "adviser", "manager"}),
        ("role", {"role": "adviser"}, {"adviser"}),
        ("https://hotline.example/roles", {"https://hotline.example/roles": ["x"]}, {"x"}),
        ("realm_access.roles", {}, set()),
        ("roles", {"roles": 7}, set()),
    ],
)
def test_roles_from_claim(
    keys: dict[str, Any],
    jwks: str,
    cache: JwksCache,
    roles_claim: str,
    extra: dict[str, Any],
    expected: set[str],
) -> None:
    token = sign(keys["rsa"], claims(**{"roles": None, **extra}))
    identity = verify(token, config(jwks, roles_claim=roles_claim), cache, now=NOW)
    assert identity.roles == frozenset(expected)


def test_email_from_configured_claim_or_none(
    keys: dict[str, Any], jwks: str, cache: JwksCache
) -> None:
    token = sign(keys["rsa"], claims(email=None, upn="Bob@Corp.Example"))
    assert (
        verify(token, config(jwks, email_claim="upn"), cache, now=NOW).email == "bob@corp.example"
    )
    assert verify(token, config(jwks), cache, now=NOW).email is None


def test_ec_key_is_chosen_without_kid_when_it_is_the_only_one(
    keys: dict[str, Any], jwks: str, cache: JwksCache
) -> None:
    token = sign(keys["ec"], claims(), kid=None, alg="ES256")
    assert verify(token, config(jwks), cache, now=NOW).subject == "user-42"


def test_missing_kid_is_ambiguous_with_two_keys_of_the_type(keys: dict[str, Any]) -> None:
    both = jwks_text(public_jwk(keys["rsa"], "a", "RS256"), public_jwk(keys["next"], "b", "RS256"))
    token = sign(keys["rsa"], claims(), kid=None)
    assert reject(token, config(both), JwksCache(both)) == "unknown key"


@pytest.mark.parametrize("issuer", [ISSUER + "/", "https://id.example.test/realms", "evil"])
def test_wrong_issuer(keys: dict[str, Any], jwks: str, cache: JwksCache, issuer: str) -> None:
    assert reject(sign(keys["rsa"], claims(iss=issuer)), config(jwks), cache) == "wrong issuer"


def test_wrong_audience(keys: dict[str, Any], jwks: str, cache: JwksCache) -> None:
    token = sign(keys["rsa"], claims(aud="another-api"))
    assert reject(token, config(jwks), cache) == "wrong audience"


def test_audience_in_a_list_is_accepted(keys: dict[str, Any], jwks: str, cache: JwksCache) -> None:
    token = sign(keys["rsa"], claims(aud=["account", AUDIENCE]))
    assert verify(token, config(jwks), cache, now=NOW).subject == "user-42"


def test_audience_unchecked_when_not_configured(
    keys: dict[str, Any], jwks: str, cache: JwksCache
) -> None:
    token = sign(keys["rsa"], claims(aud="another-api"))
    assert verify(token, config(jwks, audience=None), cache, now=NOW).subject == "user-42"


@pytest.mark.parametrize(
    ("changes", "now", "reason"),
    [
        ({}, NOW + 300 + 31, "expired"),
        ({}, NOW + 300 + 30, "expired"),
        ({"nbf": int(NOW) + 60}, NOW, "not yet valid"),
        ({"iat": int(NOW) + 60}, NOW, "not yet valid"),
        ({"exp": None}, NOW, "missing exp"),
        ({"sub": None}, NOW, "missing sub"),
        ({"iss": None}, NOW, "missing iss"),
        ({"sub": 42}, NOW, "malformed sub"),
        ({"sub": "user\x00one"}, NOW, "malformed sub"),
        ({"sub": "x" * 256}, NOW, "malformed sub"),
        ({"exp": "tomorrow"}, NOW, "malformed exp"),
        ({"exp": float("nan")}, NOW, "malformed exp"),
        ({"nbf": True}, NOW, "malformed nbf"),
        ({"nbf": 10**400}, NOW, "not yet valid"),
    ],
)
def test_bad_claims_are_rejected(
    keys: dict[str, Any],
    jwks: str,
    cache: JwksCache,
    changes: dict[str, Any],
    now: float,
    reason: str,
) -> None:
    token = sign(keys["rsa"], claims(**changes))
    assert reject(token, config(jwks), cache, now=now) == reason


@pytest.mark.parametrize(
    ("changes", "now"),
    [
        ({}, NOW + 300 + 29),
        ({"nbf": int(NOW) + 29}, NOW),
        ({"iat": int(NOW) + 29}, NOW),
    ],
)
def test_clock_skew_within_leeway_is_accepted(
    keys: dict[str, Any], jwks: str, cache: JwksCache, changes: dict[str, Any], now: float
) -> None:
    token = sign(keys["rsa"], claims(**changes))
    assert verify(token, config(jwks), cache, now=now).subject == "user-42"


def test_the_time_is_the_callers(keys: dict[str, Any], jwks: str, cache: JwksCache) -> None:
    token = sign(keys["rsa"], claims())  # exp is five minutes after NOW
    assert verify(token, config(jwks), cache, now=NOW).subject == "user-42"
    assert reject(token, config(jwks), cache, now=NOW + 7200) == "expired"


def test_signature_by_another_key_with_the_same_kid(
    keys: dict[str, Any], jwks: str, cache: JwksCache
) -> None:
    token = sign(keys["forger"], claims())
    assert reject(token, config(jwks), cache) == "bad signature"


def test_tampered_payload_breaks_the_signature(
    keys: dict[str, Any], jwks: str, cache: JwksCache
) -> None:
    header, _, signature = sign(keys["rsa"], claims()).split(".")
    forged = f"{header}.{segment(claims(roles=['admin']))}.{signature}"
    assert reject(forged, config(jwks), cache) == "bad signature"


def test_unknown_kid(keys: dict[str, Any], jwks: str, cache: JwksCache) -> None:
    assert reject(sign(keys["rsa"], claims(), kid="rsa-9"), config(jwks), cache) == "unknown key"


def test_kid_of_a_key_of_another_type(keys: dict[str, Any], jwks: str, cache: JwksCache) -> None:
    token = sign(keys["ec"], claims(), kid="rsa-1", alg="ES256")
    assert reject(token, config(jwks), cache) == "unknown key"


def test_encryption_key_is_not_used_for_signatures(keys: dict[str, Any]) -> None:
    enc = jwks_text({**public_jwk(keys["rsa"], "rsa-1", "RS256"), "use": "enc"})
    assert reject(sign(keys["rsa"], claims()), config(enc), JwksCache(enc)) == "unknown key"


def test_alg_none_is_rejected_before_keys_are_fetched(jwks: str) -> None:
    fetches: list[str] = []
    cache = JwksCache(JWKS_URL, fetch=lambda url: fetches.append(url) or jwks)
    token = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(claims())}."
    assert reject(token, config(JWKS_URL), cache) == "algorithm none not allowed"
    assert fetches == []


def test_hs256_signed_with_the_public_key_is_rejected(
    keys: dict[str, Any], jwks: str, cache: JwksCache
) -> None:
    pem = (
        keys["rsa"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = f"{segment({'alg': 'HS256', 'kid': 'rsa-1'})}.{segment(claims())}"
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64url(mac)}"
    assert reject(token, config(jwks), cache) == "algorithm HS256 not allowed"


def test_odd_algorithm_name_is_not_echoed(jwks: str, cache: JwksCache) -> None:
    token = f"{segment({'alg': 'RS256<script>'})}.{segment(claims())}.c2ln"
    assert reject(token, config(jwks), cache) == "algorithm unknown not allowed"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "..",
        "a b.c.d",
        f"{b64url(b'not json')}.{segment(claims())}.c2ln",
        f"{segment(['alg', 'RS256'])}.{segment(claims())}.c2ln",
        f"{segment({'alg': 'RS256', 'kid': 7})}.{segment(claims())}.c2ln",
        f"{segment({'alg': 'RS256', 'kid': 'rsa-1'})}.{b64url(b'garbage')}.c2ln",
        f"{segment({'alg': 'RS256', 'kid': 'rsa-1'})}.{segment([1, 2])}.c2ln",
        f"{segment({'alg': 'RS256', 'kid': 'rsa-1'})}.{segment(claims())}.!!!",
    ],
)
def test_malformed_tokens_raise_invalid_token(jwks: str, cache: JwksCache, token: str) -> None:
    assert reject(token, config(jwks), cache) in {"malformed", "bad signature"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", True),
        ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", True),
        ("abc", False),
        ("a.b", False),
        ("a.b.c.d", False),
        ("a.b+/.c", False),
        (" a.b.c", False),
        ("", False),
    ],
)
def test_looks_like_jwt(text: str, expected: bool) -> None:
    assert looks_like_jwt(text) is expected


def test_cache_loads_from_json_text(keys: dict[str, Any], jwks: str) -> None:
    assert JwksCache("  " + jwks).key_for("rsa-1", "RS256").public_numbers() == (
        keys["rsa"].public_key().public_numbers()
    )


def test_cache_loads_from_a_file(keys: dict[str, Any], jwks: str, tmp_path: Any) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(jwks, encoding="utf-8")
    key = JwksCache(str(path)).key_for("ec-1", "ES256")
    assert key.public_numbers() == keys["ec"].public_key().public_numbers()


def test_cache_loads_from_a_url_once(keys: dict[str, Any], jwks: str) -> None:
    fetches: list[str] = []
    cache = JwksCache(JWKS_URL, fetch=lambda url: fetches.append(url) or jwks)
    token = sign(keys["rsa"], claims())
    assert verify(token, config(JWKS_URL), cache, now=NOW).subject == "user-42"
    assert verify(token, config(JWKS_URL), cache, now=NOW).subject == "user-42"
    assert fetches == [JWKS_URL]


def test_cache_refetches_on_key_rotation(keys: dict[str, Any]) -> None:
    old = jwks_text(public_jwk(keys["rsa"], "rsa-1", "RS256"))
    new = jwks_text(public_jwk(keys["next"], "rsa-2", "RS256"))
    fetches: list[str] = []

    def fetch(url: str) -> str:
        fetches.append(url)
        return old if len(fetches) == 1 else new

    cache = JwksCache(JWKS_URL, min_refresh_s=0, fetch=fetch)
    assert verify(sign(keys["rsa"], claims()), config(JWKS_URL), cache, now=NOW)
    rotated = sign(keys["next"], claims(), kid="rsa-2")
    assert verify(rotated, config(JWKS_URL), cache, now=NOW).subject == "user-42"
    assert len(fetches) == 2
    # The retired key is gone; asking for it costs one more fetch, no more.
    assert reject(sign(keys["rsa"], claims()), config(JWKS_URL), cache) == "unknown key"
    assert len(fetches) == 3


def test_cache_refetches_at_most_once_per_interval(keys: dict[str, Any], jwks: str) -> None:
    fetches: list[str] = []
    cache = JwksCache(JWKS_URL, min_refresh_s=3600, fetch=lambda url: fetches.append(url) or jwks)
    cache.key_for("rsa-1", "RS256")
    for kid in ("new-1", "new-2", "new-3"):
        with pytest.raises(InvalidToken, match="unknown key"):
            cache.key_for(kid, "RS256")
    assert len(fetches) == 1


def broken_fetch(url: str) -> str:
    """A JWKS endpoint that is down."""
    raise ConnectionError(url)


@pytest.mark.parametrize(
    ("source", "fetch"),
    [
        (JWKS_URL, broken_fetch),
        (JWKS_URL, lambda url: "<html>502</html>"),
        ("/nonexistent/jwks.json", None),
        ('{"keys": []}', None),
        ('{"keys": [{"kty": "nope"}]}', None),
        ("{not json", None),
    ],
)
def test_unusable_key_source(source: str, fetch: Any) -> None:
    with pytest.raises(InvalidToken, match="key set unavailable"):
        JwksCache(source, fetch=fetch).key_for("rsa-1", "RS256")
