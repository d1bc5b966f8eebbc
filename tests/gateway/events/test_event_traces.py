"""Traces of the event chain: a webhook on one replica, its publish, and its delivery to a
subscriber on another replica (through Redis) are spans of one trace, by the event's id."""

from __future__ import annotations

import httpx
from opentelemetry.trace import SpanKind

from gateway.app import create_app
from tests.gateway.events.test_replicas import replica_settings, replicas
from tests.gateway.events.test_subscriptions import TOKEN, joined
from tests.gateway.events.wsclient import subscribe, wait_for_subscribers
from tests.gateway.observability.traces import (
    attribute_texts,
    parent_id,
    span_id,
    trace_id,
    traces,
)

#: the W3C example: the provider's trace that the webhook continues
CALLER_TRACE = 0x0AF7651916CD43DD8448EB211C80319C
CALLER_SPAN = 0xB7AD6B7169203331
CALLER = f"00-{CALLER_TRACE:032x}-{CALLER_SPAN:016x}-01"


async def test_webhook_publish_and_delivery_on_another_replica_share_the_event(
    redis_prefix: str,
) -> None:
    with traces() as t:
        settings = replica_settings(redis_prefix)
        apps = (create_app(settings, tracing=t.tracing), create_app(settings, tracing=t.tracing))
        with replicas(settings, apps) as (a, b):
            async with subscribe(b, {"roomId": "vonage:room-t"}) as sub:
                await wait_for_subscribers(b, 1)
                async with httpx.AsyncClient(base_url=a) as http:
                    await http.post(
                        "/webhooks/vonage",
                        params={"token": TOKEN},
                        json=joined("room-t", "Ann"),
                        headers={"traceparent": CALLER},
                    )
                event = await sub.event()
        webhook = t.one("POST /webhooks/{provider}")
        publish = t.one("publish events")
        subscription = t.one("subscription")
        deliveries = [
            span
            for span in t.named("deliver event")
            if span.attributes and span.attributes["gateway.subscriber"] == "client"
        ]
        every = t.spans()
    assert webhook.attributes is not None
    assert publish.attributes is not None
    assert webhook.kind is SpanKind.SERVER
    assert (trace_id(webhook), parent_id(webhook)) == (CALLER_TRACE, CALLER_SPAN)
    assert webhook.attributes["http.response.status_code"] == 204
    assert webhook.attributes["gateway.event.id"] == event["id"]
    assert publish.kind is SpanKind.PRODUCER
    assert parent_id(publish) == span_id(webhook)
    assert publish.attributes["gateway.event.id"] == event["id"]
    (delivery,) = deliveries
    assert delivery.kind is SpanKind.CONSUMER
    assert delivery.attributes is not None
    assert delivery.attributes["gateway.event.id"] == event["id"]
    assert (trace_id(delivery), parent_id(delivery)) == (CALLER_TRACE, span_id(publish))
    assert [link.context.span_id for link in delivery.links] == [span_id(subscription)]
    assert TOKEN not in attribute_texts(every)
