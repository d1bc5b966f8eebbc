"""Input is checked before any request and the offending field is named."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from providers import (
    InvalidRequest,
    RoomKind,
    RoomSpec,
    RoomUpdate,
    ThemeSpec,
    ThemeUpdate,
    WebhookTarget,
)
from providers.vonage import FakeVonage, VonageAdapter
from tests.providers.vonage.helpers import png
from tests.support import ManualClock

ROOM_ID = "0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00"


def _spec(clock: ManualClock, case: dict[str, Any]) -> RoomSpec:
    values: dict[str, Any] = {"display_name": "Room"}
    if case.pop("long_term", False):
        values.update(kind=RoomKind.LONG_TERM, expires_at=clock.datetime() + timedelta(days=1))
    if "expires_in" in case:
        values["expires_at"] = clock.datetime() + case.pop("expires_in")
    values.update(case)
    return RoomSpec(**values)


ROOM_CASES: list[tuple[dict[str, Any], str]] = [
    ({"display_name": ""}, "displayName"),
    ({"display_name": "   "}, "displayName"),
    ({"display_name": "x" * 201}, "displayName"),
    ({"metadata": "m" * 501}, "metadata"),
    ({"kind": RoomKind.LONG_TERM}, "expiresAt"),
    ({"long_term": True, "expires_in": timedelta(minutes=10)}, "expiresAt"),
    ({"long_term": True, "expires_in": timedelta(days=366)}, "expiresAt"),
    ({"long_term": True, "expires_in": timedelta(minutes=-5)}, "expiresAt"),
    ({"expires_in": timedelta(days=1)}, "expiresAt"),
    ({"provider_options": {"expire_after_use": True}}, "providerOptions.expire_after_use"),
    ({"theme_id": "orange"}, "themeId"),
    ({"provider_options": {"colour": "red"}}, "providerOptions.colour"),
    ({"provider_options": {"display_name": "x"}}, "providerOptions.display_name"),
    (
        {"long_term": True, "provider_options": {"expire_after_use": "yes"}},
        "providerOptions.expire_after_use",
    ),
    (
        {"provider_options": {"initial_join_options": {"microphone_state": "loud"}}},
        "providerOptions.initial_join_options.microphone_state",
    ),
    (
        {"provider_options": {"initial_join_options": {"camera_state": "on"}}},
        "providerOptions.initial_join_options.camera_state",
    ),
    (
        {"provider_options": {"callback_urls": {"rooms_callback_url": "ftp://x"}}},
        "providerOptions.callback_urls.rooms_callback_url",
    ),
    (
        {"provider_options": {"callback_urls": {"other_url": "https://x"}}},
        "providerOptions.callback_urls.other_url",
    ),
    (
        {"provider_options": {"available_features": {"is_chat_available": 1}}},
        "providerOptions.available_features.is_chat_available",
    ),
    (
        {"provider_options": {"ui_settings": {"language": ""}}},
        "providerOptions.ui_settings.language",
    ),
    ({"provider_options": {"ui_settings": "es"}}, "providerOptions.ui_settings"),
    ({"webhook": WebhookTarget("gw.example/webhooks/vonage", "t")}, "webhook"),
]


@pytest.mark.parametrize(("case", "field"), ROOM_CASES)
async def test_room_input_is_refused_naming_the_field(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock, case: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_room(_spec(clock, dict(case)))
    assert caught.value.field == field
    assert caught.value.provider == "vonage"
    assert fake.requests == []


async def test_longest_valid_values_are_accepted(
    adapter: VonageAdapter, clock: ManualClock
) -> None:
    spec = RoomSpec(
        display_name="x" * 200,
        metadata="m" * 500,
        kind=RoomKind.LONG_TERM,
        expires_at=clock.datetime() + timedelta(days=365),
    )
    room = await adapter.create_room(spec)
    assert room.display_name == "x" * 200


async def test_the_api_also_refuses_expires_at_on_an_instant_room(
    adapter: VonageAdapter, clock: ManualClock
) -> None:
    body = {"display_name": "Quick", "expires_at": "2030-01-01T00:00:00.000Z"}
    response = await adapter.client.post("/rooms", json=body)
    assert response.status_code == 400
    assert response.json()["message"] == '"expires_at" is not allowed'


UPDATE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"expires_at": None}, "expiresAt"),
    ({"expires_in": timedelta(minutes=9)}, "expiresAt"),
    ({"theme_id": "orange"}, "themeId"),
    ({"provider_options": {"ui_settings": {"language": "es"}}}, "providerOptions.ui_settings"),
    ({"provider_options": {"display_name": "x"}}, "providerOptions.display_name"),
]


@pytest.mark.parametrize(("case", "field"), UPDATE_CASES)
async def test_update_input_is_refused_naming_the_field(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock, case: dict[str, Any], field: str
) -> None:
    values = dict(case)
    if "expires_in" in values:
        values["expires_at"] = clock.datetime() + values.pop("expires_in")
    with pytest.raises(InvalidRequest) as caught:
        await adapter.update_room(ROOM_ID, RoomUpdate(**values))
    assert caught.value.field == field
    assert fake.requests == []


THEME_CASES: list[tuple[dict[str, Any], str]] = [
    ({"main_color": "red"}, "mainColor"),
    ({"main_color": "#12345"}, "mainColor"),
    ({"main_color": "#1234567"}, "mainColor"),
    ({"brand_text": ""}, "brandText"),
    ({"brand_text": "b" * 201}, "brandText"),
    ({"name": "n" * 201}, "name"),
    ({"short_company_url": "1234"}, "shortCompanyUrl"),
    ({"short_company_url": "acme inc"}, "shortCompanyUrl"),
    ({"short_company_url": "a" * 129}, "shortCompanyUrl"),
]


@pytest.mark.parametrize(("case", "field"), THEME_CASES)
async def test_theme_input_is_refused_naming_the_field(
    adapter: VonageAdapter, fake: FakeVonage, case: dict[str, Any], field: str
) -> None:
    values = {"main_color": "#12f64e", "brand_text": "Acme", **case}
    with pytest.raises(InvalidRequest) as caught:
        await adapter.create_theme(ThemeSpec(**values))
    assert caught.value.field == field
    assert fake.requests == []


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (ThemeUpdate(main_color=None), "mainColor"),
        (ThemeUpdate(brand_text=None), "brandText"),
        (ThemeUpdate(main_color="blue"), "mainColor"),
        (ThemeUpdate(short_company_url="~~ ~~"), "shortCompanyUrl"),
        (ThemeUpdate(), None),
    ],
)
async def test_theme_update_is_refused_naming_the_field(
    adapter: VonageAdapter, fake: FakeVonage, update: ThemeUpdate, field: str | None
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.update_theme(ROOM_ID, update)
    assert caught.value.field == field
    assert fake.requests == []


@pytest.mark.parametrize(
    ("logo_type", "data", "field"),
    [
        ("banner", png(10, 10), "logoType"),
        ("white", b"GIF89a not a png", "logo"),
        ("white", png(301, 10), "logo"),
        ("colored", png(10, 400), "logo"),
        ("favicon", png(16, 20), "logo"),
        ("favicon", png(64, 64), "logo"),
        ("white", png(10, 10) + b"\x00" * (1024 * 1024), "logo"),
    ],
)
async def test_logo_is_refused_naming_the_field(
    adapter: VonageAdapter, fake: FakeVonage, logo_type: str, data: bytes, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.upload_theme_logo(ROOM_ID, logo_type, data)
    assert caught.value.field == field
    assert fake.requests == []


async def test_session_id_is_required(adapter: VonageAdapter, fake: FakeVonage) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.list_recordings("  ")
    assert caught.value.field == "sessionId"
    assert fake.requests == []
