"""Client authentication: Bearer JWTs (HS256 and RS256), scopes per root field, 401 over HTTP."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from gateway.auth import ALL_SCOPES, Authenticator, AuthError, www_authenticate
from gateway.settings import AuthSettings, Settings, describe_validation_error
from tests.gateway.probe_schema import probe_app
from tests.support import JWT_SECRET, asgi_client, gateway_settings, jwt_settings, make_token

GRAPHQL_RESPONSE = "application/graphql-response+json"


def hs256(**settings: Any) -> Authenticator:
    return Authenticator(AuthSettings(mode="jwt", jwt_secret=JWT_SECRET, **settings))


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "alice", "scope": "rooms:read", "iat": now, "exp": now + 60, **extra}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def test_hs256_token_gives_subject_and_scopes() -> None:
    token = make_token("rooms:read themes:write")
    principal = await hs256().authenticate(f"Bearer {token}")
    assert principal.subject == "tester"
    assert principal.scopes == {"rooms:read", "themes:write"}
    assert principal.allows("rooms:read")
    assert not principal.allows("rooms:write")


async def test_scope_claim_may_be_a_list() -> None:
    token = jwt.encode(claims(scope=["events:read"]), JWT_SECRET, algorithm="HS256")
    assert (await hs256().authenticate(f"bearer {token}")).scopes == {"events:read"}


async def test_rs256_token_verified_with_the_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    authenticator = Authenticator(AuthSettings(mode="jwt", public_key=public_pem(rsa_key)))
    token = jwt.encode(claims(), rsa_key, algorithm="RS256")
    assert (await authenticator.authenticate(f"Bearer {token}")).subject == "alice"
    forged = jwt.encode(claims(), JWT_SECRET, algorithm="HS256")
    with pytest.raises(AuthError, match="invalid token"):
        await authenticator.authenticate(f"Bearer {forged}")


@pytest.mark.parametrize(
    ("token_claims", "message"),
    [
        ({"exp": int(time.time()) - 120}, "token expired"),
        ({"exp": None}, "lacks the 'exp' claim"),
    ],
)
async def test_expiry_is_required_and_checked(token_claims: dict[str, Any], message: str) -> None:
    payload = {k: v for k, v in claims(**token_claims).items() if v is not None}
    token = jwt.encode(payload, JWT_SECRET, algorithm="HS256")
    with pytest.raises(AuthError, match=message) as caught:
        await hs256().authenticate(f"Bearer {token}")
    assert not caught.value.missing


async def test_audience_and_issuer_are_checked_when_configured() -> None:
    authenticator = hs256(audience="meetings", issuer="https://id.example")
    good = jwt.encode(claims(aud="meetings", iss="https://id.example"), JWT_SECRET)
    assert (await authenticator.authenticate(f"Bearer {good}")).subject == "alice"
    cases = [
        (claims(aud="other", iss="https://id.example"), "audience not accepted"),
        (claims(aud="meetings", iss="https://evil.example"), "issuer not accepted"),
        (claims(iss="https://id.example"), "lacks the 'aud' claim"),
        (claims(aud="meetings"), "lacks the 'iss' claim"),
    ]
    for payload, message in cases:
        with pytest.raises(AuthError, match=message):
            await authenticator.authenticate(f"Bearer {jwt.encode(payload, JWT_SECRET)}")


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (None, True),
        ("", True),
        ("Basic dXNlcjpwYXNz", False),
        ("Bearer", False),
        ("Bearer not-a-jwt", False),
        (f"Bearer {jwt.encode(claims(), 'another-secret-that-is-long-enough!!')}", False),
    ],
)
async def test_bad_credentials_are_refused(header: str | None, missing: bool) -> None:
    with pytest.raises(AuthError) as caught:
        await hs256().authenticate(header)
    assert caught.value.missing is missing
    challenge = www_authenticate(caught.value)
    assert challenge.startswith("Bearer")
    assert ('error="invalid_token"' in challenge) is not missing


async def test_auth_mode_none_grants_every_scope() -> None:
    principal = await Authenticator(AuthSettings(mode="none")).authenticate(None)
    assert principal.scopes == ALL_SCOPES


async def test_connection_init_payload_is_read_case_insensitively() -> None:
    token = make_token("events:read")
    principal = await hs256().authenticate_init({"Authorization": f"Bearer {token}"})
    assert principal.scopes == {"events:read"}
    with pytest.raises(AuthError) as caught:
        await hs256().authenticate_init({})
    assert caught.value.missing
    with pytest.raises(AuthError, match="must be a string"):
        await hs256().authenticate_init({"authorization": 42})


@pytest.mark.parametrize(
    ("auth", "variable", "message"),
    [
        ({"mode": "jwt"}, "GATEWAY_AUTH", "needs GATEWAY_AUTH__JWT_SECRET"),
        ({"mode": "jwt", "jwt_secret": "short-secret"}, "GATEWAY_AUTH__JWT_SECRET", "32 bytes"),
        ({"mode": "jwt", "public_key": "-----BEGIN nonsense"}, "GATEWAY_AUTH__PUBLIC_KEY", "RSA"),
        ({"mode": "kerberos"}, "GATEWAY_AUTH__MODE", "'jwt' or 'none'"),
    ],
)
def test_invalid_auth_settings_name_the_variable(
    auth: dict[str, Any], variable: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({"auth": auth})
    description = describe_validation_error(caught.value)
    assert f"{variable}:" in description
    assert message in description
    assert "short-secret" not in description


def test_non_rsa_public_key_is_refused() -> None:
    pem = public_pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ValidationError, match="RSA public key"):
        AuthSettings(mode="jwt", public_key=pem)


async def test_http_without_token_is_401_with_a_challenge() -> None:
    settings = jwt_settings()
    async with asgi_client(app=probe_app(settings)) as client:
        for accept in ("application/json", GRAPHQL_RESPONSE):
            response = await client.post(
                "/graphql", json={"query": "{ providers { id } }"}, headers={"accept": accept}
            )
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == 'Bearer realm="gateway"'
            assert response.headers["content-type"].startswith(accept)
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert "data" not in response.json()


async def test_http_with_invalid_token_is_401_invalid_token() -> None:
    settings = jwt_settings()
    expired = make_token(expires_in=-120)
    async with asgi_client(app=probe_app(settings)) as client:
        response = await client.get(
            "/graphql",
            params={"query": "{ __typename }"},
            headers={"authorization": f"Bearer {expired}"},
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["errors"][0]["message"] == "token expired"


async def test_any_valid_principal_may_list_providers() -> None:
    settings = jwt_settings()
    async with asgi_client(app=probe_app(settings)) as client:
        response = await client.post(
            "/graphql",
            json={"query": "{ providers { id } probeWhoami }"},
            headers={"authorization": f"Bearer {make_token('')}"},
        )
    assert response.status_code == 200
    data = response.json()["data"]
    assert {p["id"] for p in data["providers"]} == {"VONAGE", "METERED", "VIDEOSDK"}
    assert data["probeWhoami"] == "tester:"


async def test_missing_scope_is_forbidden_in_errors() -> None:
    settings = jwt_settings()
    query = {"query": "{ probeRoomsRead __typename }"}
    async with asgi_client(app=probe_app(settings)) as client:
        without = await client.post(
            "/graphql",
            json=query,
            headers={
                "authorization": f"Bearer {make_token('themes:read')}",
                "accept": GRAPHQL_RESPONSE,
            },
        )
        with_scope = await client.post(
            "/graphql", json=query, headers={"authorization": f"Bearer {make_token('rooms:read')}"}
        )
    assert without.status_code == 200
    error = without.json()["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "rooms:read"}
    assert error["path"] == ["probeRoomsRead"]
    assert with_scope.json() == {"data": {"probeRoomsRead": "allowed", "__typename": "Query"}}


async def test_auth_mode_none_needs_no_token() -> None:
    settings = gateway_settings()
    async with asgi_client(app=probe_app(settings)) as client:
        response = await client.post("/graphql", json={"query": "{ probeRoomsRead }"})
    assert response.json() == {"data": {"probeRoomsRead": "allowed"}}


@pytest.mark.parametrize(
    "tenant", ["", "a\x00b", "line\nbreak", "x" * 129, 42, ["acme"], {"id": "acme"}], ids=repr
)
async def test_a_malformed_tenant_claim_is_refused(tenant: object) -> None:
    token = jwt.encode(claims(tenant=tenant), JWT_SECRET, algorithm="HS256")
    async with asgi_client(app=probe_app(jwt_settings())) as client:
        response = await client.get(
            "/graphql",
            params={"query": "{ __typename }"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.status_code == 401
    message = response.json()["errors"][0]["message"]
    assert message == "token's 'tenant' claim must be a string of 1 to 128 printable characters"


async def test_a_tenant_of_any_printable_characters_is_taken_as_it_is() -> None:
    tenant = "Acme Inc. / EU:west " + "é" * 100
    token = jwt.encode(claims(tenant=tenant[:128]), JWT_SECRET, algorithm="HS256")
    assert (await hs256().authenticate(f"Bearer {token}")).tenant == tenant[:128]
