"""The sandbox at the wire level: what a client of the Metered REST API would see."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from providers import REGISTRY, Sandbox
from providers.metered import FakeMetered

from .conftest import fixture

BASE = "https://sandbox.metered.live/api/v1"
INVALID = fixture("seed_error_invalid_request.json")


@pytest.fixture
async def client(fake: FakeMetered) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=BASE, transport=fake.transport(), params={"secretKey": fake.secret_key}
    ) as client:
        yield client


async def create(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/room", json=body)


def test_is_the_registered_sandbox() -> None:
    sandbox: Sandbox = FakeMetered()  # mypy checks the protocol
    assert isinstance(REGISTRY["metered"].sandbox(), FakeMetered)
    assert sandbox.settings().configured


def test_settings_carry_its_own_credentials(fake: FakeMetered) -> None:
    settings = fake.settings()
    assert settings.app_name == "sandbox"
    assert settings.configured
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == fake.secret_key
    assert settings.webhook_token is not None
    assert settings.webhook_token.get_secret_value() == "sandbox-webhook-token"
    assert settings.api_base_url == BASE
    assert FakeMetered().secret_key != fake.secret_key


@pytest.mark.parametrize("params", [{}, {"secretKey": "nope"}, {"secretKey": ""}])
async def test_a_missing_or_wrong_key_is_refused(fake: FakeMetered, params: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=BASE, transport=fake.transport()) as client:
        response = await client.get("/rooms", params=params)
    assert response.status_code == 401
    assert response.json() == {"success": False, "message": "Invalid secretKey"}


async def test_a_room_with_no_body_gets_a_generated_name(
    client: httpx.AsyncClient, fake: FakeMetered
) -> None:
    response = await client.post("/room")
    assert response.status_code == 200
    room = response.json()
    documented = set(fixture("seed_create_room_response.json"))
    assert set(room) == documented
    assert re.fullmatch(r"[A-Za-z0-9]{10}", room["roomName"])
    assert re.fullmatch(r"[0-9a-f]{24}", room["_id"])
    assert room["app"] == fake.app_id
    assert room["created"] == "2030-01-01T00:00:00.000Z"
    assert (room["privacy"], room["archived"], room["__v"]) == ("public", False, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"roomName": "has space"},
        {"roomName": 12},
        {"privacy": "friends"},
        {"autoJoin": "yes"},
        {"maxParticipants": -1},
        {"compositionLayout": "mosaic"},
        {"enableRTMPOut": True},
    ],
)
async def test_bad_input_is_an_invalid_request(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await create(client, **body)
    assert (response.status_code, response.json()) == (400, INVALID)


async def test_a_body_that_is_not_an_object_is_invalid(client: httpx.AsyncClient) -> None:
    for content in (b"[]", b"{oops"):
        response = await client.post("/room", content=content)
        assert (response.status_code, response.json()) == (400, INVALID)


async def test_names_are_unique(client: httpx.AsyncClient) -> None:
    assert (await create(client, roomName="dup")).status_code == 200
    assert (await create(client, roomName="dup")).json() == INVALID


async def test_zero_means_unset_and_unknown_fields_are_ignored(client: httpx.AsyncClient) -> None:
    room = (await create(client, roomName="z", maxParticipants=0, colour="red")).json()
    assert room["maxParticipants"] == 0
    assert "colour" not in room


async def test_get_update_archive_list(client: httpx.AsyncClient) -> None:
    await create(client, roomName="one")
    missing = await client.get("/room/two")
    assert (missing.status_code, missing.json()["message"]) == (400, "room not found")

    updated = await client.put("/room/one", json={"enableChat": True, "roomName": "uno"})
    assert updated.json()["enableChat"] is True
    assert (await client.get("/room/uno")).json()["roomName"] == "uno"
    assert (await client.put("/room/one", json={})).json() == INVALID

    archived = await client.delete("/room/uno")
    assert archived.json() == {"success": True, "message": "Room successfully archived"}
    assert (await client.delete("/room/one")).json() == INVALID

    listed = (await client.get("/rooms")).json()
    assert [(room["roomName"], room["archived"]) for room in listed] == [("uno", True)]


async def test_a_rename_onto_a_taken_name_is_invalid(client: httpx.AsyncClient) -> None:
    await create(client, roomName="a")
    await create(client, roomName="b")
    assert (await client.put("/room/a", json={"roomName": "b"})).json() == INVALID


async def test_tokens_need_typed_fields_and_a_known_room(client: httpx.AsyncClient) -> None:
    assert (await client.post("/token", json={"isAdmin": "yes"})).json() == INVALID
    unknown = await client.post("/token", json={"roomName": "ghost"})
    assert unknown.json()["message"] == "room not found"
    assert "token" in (await client.post("/token", json={"globalToken": True})).json()


def test_seeded_rooms_are_distinct_and_stored(fake: FakeMetered) -> None:
    names = fake.seed_rooms(50)
    assert len(set(names)) == 50
    assert set(fake.rooms) == set(names)


async def test_injected_faults_come_before_auth_and_routing(
    client: httpx.AsyncClient, fake: FakeMetered
) -> None:
    fake.inject(status=503, retry_after=2)
    response = await client.get("/rooms")
    assert (response.status_code, response.headers["retry-after"]) == (503, "2")
    assert (await client.get("/rooms")).status_code == 200
