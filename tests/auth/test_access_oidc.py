"""Signing in through the authority's identity provider: OpenID Connect tokens end to end."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from service.audit.models import AuditEvent
from tests.factories import assert_problem, bearer, closed_call, create_adviser, use_settings

ISSUER = "https://login.example.dk/realms/authority"
AUDIENCE = "hotline"


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {
        "issuer": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "forger": rsa.generate_private_key(public_exponent=65537, key_size=2048),
    }


@pytest.fixture
def oidc(client, keys) -> None:
    """The service configured for the identity provider, with its key set inline."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(keys["issuer"].public_key(), as_dict=True)
    use_settings(
        client,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks=json.dumps({"keys": [jwk | {"kid": "k1"}]}),
        oidc_roles_claim="groups",
    )


def signed(keys, *, key: str = "issuer", **claims) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "email": "Leder@Example.dk",
        "groups": ["supervisor"],
        "iat": now,
        "exp": now + 300,
    } | claims
    return jwt.encode(body, keys[key], algorithm="RS256", headers={"kid": "k1"})


def test_a_supervisor_from_the_identity_provider_reads_reports_but_not_tokens(client, oidc, keys):
    headers = bearer(signed(keys))
    trend = client.get("/reports/trend", params={"from": "2025-W20", "to": "2025-W21"},
                       headers=headers)  # fmt: skip
    assert trend.status_code == 200, trend.text
    assert_problem(client.get("/tokens", headers=headers), 403)


def test_the_highest_role_in_the_claim_counts(client, oidc, keys):
    headers = bearer(signed(keys, groups=["staff", "adviser", "admin"]))
    assert client.get("/tokens", headers=headers).status_code == 200


def test_an_adviser_signs_in_as_their_adviser_record(client, session, oidc, keys):
    adviser = create_adviser(client, email="radgiver@example.dk")
    other = create_adviser(client)
    headers = bearer(signed(keys, sub="u-7", email="Radgiver@example.dk", groups="adviser"))
    own = client.put(f"/advisers/{adviser['id']}/presence", json={"presence": "break"},
                     headers=headers)  # fmt: skip
    assert own.status_code == 200, own.text
    assert_problem(client.get(f"/advisers/{other['id']}/calls", headers=headers), 403)
    assert_problem(client.get("/reports/abandoned", params={"week": "2025-W23"},
                              headers=headers), 403)  # fmt: skip
    created = client.post("/calls", json=closed_call(adviser_id=adviser["id"]), headers=headers)
    assert created.status_code == 201, created.text
    rows = session.exec(
        select(AuditEvent).where(AuditEvent.object_id == created.json()["id"])
    ).all()
    assert [(r.action, r.subject, r.role, str(r.adviser_id)) for r in rows] == [
        ("call.create", "u-7", "adviser", adviser["id"])
    ]


def test_an_adviser_with_no_record_or_a_user_with_no_role_is_forbidden(client, oidc, keys):
    unknown = bearer(signed(keys, email="ukendt@example.dk", groups=["adviser"]))
    assert "e-mail" in assert_problem(client.get("/queue", headers=unknown), 403)["detail"]
    roleless = bearer(signed(keys, groups=["staff"]))
    assert "groups" in assert_problem(client.get("/queue", headers=roleless), 403)["detail"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "https://evil.example.dk"}, "issuer"),
        ({"aud": "another-app"}, "audience"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"key": "forger"}, "signature"),
    ],
)
def test_untrusted_tokens_are_401(client, oidc, keys, claims, reason):
    key = claims.pop("key", "issuer")
    response = client.get("/queue", headers=bearer(signed(keys, key=key, **claims)))
    body = assert_problem(response, 401)
    assert reason in body["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_alg_none_is_401(client, oidc, keys):
    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "groups": ["admin"],
         "exp": int(time.time()) + 60}, None, algorithm="none",
    )  # fmt: skip
    assert_problem(client.get("/tokens", headers=bearer(token)), 401)


def test_without_oidc_configured_a_jwt_is_just_an_unknown_token(client, keys):
    assert_problem(client.get("/queue", headers=bearer(signed(keys))), 401)


def test_expiry_follows_the_requests_clock(client, oidc, keys, clock):
    headers = bearer(signed(keys, groups=["admin"]))
    assert client.get("/tokens", headers=headers).status_code == 200
    clock.advance(3600)  # the token's five minutes are over on the desk's clock
    assert_problem(client.get("/tokens", headers=headers), 401)


def test_telephony_in_the_claim_grants_nothing(client, oidc, keys):
    """The phone system's role is a token's, made by an admin; no user of the identity
    provider becomes the phone system, alone or beside a person's role."""
    alone = bearer(signed(keys, groups=["telephony"]))
    assert "groups" in assert_problem(client.get("/queue", headers=alone), 403)["detail"]
    beside = bearer(signed(keys, groups=["telephony", "supervisor"]))
    assert client.get("/reports/trend", params={"from": "2025-W20", "to": "2025-W21"},
                      headers=beside).status_code == 200  # fmt: skip
