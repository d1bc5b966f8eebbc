"""Refused deliveries publish nothing: bad token or signature, malformed, oversized, unknown
provider, unavailable bus. Accepted duplicates publish once."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import cast

import httpx
import pytest

from providers import EventType, WebhookDelivery
from providers.videosdk.fake import FakeVideoSDK
from tests.gateway.events.deliveries import Gateway, gateway, json_delivery
from tests.support import gateway_settings

TOKEN = "sandbox-webhook-token"
JOINED = {
    "event": "session:participant:joined",
    "participant_id": "p-1",
    "session_id": "s-1",
    "room_id": "room-1",
    "name": "Ann",
    "type": "Guest",
    "is_host": False,
}


async def assert_nothing_published(gw: Gateway) -> None:
    assert await gw.logged() == []
    assert gw.services.ingest.stats.published == 0


def videosdk_delivery(gw: Gateway) -> WebhookDelivery:
    return gw.sandbox("videosdk").webhook("room-1", EventType.PARTICIPANT_JOINED, {}, None)


async def test_vonage_wrong_or_missing_token_is_401() -> None:
    async with gateway() as gw:
        for query in ({"token": "sandbox-webhook-tokeX"}, {}, {"token": ""}):
            response = await gw.post("vonage", json_delivery(JOINED, query=query))
            assert response.status_code == 401
            assert TOKEN not in response.text
        await assert_nothing_published(gw)
        assert gw.services.ingest.stats.rejected_auth == 3


async def test_metered_wrong_token_is_401() -> None:
    delivery = WebhookDelivery("/joined", {"room": "r", "token": "nope"}, {}, b"")
    async with gateway() as gw:
        assert (await gw.post("metered", delivery)).status_code == 401
        await assert_nothing_published(gw)


async def test_videosdk_bad_signature_is_401() -> None:
    async with gateway() as gw:
        good = videosdk_delivery(gw)
        other = base64.b64encode(b"\x00" * 256).decode()
        tampered_body = good.body.replace(b"room-1", b"room-2")
        for headers, body in (
            ({**good.headers, "videosdk-signature": other}, good.body),
            ({"content-type": "application/json"}, good.body),
            ({**good.headers, "videosdk-signature": "%%%"}, good.body),
            (dict(good.headers), tampered_body),
        ):
            delivery = WebhookDelivery("", {}, headers, body)
            assert (await gw.post("videosdk", delivery)).status_code == 401
        await assert_nothing_published(gw)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"no_event": 1}', b"\xff\xfe"])
async def test_malformed_body_is_400(body: bytes) -> None:
    delivery = WebhookDelivery("", {"token": TOKEN}, {"content-type": "application/json"}, body)
    async with gateway() as gw:
        response = await gw.post("vonage", delivery)
        assert response.status_code == 400
        assert "malformed" in response.json()["error"]
        await assert_nothing_published(gw)
        assert gw.services.ingest.stats.rejected_malformed == 1


DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


async def test_deeply_nested_json_is_400_for_vonage_and_metered() -> None:
    headers = {"content-type": "application/json"}
    metered = WebhookDelivery(
        "/joined", {"room": "r", "token": TOKEN}, headers, b'{"a":' + DEEP_JSON
    )
    async with gateway() as gw:
        assert (
            await gw.post("vonage", WebhookDelivery("", {"token": TOKEN}, headers, DEEP_JSON))
        ).status_code == 400
        assert (await gw.post("metered", metered)).status_code == 400
        await assert_nothing_published(gw)


async def test_deeply_nested_forged_videosdk_delivery_is_refused_before_verifying() -> None:
    async with gateway() as gw:
        forged = {**videosdk_delivery(gw).headers}
        response = await gw.post("videosdk", WebhookDelivery("", {}, forged, DEEP_JSON))
        assert response.status_code == 400
        await assert_nothing_published(gw)
        assert gw.services.ingest.stats.deliveries == 0


async def test_metered_unknown_path_is_400() -> None:
    delivery = WebhookDelivery("/exploded", {"room": "r", "token": TOKEN}, {}, b"")
    async with gateway() as gw:
        assert (await gw.post("metered", delivery)).status_code == 400
        await assert_nothing_published(gw)


async def test_oversized_body_is_413() -> None:
    settings = gateway_settings(limits={"max_webhook_body_bytes": 1_000})
    payload = {**JOINED, "name": "A" * 2_000}
    async with gateway(settings) as gw:
        response = await gw.post("vonage", json_delivery(payload, query={"token": TOKEN}))
        assert response.status_code == 413
        await assert_nothing_published(gw)


async def test_oversized_chunked_body_is_413() -> None:
    settings = gateway_settings(limits={"max_webhook_body_bytes": 1_000})

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 400

    async with gateway(settings) as gw:
        response = await gw.client.post(
            "/webhooks/vonage", params={"token": TOKEN}, content=chunks()
        )
        assert response.status_code == 413
        await assert_nothing_published(gw)


async def test_body_at_the_limit_is_accepted() -> None:
    body = json.dumps(JOINED).encode()
    settings = gateway_settings(limits={"max_webhook_body_bytes": len(body)})
    async with gateway(settings) as gw:
        delivery = WebhookDelivery("", {"token": TOKEN}, {}, body)
        assert (await gw.post("vonage", delivery)).status_code == 204
        assert len(await gw.logged()) == 1


@pytest.mark.parametrize("path", ["/webhooks/zoom", "/webhooks/VONAGE", "/webhooks/zoom/joined"])
async def test_unknown_provider_is_404(path: str) -> None:
    async with gateway() as gw:
        response = await gw.client.post(path, params={"token": TOKEN}, json=JOINED)
        assert response.status_code == 404
        await assert_nothing_published(gw)


async def test_unconfigured_provider_is_404() -> None:
    async with gateway(gateway_settings(sandbox=False)) as gw:
        response = await gw.post("vonage", json_delivery(JOINED, query={"token": TOKEN}))
        assert response.status_code == 404
        await assert_nothing_published(gw)


async def test_get_is_not_a_delivery() -> None:
    async with gateway() as gw:
        response = await gw.client.get("/webhooks/vonage", params={"token": TOKEN})
        assert response.status_code == 405


async def test_duplicate_delivery_is_accepted_and_published_once() -> None:
    delivery = json_delivery(JOINED, query={"token": TOKEN})
    async with gateway() as gw:
        assert (await gw.post("vonage", delivery)).status_code == 204
        assert (await gw.post("vonage", delivery)).status_code == 204
        assert len(await gw.logged()) == 1
        stats = gw.services.ingest.stats
        assert (stats.published, stats.duplicates) == (1, 1)


async def test_unavailable_bus_is_503_so_the_provider_retries() -> None:
    settings = gateway_settings(redis_url="redis://127.0.0.1:1/0")
    delivery = WebhookDelivery("/joined", {"room": "r", "token": TOKEN}, {}, b"")
    async with gateway(settings) as gw:
        response = await gw.post("metered", delivery)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert gw.services.ingest.stats.unavailable == 1
        ready = await gw.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["events"] is False


async def test_refusals_do_not_leak_the_configured_token() -> None:
    async with gateway() as gw:
        responses: list[httpx.Response] = [
            await gw.post("vonage", json_delivery(JOINED, query={"token": "x"})),
            await gw.post("vonage", WebhookDelivery("", {"token": TOKEN}, {}, b"{")),
        ]
    for response in responses:
        assert TOKEN not in response.text


async def test_session_store_down_during_verification_is_503_and_publishes_nothing() -> None:
    settings = gateway_settings(redis_url="redis://127.0.0.1:1/0")
    async with gateway(settings) as gw:
        response = await gw.post("vonage", json_delivery(JOINED, query={"token": TOKEN}))
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        assert gw.services.ingest.stats.unavailable == 1
        assert gw.services.ingest.stats.published == 0


def session_started(start: datetime) -> dict[str, object]:
    data = {"sessionId": "s-1", "meetingId": "room-1", "start": start.isoformat()}
    return {"webhookType": "session-started", "data": data}


async def test_a_signed_delivery_replayed_after_the_dedupe_window_is_401() -> None:
    window = 1.0
    events = {"dedupe_seconds": window, "retention_seconds": window}
    async with gateway(gateway_settings(events=events)) as gw:
        videosdk = cast(FakeVideoSDK, gw.sandbox("videosdk"))
        captured = videosdk.deliver(session_started(datetime.now(UTC)))
        assert (await gw.post("videosdk", captured)).status_code == 204
        await asyncio.sleep(window + 0.2)
        replayed = await gw.post("videosdk", captured)
        assert replayed.status_code == 401
        assert gw.services.ingest.stats.rejected_auth == 1
        # dated before the window: refused without a first delivery
        dated = session_started(datetime.now(UTC) - timedelta(seconds=30))
        assert (await gw.post("videosdk", videosdk.deliver(dated))).status_code == 401
        assert gw.services.ingest.stats.published == 1
