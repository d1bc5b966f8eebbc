"""Application JWTs: claims, signature, caching, refresh, re-mint on 401, single flight."""

from __future__ import annotations

import asyncio
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from providers import NotConfigured, ProviderAuthError, create_store
from providers.vonage import FakeVonage, VonageAdapter, VonageSettings
from providers.vonage.auth import TOKEN_LIFETIME, JwtMinter
from providers.vonage.fake_wire import UNAUTHORIZED
from tests.providers.vonage.helpers import build
from tests.support import ManualClock


def _public_key(fake: FakeVonage) -> object:
    settings = fake.settings()
    assert settings.private_key is not None
    private = serialization.load_pem_private_key(
        settings.private_key.get_secret_value().encode(), password=None
    )
    return private.public_key()


def test_minted_jwt_has_the_documented_claims(fake: FakeVonage, clock: ManualClock) -> None:
    minted = JwtMinter(fake.settings())(clock())
    header = jwt.get_unverified_header(minted.value)
    claims = jwt.decode(
        minted.value,
        _public_key(fake),  # type: ignore[arg-type]
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert header["alg"] == "RS256"
    assert claims["application_id"] == fake.application_id
    assert claims["iat"] == int(clock())
    assert claims["exp"] == int(clock()) + TOKEN_LIFETIME == claims["iat"] + 900
    assert uuid.UUID(claims["jti"]).version == 4
    assert minted.expires_at == claims["exp"]


def test_every_token_has_a_fresh_jti(fake: FakeVonage, clock: ManualClock) -> None:
    minter = JwtMinter(fake.settings())
    ids = {
        jwt.decode(minter(clock()).value, options={"verify_signature": False})["jti"]
        for _ in range(5)
    }
    assert len(ids) == 5


def test_jwt_does_not_verify_with_another_key(fake: FakeVonage, clock: ManualClock) -> None:
    minted = JwtMinter(fake.settings())(clock())
    other = FakeVonage(clock=clock)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(minted.value, _public_key(other), algorithms=["RS256"])  # type: ignore[arg-type]


async def test_requests_carry_a_bearer_token(adapter: VonageAdapter, fake: FakeVonage) -> None:
    await adapter.list_themes()
    assert fake.requests[-1].headers["authorization"].startswith("Bearer ey")


async def test_token_is_reused_then_refreshed_before_expiry(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    await adapter.list_themes()
    clock.advance(TOKEN_LIFETIME - 61)
    await adapter.list_themes()
    assert len(fake.token_ids) == 1
    clock.advance(2)  # now inside the refresh margin
    await adapter.list_themes()
    assert len(fake.token_ids) == 2


async def test_a_401_re_mints_once_and_retries(adapter: VonageAdapter, fake: FakeVonage) -> None:
    await adapter.list_themes()
    fake.inject(status=401, body=UNAUTHORIZED, times=1)
    assert await adapter.list_themes() == []
    assert len(fake.token_ids) == 2


async def test_a_second_401_is_an_auth_error(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.inject(status=401, body=UNAUTHORIZED, times=2)
    with pytest.raises(ProviderAuthError) as caught:
        await adapter.list_themes()
    assert caught.value.provider == "vonage"
    assert "You did not provide correct credentials" in str(caught.value)


async def test_cold_cache_mints_exactly_one_token_for_1000_requests(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    results = await asyncio.gather(*(adapter.list_themes() for _ in range(1000)))
    assert len(results) == 1000
    assert len(fake.token_ids) == 1
    assert len(fake.requests) == 1000


async def test_credentials_of_another_application_are_refused(
    fake: FakeVonage, clock: ManualClock
) -> None:
    other = FakeVonage(clock=clock)
    adapter = build(fake, clock, private_key=other.settings().private_key)
    with pytest.raises(ProviderAuthError):
        await adapter.list_themes()
    await adapter.aclose()


async def test_unconfigured_adapter_refuses_before_any_request(fake: FakeVonage) -> None:
    adapter = VonageAdapter(VonageSettings(), store=create_store(), transport=fake.transport())
    with pytest.raises(NotConfigured):
        await adapter.list_rooms(None, 10)
    assert fake.requests == []
    await adapter.aclose()
