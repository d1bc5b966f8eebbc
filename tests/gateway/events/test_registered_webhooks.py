"""With ``public_url`` set, ``createRoom`` registers webhook URLs with the provider; a
delivery to exactly such a URL, as the provider would send it, is verified and published."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

import pytest

from providers import REGISTRY, EventType, WebhookDelivery
from tests.gateway.events.deliveries import Gateway, gateway
from tests.gateway.graphql.helpers import SandboxAPI
from tests.support import gateway_settings

PUBLIC_URL = "https://gw.example/base"
CREATE = """
mutation($provider: Provider!) {
  createRoom(input: {provider: $provider, displayName: "Standup"}) { id nativeId }
}
"""


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def registered_urls(gw: Gateway, provider: str) -> set[str]:
    """The gateway URLs the room creation sent to the provider's sandbox."""
    sandbox = cast(SandboxAPI, gw.sandbox(provider))
    (create,) = [request for request in sandbox.requests if request.method == "POST"]
    body = json.loads(create.content)
    return {text for text in strings(body) if text.startswith(PUBLIC_URL)}


def to_registered_url(url: str, provider: str, sent: WebhookDelivery) -> WebhookDelivery:
    """``sent`` (the provider's own headers and body) posted to the registered ``url``."""
    parts = urlsplit(url)
    prefix = urlsplit(PUBLIC_URL).path + f"/webhooks/{provider}"
    assert parts.path.startswith(prefix), url
    query = dict(parse_qsl(parts.query))
    return WebhookDelivery(parts.path.removeprefix(prefix), query, sent.headers, sent.body)


@pytest.mark.parametrize("provider", sorted(REGISTRY))
async def test_a_delivery_to_a_registered_url_is_published(provider: str) -> None:
    emits = sorted(REGISTRY[provider].adapter.event_types, key=list(EventType).index)
    async with gateway(gateway_settings(public_url=PUBLIC_URL + "/")) as gw:
        response = await gw.client.post(
            "/graphql", json={"query": CREATE, "variables": {"provider": provider.upper()}}
        )
        room = response.json()["data"]["createRoom"]
        urls = registered_urls(gw, provider)
        assert urls
        for event_type in emits:
            sent = gw.sandbox(provider).webhook(room["nativeId"], event_type, {}, None)
            paths = {url for url in urls if urlsplit(url).path.endswith(sent.path or provider)}
            assert paths, f"no URL registered for {event_type.value}: {sorted(urls)}"
            for url in paths:
                delivered = await gw.post(provider, to_registered_url(url, provider, sent))
                assert delivered.status_code == 204, (url, delivered.text)
        logged = await gw.from_providers()
    assert {item.event.type for item in logged} == set(emits)
    assert {item.event.room_id for item in logged} == {room["id"]}
