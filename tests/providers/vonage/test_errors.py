"""Statuses and transport failures map to the error tree, naming the provider; GETs are
retried, creates never; secrets never reach a message."""

from __future__ import annotations

import pytest

from providers import (
    InvalidRequest,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ResourceConflict,
    ResourceNotFound,
    RoomSpec,
)
from providers.base import HttpTimeouts
from providers.vonage import FakeVonage, VonageAdapter
from tests.providers.vonage.helpers import build
from tests.support import ManualClock


def _count(fake: FakeVonage, method: str) -> int:
    return sum(1 for request in fake.requests if request.method == method)


async def test_404_names_the_provider_and_its_message(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        await adapter.get_room("0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00")
    assert caught.value.provider == "vonage"
    assert caught.value.status == 404
    assert str(caught.value).startswith("vonage: HTTP 404: NotFoundError: The room with id:")


async def test_409_is_a_conflict(adapter: VonageAdapter, fake: FakeVonage) -> None:
    body = {
        "message": "theme_name already exists in application",
        "name": "ConflictError",
        "status": 409,
    }
    fake.inject(status=409, body=body)
    with pytest.raises(ResourceConflict, match="ConflictError: theme_name already exists"):
        await adapter.list_themes()


async def test_429_on_a_create_is_not_retried_and_keeps_retry_after(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    fake.inject(status=429, retry_after=7, times=5)
    with pytest.raises(RateLimited) as caught:
        await adapter.create_room(RoomSpec(display_name="Busy"))
    assert caught.value.retry_after == 7
    assert caught.value.retryable
    assert _count(fake, "POST") == 1


async def test_429_on_a_read_is_retried_after_the_hint(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    fake.inject(status=429, retry_after=0.01, times=1)
    assert await adapter.list_themes() == []
    assert _count(fake, "GET") == 2


async def test_5xx_reads_are_retried(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.inject(status=503, times=2)
    page = await adapter.list_rooms(None, 5)
    assert page.rooms == ()
    assert _count(fake, "GET") == 3


async def test_5xx_reads_give_up_after_the_retries(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    fake.inject(status=502, times=10)
    with pytest.raises(ProviderUnavailable) as caught:
        await adapter.list_themes()
    assert caught.value.provider == "vonage"
    assert caught.value.status == 502
    assert _count(fake, "GET") == 3


async def test_5xx_on_create_is_not_retried(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.inject(status=500, times=5)
    with pytest.raises(ProviderUnavailable):
        await adapter.create_room(RoomSpec(display_name="Once"))
    assert _count(fake, "POST") == 1
    assert fake.rooms == {}


async def test_timeout_on_create_is_not_retried(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.inject(timeout=True, times=5)
    with pytest.raises(ProviderTimeout) as caught:
        await adapter.create_room(RoomSpec(display_name="Slow"))
    assert caught.value.provider == "vonage"
    assert _count(fake, "POST") == 1


async def test_timeout_on_read_is_retried(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.inject(timeout=True, times=1)
    assert await adapter.dial_in_numbers()
    assert _count(fake, "GET") == 2


async def test_slow_provider_exceeds_the_budget(fake: FakeVonage, clock: ManualClock) -> None:
    adapter = build(fake, clock, timeouts=HttpTimeouts(total=0.2, retries=0))
    fake.latency = 1.0
    with pytest.raises(ProviderTimeout):
        await adapter.list_themes()
    await adapter.aclose()


async def test_the_api_answers_a_malformed_id_with_400(adapter: VonageAdapter) -> None:
    response = await adapter.client.get("/themes/not-a-guid")
    assert response.status_code == 400
    assert response.json() == {
        "message": '"theme_id" must be a valid GUID',
        "name": "InputValidationError",
        "status": 400,
    }


async def test_secrets_never_appear_in_error_messages(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    settings = fake.settings()
    assert settings.private_key is not None
    secrets = [settings.private_key.get_secret_value().splitlines()[1], "sandbox-webhook-token"]
    await adapter.list_themes()
    token = fake.requests[-1].headers["authorization"].removeprefix("Bearer ")
    fake.inject(status=401, body={"title": "Unauthorized", "detail": "bad"}, times=2)
    with pytest.raises(ProviderError) as caught:
        await adapter.list_themes()
    for secret in [*secrets, token]:
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)


async def test_400_is_invalid_request_with_the_api_message(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    body = {"message": '"display_name" is required', "name": "InputValidationError", "status": 400}
    fake.inject(status=400, body=body)
    with pytest.raises(InvalidRequest, match='InputValidationError: "display_name" is required'):
        await adapter.create_room(RoomSpec(display_name="Room"))


async def test_an_unexpected_answer_is_the_providers_failure(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    fake.inject(status=200, body={"unexpected": True})
    with pytest.raises(ProviderUnavailable, match="unexpected answer"):
        await adapter.get_room("0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00")


@pytest.mark.parametrize("body", [5, {"number": "442381924626"}, "OK"])
async def test_dial_in_numbers_that_are_no_list_are_the_providers_failure(
    adapter: VonageAdapter, fake: FakeVonage, body: object
) -> None:
    fake.inject(status=200, body=body)
    with pytest.raises(ProviderUnavailable, match="unexpected answer") as caught:
        await adapter.dial_in_numbers()
    assert caught.value.provider == "vonage"
