"""Server tokens: documented claims, raw header, cache, refresh, re-mint on 401, single flight."""

from __future__ import annotations

import asyncio

import jwt
import pytest
from pydantic import SecretStr

from providers import NotConfigured, ProviderAuthError, create_store
from providers._tokens import CachedTokenAuth
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter
from providers.videosdk.auth import TOKEN_TTL, mint_token
from tests.support import ManualClock

from .conftest import START, build


def _decode(token: str, secret: str) -> dict[str, object]:
    return jwt.decode(
        token, secret, algorithms=["HS256"], options={"verify_iat": False, "verify_exp": False}
    )


def test_minted_token_has_the_documented_claims(fake: FakeVideoSDK) -> None:
    token = mint_token(fake.settings(), START)
    claims = _decode(token.value, fake.secret)
    assert claims == {
        "apikey": fake.api_key,
        "permissions": ["allow_join"],
        "version": 2,
        "roles": ["crawler"],
        "iat": int(START),
        "exp": int(START) + 7200,
    }
    assert token.expires_at == START + TOKEN_TTL
    assert jwt.get_unverified_header(token.value)["alg"] == "HS256"


def test_minted_token_does_not_verify_with_another_secret(fake: FakeVideoSDK) -> None:
    token = mint_token(fake.settings(), START)
    with pytest.raises(jwt.InvalidSignatureError):
        _decode(token.value, "another-secret-of-sufficient-length-000")


async def test_authorization_header_is_the_bare_jwt(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.seed_rooms(1)
    await adapter.list_rooms(None, 5)
    header = fake.requests[-1].headers["authorization"]
    assert not header.lower().startswith(("bearer", "basic"))
    assert _decode(header, fake.secret)["apikey"] == fake.api_key


async def test_token_is_reused_then_refreshed_before_expiry(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    room = fake.seed_rooms(1)[0]
    await adapter.get_room(room)
    clock.advance(TOKEN_TTL - 120)
    await adapter.get_room(room)
    first, second = (r.headers["authorization"] for r in fake.requests)
    assert first == second
    clock.advance(90)  # within the refresh margin of the expiry
    await adapter.get_room(room)
    third = fake.requests[-1].headers["authorization"]
    assert third != first
    assert _decode(third, fake.secret)["iat"] == int(clock())


async def test_a_401_re_mints_once_and_retries(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    room = fake.seed_rooms(1)[0]
    await adapter.get_room(room)
    clock.advance(1)  # a re-minted token then differs from the cached one
    fake.inject(status=401, times=1, body={"statusCode": 401, "message": "Invalid token"})
    fetched = await adapter.get_room(room)
    assert fetched.native_id == room
    tokens = [r.headers["authorization"] for r in fake.requests]
    assert len(tokens) == 3
    assert tokens[0] != tokens[-1]
    auth = adapter.client.auth
    assert isinstance(auth, CachedTokenAuth)
    assert auth.minted == 2


async def test_a_second_401_is_an_auth_error_naming_the_provider(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    fake.inject(status=401, times=2, body={"statusCode": 401, "message": "Invalid token"})
    with pytest.raises(ProviderAuthError) as caught:
        await adapter.get_room(room)
    assert caught.value.provider == "videosdk"
    assert len(fake.requests) == 2


async def test_wrong_secret_is_refused_and_never_leaks(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    secret = "a-wrong-secret-that-must-not-leak-0123456789"
    adapter = build(fake, clock, secret=SecretStr(secret))
    with pytest.raises(ProviderAuthError) as caught:
        await adapter.list_rooms(None, 10)
    await adapter.aclose()
    token = fake.requests[-1].headers["authorization"]
    for text in (str(caught.value), repr(caught.value), caught.value.message):
        assert secret not in text
        assert token not in text
    assert secret not in repr(adapter.settings)


async def test_expired_tokens_are_refused_by_the_sandbox(fake: FakeVideoSDK) -> None:
    behind = ManualClock(START - 3 * TOKEN_TTL)  # our clock lags: tokens look expired
    adapter = VideoSDKAdapter(
        fake.settings(), store=create_store(), transport=fake.transport(), clock=behind
    )
    with pytest.raises(ProviderAuthError, match="expired"):
        await adapter.list_rooms(None, 10)
    await adapter.aclose()


@pytest.mark.parametrize(
    ("roles", "accepted"),
    [(["rtc"], False), (["crawler"], True), (["crawler", "rtc"], True), (None, True)],
)
def test_sandbox_accepts_only_tokens_allowed_on_the_server_api(
    fake: FakeVideoSDK, roles: list[str] | None, accepted: bool
) -> None:
    claims: dict[str, object] = {
        "apikey": fake.api_key,
        "permissions": ["allow_join"],
        "version": 2,
        "iat": int(START),
        "exp": int(START) + 60,
    }
    if roles is not None:
        claims["roles"] = roles
    token = jwt.encode(claims, fake.secret, algorithm="HS256")
    assert (fake.refusal(token) is None) is accepted
    assert fake.refusal(f"Bearer {token}") is not None


def test_sandbox_refuses_a_foreign_api_key(fake: FakeVideoSDK) -> None:
    claims = {"apikey": "someone-else", "permissions": ["allow_join"], "exp": int(START) + 60}
    refusal = fake.refusal(jwt.encode(claims, fake.secret, algorithm="HS256"))
    assert refusal is not None
    assert refusal.status_code == 401
    assert refusal.json() == {
        "statusCode": 401,
        "error": "Unauthorized",
        "message": "Invalid apikey",
    }


async def test_cold_cache_mints_exactly_one_token_for_1000_requests(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    rooms = await asyncio.gather(*(adapter.get_room(room) for _ in range(1000)))
    assert {r.native_id for r in rooms} == {room}
    assert len({r.headers["authorization"] for r in fake.requests}) == 1
    auth = adapter.client.auth
    assert isinstance(auth, CachedTokenAuth)
    assert auth.minted == 1


async def test_missing_credentials_raise_not_configured(
    fake: FakeVideoSDK, clock: ManualClock
) -> None:
    adapter = build(fake, clock, api_key=None, secret=None)
    assert not adapter.settings.configured
    with pytest.raises(NotConfigured):
        await adapter.list_rooms(None, 10)
    await adapter.aclose()
    assert fake.requests == []
