"""Live WebSocket connections, running subscriptions and delivered events, scraped from a
real server while a client subscribes."""

from __future__ import annotations

import asyncio

import httpx

from tests.gateway.events.test_subscriptions import deliver, joined
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.gateway.observability.scrape import Samples, parse, total
from tests.support import gateway_settings, live_server


async def scraped(base: str) -> Samples:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return parse(response.text)


async def gauge_settles(base: str, name: str, value: float) -> None:
    for _ in range(100):
        if total(await scraped(base), name) == value:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{name} stayed at {total(await scraped(base), name)}, not {value}")


async def test_sockets_subscriptions_and_deliveries_are_counted() -> None:
    with live_server(gateway_settings()) as base:
        before = await scraped(base)
        sockets = total(before, "gateway_websocket_connections")
        running = total(before, "gateway_subscriptions_active")
        delivered = total(before, "gateway_events_delivered_total", consumer="client")
        async with subscribe(base, {"roomId": "vonage:room-m"}) as sub:
            await wait_for_subscribers(base, 1)
            assert sub.ws.response is not None
            assert len(sub.ws.response.headers["x-request-id"]) == 32
            during = await scraped(base)
            await deliver(base, joined("room-m", "Ann"))
            assert (await sub.event())["participantName"] == "Ann"
            after = await scraped(base)
        await gauge_settles(base, "gateway_websocket_connections", sockets)
        await gauge_settles(base, "gateway_subscriptions_active", running)
    assert total(during, "gateway_websocket_connections") == sockets + 1
    assert total(during, "gateway_subscriptions_active") == running + 1
    assert total(after, "gateway_events_delivered_total", consumer="client") == delivered + 1
    assert total(after, "gateway_events_published_total", provider="vonage") >= 1
