"""The shared HTTP layer: retries, Retry-After within the budget, error bodies, the fake's log.

Driven through ``FakeAPI``, the sandboxes' shared base, with one route of its own.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from providers import ProviderTimeout, ProviderUnavailable, RateLimited
from providers._fake import FakeAPI, json_response
from providers._http import _BACKOFF_BASE, _BACKOFF_CAP, _backoff, request

PROVIDER = "example"


class Echo(FakeAPI):
    """A one-route API: ``GET /thing`` answers ``{"ok": true}``."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", "/thing", lambda _request, _args: json_response(200, {"ok": True}))


@pytest.fixture
def api() -> Echo:
    return Echo()


@pytest.fixture
async def client(api: Echo) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url="https://api.example", transport=api.transport()) as c:
        yield c


async def test_retry_after_beyond_the_budget_gives_up_at_once(
    api: Echo, client: httpx.AsyncClient
) -> None:
    api.inject(status=429, retry_after=30, times=5)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        await request(client, PROVIDER, "GET", "/thing", budget=2.0)
    assert time.monotonic() - started < 0.5
    assert caught.value.retry_after == 30
    assert caught.value.provider == PROVIDER
    assert len(api.requests) == 1


async def test_retry_after_within_the_budget_is_waited_for(
    api: Echo, client: httpx.AsyncClient
) -> None:
    api.inject(status=503, retry_after=0.3)
    started = time.monotonic()
    response = await request(client, PROVIDER, "GET", "/thing", budget=5.0)
    assert response.json() == {"ok": True}
    assert time.monotonic() - started >= 0.3
    assert len(api.requests) == 2


async def test_retry_after_as_an_http_date(api: Echo, client: httpx.AsyncClient) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    api.route(
        "GET",
        "/dated",
        lambda _request, _args: json_response(429, {"message": "slow"}, {"Retry-After": when}),
    )
    with pytest.raises(RateLimited) as caught:
        await request(client, PROVIDER, "GET", "/dated", budget=5.0)
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120
    assert len(api.requests) == 1


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "soon"])
async def test_an_unusable_retry_after_is_no_hint(
    api: Echo, client: httpx.AsyncClient, value: str
) -> None:
    api.route(
        "GET",
        "/odd",
        lambda _request, _args: json_response(429, {"message": "slow"}, {"Retry-After": value}),
    )
    with pytest.raises(RateLimited) as caught:
        await request(client, PROVIDER, "GET", "/odd", budget=5.0, retries=1)
    assert caught.value.retry_after is None
    assert len(api.requests) == 2


async def test_writes_are_sent_once(api: Echo, client: httpx.AsyncClient) -> None:
    api.route("POST", "/thing", lambda _request, _args: json_response(201, {}))
    api.inject(status=503, retry_after=0, times=3)
    with pytest.raises(ProviderUnavailable):
        await request(client, PROVIDER, "POST", "/thing", budget=5.0)
    assert len(api.requests) == 1


async def test_the_budget_bounds_the_whole_operation(api: Echo, client: httpx.AsyncClient) -> None:
    api.latency = 2.0
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as caught:
        await request(client, PROVIDER, "GET", "/thing", budget=0.2)
    assert time.monotonic() - started < 1.0
    assert caught.value.provider == PROVIDER


def test_backoff_grows_exponentially_with_full_jitter() -> None:
    for attempt in range(6):
        ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)
        delays = [_backoff(attempt) for _ in range(300)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling / 2  # spread over the range, not stuck at the bottom
        assert len(set(delays)) > 250  # jittered


async def test_an_html_error_page_gives_a_short_message(
    api: Echo, client: httpx.AsyncClient
) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head>\n<body>" + "x" * 20_000 + "</body>"
    api.route("GET", "/proxy", lambda _request, _args: httpx.Response(502, text=page))
    with pytest.raises(ProviderUnavailable) as caught:
        await request(client, PROVIDER, "GET", "/proxy", budget=5.0, retries=0)
    assert caught.value.message.startswith("HTTP 502: <html><head><title>502 Bad Gateway")
    assert len(caught.value.message) <= 520
    assert "\n" not in caught.value.message


async def test_a_binary_error_body_still_maps_to_the_tree(
    api: Echo, client: httpx.AsyncClient
) -> None:
    api.route("GET", "/bin", lambda _request, _args: httpx.Response(500, content=b"\xff\xfe\x00"))
    with pytest.raises(ProviderUnavailable) as caught:
        await request(client, PROVIDER, "GET", "/bin", budget=5.0, retries=0)
    assert caught.value.status == 500
    assert caught.value.provider == PROVIDER


async def test_the_request_log_is_bounded(api: Echo, client: httpx.AsyncClient) -> None:
    api.max_logged = 5
    for _ in range(12):
        await client.get("/thing")
    assert len(api.requests) == 5
    assert all(logged.url.path == "/thing" for logged in api.requests)


async def test_spent_faults_are_dropped(api: Echo, client: httpx.AsyncClient) -> None:
    fault = api.inject(status=503, times=2)
    statuses = [(await client.get("/thing")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert fault.times == 0
    assert api.faults == []


def _failing_client(error: type[httpx.TransportError]) -> httpx.AsyncClient:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error("injected", request=request)

    return httpx.AsyncClient(base_url="https://api.example", transport=httpx.MockTransport(fail))


@pytest.mark.parametrize(
    ("method", "error", "retryable"),
    [
        ("POST", httpx.ReadTimeout, False),  # sent: the provider may have created it
        ("POST", httpx.RemoteProtocolError, False),
        ("POST", httpx.ConnectError, True),  # never left: safe to repeat
        ("POST", httpx.ConnectTimeout, True),
        ("GET", httpx.ReadTimeout, True),
        ("GET", httpx.RemoteProtocolError, True),
    ],
)
async def test_a_write_that_may_have_happened_is_not_retryable(
    method: str, error: type[httpx.TransportError], retryable: bool
) -> None:
    async with _failing_client(error) as client:
        with pytest.raises((ProviderTimeout, ProviderUnavailable)) as caught:
            await request(client, PROVIDER, method, "/thing", budget=2.0, retries=0)
    assert caught.value.retryable is retryable
    assert ("may have applied it" in caught.value.message) is not retryable


async def test_a_write_past_its_budget_is_not_retryable(
    api: Echo, client: httpx.AsyncClient
) -> None:
    api.route("POST", "/thing", lambda _request, _args: json_response(201, {}))
    api.latency = 2.0
    with pytest.raises(ProviderTimeout) as caught:
        await request(client, PROVIDER, "POST", "/thing", budget=0.2)
    assert caught.value.retryable is False
