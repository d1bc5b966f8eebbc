"""Webhook deliveries: the token first, then the URL's event, then a lenient body read.

Metered documents no webhook payload; the bodies here are synthesized.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from providers import (
    EventType,
    MalformedWebhook,
    UnsupportedOperation,
    WebhookAuthError,
    WebhookDelivery,
    stable_event_id,
)
from providers.metered import FakeMetered, MeteredAdapter
from providers.metered.webhooks import parse_delivery

from .conftest import NOW, fixture

TOKEN = "sandbox-webhook-token"


def delivery(
    path: str = "/joined",
    body: bytes | dict[str, Any] = b"",
    *,
    room: str | None = "standup-a1b2c3",
    token: str | None = TOKEN,
    content_type: str = "application/json",
) -> WebhookDelivery:
    query = {
        key: value for key, value in {"room": room, "token": token}.items() if value is not None
    }
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    return WebhookDelivery(path=path, query=query, headers={"content-type": content_type}, body=raw)


def parse(item: WebhookDelivery, expected: str | None = TOKEN) -> Any:
    (event,) = parse_delivery(item, expected_token=expected)
    return event


@pytest.mark.parametrize(
    ("path", "event_type"),
    [
        ("/joined", EventType.PARTICIPANT_JOINED),
        ("/left", EventType.PARTICIPANT_LEFT),
        ("/started", EventType.SESSION_STARTED),
        ("/ended", EventType.SESSION_ENDED),
    ],
)
async def test_every_event_round_trips_through_the_sandbox(
    adapter: MeteredAdapter, fake: FakeMetered, path: str, event_type: EventType
) -> None:
    details = {"participantId": "u-7", "participantName": "Grace", "sessionId": "s-1"}
    item = fake.webhook("standup", event_type, details, TOKEN)
    assert item.path == path
    assert item.query == {"room": "standup", "token": TOKEN}

    (event,) = await adapter.parse_webhook(item)

    assert event.type is event_type
    assert event.provider == "metered"
    assert event.room_native_id == "standup"
    assert event.room_id == "metered:standup"
    assert event.session_id == "s-1"
    assert event.occurred_at == NOW
    assert event.raw == json.loads(item.body)
    participant = event_type in (EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT)
    assert event.participant_id == ("u-7" if participant else None)
    assert event.participant_name == ("Grace" if participant else None)
    assert event.started_at == (NOW if event_type is EventType.SESSION_STARTED else None)
    assert event.ended_at == (NOW if event_type is EventType.SESSION_ENDED else None)


async def test_sandbox_defaults_fill_a_participant(
    adapter: MeteredAdapter, fake: FakeMetered
) -> None:
    joined = fake.webhook("r", EventType.PARTICIPANT_JOINED, {}, TOKEN)
    left = fake.webhook("r", EventType.PARTICIPANT_LEFT, {}, TOKEN)
    (first,) = await adapter.parse_webhook(joined)
    (second,) = await adapter.parse_webhook(left)
    assert first.participant_id == second.participant_id == "sandbox-user"
    assert first.participant_name == "Sandbox User"
    assert first.session_id == second.session_id is not None


def test_sandbox_has_no_recording_or_expiry_webhooks(fake: FakeMetered) -> None:
    for event_type in set(EventType) - set(MeteredAdapter.event_types):
        with pytest.raises(UnsupportedOperation):
            fake.webhook("r", event_type, {}, TOKEN)


def test_synthesized_third_party_payload() -> None:
    body = fixture("synthesized_join_payload.json")
    event = parse(delivery("/joined", body))
    assert event.participant_id == "user-42"
    assert event.participant_name == "Ada"
    assert event.room_native_id == "standup-a1b2c3"
    assert event.raw == body
    assert event.occurred_at is None


def test_an_empty_body_is_an_event_of_the_url() -> None:
    event = parse(delivery("/started", b""))
    assert event.type is EventType.SESSION_STARTED
    assert event.raw == {}
    assert event.room_native_id == "standup-a1b2c3"
    assert event.session_id is None


def test_a_form_encoded_body() -> None:
    body = b"roomName=standup-a1b2c3&participantId=p-9&participantName=Linus+T&sessionId=m-3"
    event = parse(delivery("/left", body, content_type="application/x-www-form-urlencoded"))
    assert event.raw == {
        "roomName": "standup-a1b2c3",
        "participantId": "p-9",
        "participantName": "Linus T",
        "sessionId": "m-3",
    }
    assert (event.participant_id, event.participant_name, event.session_id) == (
        "p-9",
        "Linus T",
        "m-3",
    )


@pytest.mark.parametrize(
    ("body", "participant", "name"),
    [
        ({"userId": 1234, "userName": "Bo"}, "1234", "Bo"),
        (
            {"externalUserId": "", "participantId": "p", "name": None, "participantName": "N"},
            "p",
            "N",
        ),
        ({"participantId": True}, None, None),
    ],
)
def test_alternative_field_names(
    body: dict[str, Any], participant: str | None, name: str | None
) -> None:
    event = parse(delivery("/joined", body))
    assert (event.participant_id, event.participant_name) == (participant, name)


def test_is_admin_marks_the_host() -> None:
    assert parse(delivery("/joined", {"isAdmin": True})).is_host is True
    assert parse(delivery("/joined", {"isAdmin": "yes"})).is_host is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2030-01-01T00:00:00.000Z", NOW),
        ("2030-01-01T01:00:00+01:00", NOW),
        (int(NOW.timestamp()), NOW),
        (int(NOW.timestamp()) * 1000, NOW),
        (str(int(NOW.timestamp())), NOW),
        ("yesterday", None),
        (0, None),
        (True, None),
    ],
)
def test_timestamps(value: object, expected: datetime | None) -> None:
    event = parse(delivery("/ended", {"timestamp": value}))
    assert event.occurred_at == expected
    assert event.ended_at == expected
    if expected is not None:
        assert event.occurred_at.tzinfo is UTC


def test_event_ids_are_stable_per_delivery() -> None:
    body = {"roomName": "standup-a1b2c3", "externalUserId": "u", "timestamp": 1}
    first = parse(delivery("/joined", body))
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2).encode()
    assert parse(delivery("/joined", reordered)).id == first.id
    assert parse(delivery("/left", body)).id != first.id
    assert parse(delivery("/joined", body, room="standup-a1b2c3")).id == stable_event_id(
        "metered", EventType.PARTICIPANT_JOINED, body, "/joined", "standup-a1b2c3"
    )


@pytest.mark.parametrize(
    ("token", "expected"),
    [(None, TOKEN), ("wrong", TOKEN), ("", TOKEN), (TOKEN, None), (TOKEN, "")],
    ids=["missing", "wrong", "empty", "none-configured", "empty-configured"],
)
def test_bad_or_missing_tokens_are_refused(token: str | None, expected: str | None) -> None:
    with pytest.raises(WebhookAuthError):
        parse_delivery(delivery("/joined", {"roomName": "x"}, token=token), expected_token=expected)


def test_the_token_is_checked_before_anything_else() -> None:
    garbage = delivery("/nonsense", b"\xff\xfe", room=None, token="wrong")
    with pytest.raises(WebhookAuthError):
        parse_delivery(garbage, expected_token=TOKEN)


async def test_adapter_without_a_webhook_token_refuses_everything(fake: FakeMetered) -> None:
    from .conftest import make_adapter

    adapter = make_adapter(fake.settings().model_copy(update={"webhook_token": None}), fake)
    with pytest.raises(WebhookAuthError):
        await adapter.parse_webhook(fake.webhook("r", EventType.SESSION_ENDED, {}, TOKEN))
    await adapter.aclose()


@pytest.mark.parametrize(
    "item",
    [
        delivery("/recording"),
        delivery(""),
        delivery("/joined/extra"),
        delivery("/joined", room=None),
        delivery("/joined", room=""),
        delivery("/joined", {"roomName": "another-room"}),
        delivery("/joined", b"{not json"),
        delivery("/joined", b"[1, 2]"),
        delivery("/joined", b"just text"),
        delivery("/joined", b"\xff\xfe{}"),
    ],
    ids=[
        "unknown-path",
        "no-path",
        "longer-path",
        "no-room",
        "empty-room",
        "other-room",
        "bad-json",
        "json-array",
        "text",
        "not-utf8",
    ],
)
def test_malformed_deliveries(item: WebhookDelivery) -> None:
    with pytest.raises(MalformedWebhook) as caught:
        parse(item)
    assert caught.value.provider == "metered"
