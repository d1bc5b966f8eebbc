"""Error mapping, retries, and the secret key kept out of every error and log line."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from providers import (
    InvalidRequest,
    ProviderAuthError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ResourceConflict,
    ResourceNotFound,
    RoomSpec,
    create_store,
)
from providers.metered import FakeMetered, MeteredAdapter, MeteredSettings
from providers.metered.auth import SecretKeyTransport

from .conftest import fixture, make_adapter, quick


def chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]


def assert_secret_absent(error: BaseException, secret: str) -> None:
    for link in chain(error):
        for text in (str(link), repr(link), *(repr(arg) for arg in link.args)):
            assert secret not in text, f"secret leaked through {type(link).__name__}"


# mapping


async def test_wrong_key_is_an_auth_error(fake: FakeMetered) -> None:
    wrong = "wrong-key-0123456789abcdef"
    adapter = make_adapter(
        quick(fake.settings().model_copy(update={"secret_key": SecretStr(wrong)})), fake
    )
    with pytest.raises(ProviderAuthError) as caught:
        await adapter.get_room("any")
    assert caught.value.provider == "metered"
    assert caught.value.status == 401
    assert "Invalid secretKey" in caught.value.message
    assert_secret_absent(caught.value, wrong)
    await adapter.aclose()


@pytest.mark.parametrize(
    ("status", "body", "error_type", "message"),
    [
        (400, fixture("seed_error_invalid_request.json"), InvalidRequest, "Invalid request"),
        (404, {"success": False, "message": "no such thing"}, ResourceNotFound, "no such thing"),
        (409, {"success": False, "message": "taken"}, ResourceConflict, "taken"),
        (500, {"eventCode": "", "message": "error message"}, ProviderUnavailable, "error message"),
        (400, {"error": {"details": "roomName is invalid"}}, InvalidRequest, "roomName is invalid"),
        (400, {"error": {"details": [{"field": "privacy"}]}}, InvalidRequest, '"field": "privacy"'),
    ],
)
async def test_statuses_map_to_the_error_tree(
    adapter: MeteredAdapter,
    fake: FakeMetered,
    status: int,
    body: object,
    error_type: type[ProviderError],
    message: str,
) -> None:
    fake.inject(status=status, body=body)
    with pytest.raises(error_type) as caught:
        await adapter.create_room(RoomSpec("e"))
    assert type(caught.value) is error_type
    assert caught.value.provider == "metered"
    assert caught.value.status == status
    assert message in caught.value.message


@pytest.mark.parametrize("status", [400, 404, 500])
async def test_room_not_found_is_recognised_by_its_message(
    adapter: MeteredAdapter, fake: FakeMetered, status: int
) -> None:
    fake.inject(status=status, body={"success": False, "message": "Room Not Found"})
    with pytest.raises(ResourceNotFound):
        await adapter.get_room("gone")


async def test_a_200_saying_room_not_found_is_not_found(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.inject(status=200, body={"success": False, "message": "room not found"})
    with pytest.raises(ResourceNotFound):
        await adapter.get_room("gone")


async def test_an_answer_that_is_not_json_is_a_provider_failure(fake: FakeMetered) -> None:
    def portal(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>sign in to the Wi-Fi</html>")

    adapter = MeteredAdapter(
        fake.settings(),
        store=create_store(None, namespace="metered-tests"),
        transport=httpx.MockTransport(portal),
    )
    with pytest.raises(ProviderUnavailable) as caught:
        await adapter.get_room("html")
    assert "no JSON" in caught.value.message
    await adapter.aclose()


async def test_rate_limit_carries_retry_after(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    fake.inject(status=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await adapter.create_room(RoomSpec("r"))
    assert caught.value.retry_after == 7
    assert caught.value.retryable is True
    assert caught.value.provider == "metered"


# retries


async def test_reads_are_retried_after_429_5xx_and_timeouts(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.seed_rooms(1)
    fake.inject(status=429, retry_after=0)
    fake.inject(status=503)
    fake.inject(timeout=True)
    page = await adapter.list_rooms(None, 5)
    assert len(page.rooms) == 1
    assert len(fake.requests) == 4


@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"timeout": True}, {"status": 429, "retry_after": 0}]
)
async def test_creates_are_never_retried(
    adapter: MeteredAdapter, fake: FakeMetered, fault: dict[str, object]
) -> None:
    fake.inject(**fault)
    with pytest.raises((ProviderUnavailable, RateLimited)):
        await adapter.create_room(RoomSpec("once"))
    assert len(fake.requests) == 1
    assert fake.rooms == {}


async def test_token_requests_are_never_retried(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    fake.inject(status=502)
    with pytest.raises(ProviderUnavailable):
        await adapter.create_join_token(None, global_token=True)
    assert len(fake.requests) == 1


async def test_persistent_timeouts_end_in_provider_timeout(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    fake.inject(timeout=True, times=10)
    with pytest.raises(ProviderTimeout) as caught:
        await adapter.get_room("slow")
    assert caught.value.retryable is True
    assert len(fake.requests) == 4  # one try and three retries


async def test_the_time_budget_bounds_a_slow_provider(fake: FakeMetered) -> None:
    adapter = make_adapter(quick(fake.settings(), total=0.2), fake)
    fake.latency = 5
    with pytest.raises(ProviderTimeout) as caught:
        await adapter.get_room("slow")
    assert_secret_absent(caught.value, fake.secret_key)
    await adapter.aclose()


# the secret key


async def test_the_key_is_sent_as_a_query_parameter(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    await adapter.list_rooms(None, 1)
    assert fake.requests[0].url.params["secretKey"] == fake.secret_key


ECHOING_BODIES = [
    '{"message": "Cannot GET /api/v1/room/x?secretKey=KEY&a=1"}',
    '{"success": false, "message": "key KEY is not valid"}',
    '{"error": {"details": "secretKey KEY revoked"}}',
    '{"eventCode": "", "message": "{\\"secretKey\\":\\"KEY\\"}"}',
]


@pytest.mark.parametrize("template", ECHOING_BODIES)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 503])
async def test_error_bodies_echoing_the_key_never_leak_it(
    adapter: MeteredAdapter, fake: FakeMetered, status: int, template: str
) -> None:
    fake.inject(status=status, body=json.loads(template.replace("KEY", fake.secret_key)))
    with pytest.raises(ProviderError) as caught:
        await adapter.create_room(RoomSpec("leak"))
    assert_secret_absent(caught.value, fake.secret_key)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout,
        httpx.ConnectTimeout,
        httpx.ConnectError,
        httpx.ReadError,
        httpx.RemoteProtocolError,
    ],
)
async def test_transport_errors_quoting_the_url_never_leak_the_key(
    fake: FakeMetered, failure: type[httpx.TransportError]
) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise failure(f"{failure.__name__} while calling {request.url}", request=request)

    adapter = MeteredAdapter(
        quick(fake.settings()),
        store=create_store(None, namespace="metered-tests"),
        transport=httpx.MockTransport(broken),
    )
    with pytest.raises(ProviderUnavailable) as read:
        await adapter.get_room("x")
    with pytest.raises(ProviderUnavailable) as write:
        await adapter.create_room(RoomSpec("x"))
    for caught in (read, write):
        assert_secret_absent(caught.value, fake.secret_key)
        assert any(isinstance(link, failure) for link in chain(caught.value))
    await adapter.aclose()


async def test_a_real_connection_failure_never_leaks_the_key(fake: FakeMetered) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = quick(fake.settings()).model_copy(
        update={"base_url": f"http://127.0.0.1:{port}/api/v1"}
    )
    adapter = make_adapter(settings)
    with pytest.raises(ProviderUnavailable) as caught:
        await adapter.get_room("x")
    assert_secret_absent(caught.value, fake.secret_key)
    await adapter.aclose()


async def test_logged_requests_never_carry_the_key(
    adapter: MeteredAdapter, fake: FakeMetered, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.seed_rooms(1)
    await adapter.list_rooms(None, 5)
    fake.inject(status=500)
    with pytest.raises(ProviderUnavailable):
        await adapter.create_room(RoomSpec("x"))
    assert "HTTP Request" in caplog.text
    assert fake.secret_key not in caplog.text


async def test_reprs_never_show_the_key(adapter: MeteredAdapter, fake: FakeMetered) -> None:
    key = fake.secret_key
    transport = SecretKeyTransport(fake.transport(), SecretStr(key))
    for thing in (
        transport,
        adapter.settings,
        adapter.client,
        MeteredSettings(secret_key=SecretStr(key)),
    ):
        assert key not in repr(thing)
        assert key not in str(thing)
