"""A tenant's token reaches its own rooms only: over HTTP, own, foreign and unowned rooms, by
read, list, update, close, join and room state; ``tenants:all``; tokens without the claim."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.gateway.tenants.tenants import (
    CLOSE,
    JOIN,
    ROOM,
    ROOM_STATE,
    ROOMS,
    UPDATE,
    create_room,
    operator,
    tenant,
    without_tenant,
)
from tests.support import jwt_settings

#: a room id no provider knows, for "the same error as an unknown room"
UNKNOWN = "vonage:3fa85f64-5717-4562-b3fc-2c963f66afa6"
MUTATIONS = {"updateRoom": UPDATE, "closeRoom": CLOSE, "joinRoom": JOIN, "roomState": ROOM_STATE}


async def rooms_of(gw: Gateway, token: str) -> list[str]:
    """Every room id ``rooms`` lists to ``token``, walking every page."""
    ids: list[str] = []
    after = None
    for _ in range(50):
        page = (await gw.data(ROOMS, {"after": after}, token))["rooms"]
        ids += [node["id"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("rooms paging did not end")


async def rooms_three_ways(gw: Gateway) -> dict[str, str]:
    """A room of tenant acme, one of tenant globex, and one of no recorded tenant."""
    acme = await create_room(gw, tenant("acme"))
    globex = await create_room(gw, tenant("globex"))
    [unowned] = gw.sandbox("vonage").seed_rooms(1)
    return {"acme": acme["id"], "globex": globex["id"], "unowned": f"vonage:{unowned}"}


async def test_a_tenant_reads_and_lists_only_its_own_rooms() -> None:
    async with gateway(jwt_settings()) as gw:
        rooms = await rooms_three_ways(gw)
        read = {
            k: (await gw.data(ROOM, {"id": v}, tenant("acme")))["room"] for k, v in rooms.items()
        }
        listed = await rooms_of(gw, tenant("acme"))
    assert read == {"acme": {"id": rooms["acme"]}, "globex": None, "unowned": None}
    assert listed == [rooms["acme"]]


async def test_tenants_all_and_a_token_without_the_claim_see_every_room() -> None:
    async with gateway(jwt_settings()) as gw:
        rooms = await rooms_three_ways(gw)
        for token in (operator(), without_tenant()):
            for room_id in rooms.values():
                assert (await gw.data(ROOM, {"id": room_id}, token))["room"] == {"id": room_id}
            assert set(await rooms_of(gw, token)) == set(rooms.values())


async def test_an_operator_with_a_tenant_claim_still_sees_every_room() -> None:
    token = tenant("acme", scope="rooms:read tenants:all")
    async with gateway(jwt_settings()) as gw:
        rooms = await rooms_three_ways(gw)
        assert set(await rooms_of(gw, token)) == set(rooms.values())


@pytest.mark.parametrize("field", sorted(MUTATIONS))
@pytest.mark.parametrize("whose", ["globex", "unowned"])
async def test_another_tenants_or_an_unowned_room_is_not_found_like_an_unknown_one(
    field: str, whose: str
) -> None:
    document = MUTATIONS[field]
    async with gateway(jwt_settings()) as gw:
        rooms = await rooms_three_ways(gw)
        sandbox = gw.sandbox("vonage")
        calls = len(sandbox.requests)
        refused = await gw.error(document, {"id": rooms[whose]}, tenant("acme"))
        after_refusal = len(sandbox.requests)
        unknown = await gw.error(document, {"id": UNKNOWN}, tenant("acme"))
        own = await gw.data(document, {"id": rooms["acme"]}, tenant("acme"))
    assert refused["extensions"] == unknown["extensions"]
    assert refused["extensions"]["code"] == "NOT_FOUND"
    assert rooms[whose].split(":")[1] not in str(refused["extensions"])
    assert after_refusal == calls, "a foreign room reaches no provider"
    assert own[field] is not None


async def test_a_foreign_close_leaves_the_room_open() -> None:
    async with gateway(jwt_settings()) as gw:
        room = await create_room(gw, tenant("acme"))
        await gw.error(CLOSE, {"id": room["id"]}, tenant("globex"))
        closes = requests_to(gw.sandbox("vonage"), "PATCH") + requests_to(
            gw.sandbox("vonage"), "DELETE"
        )
        closed = await gw.data(CLOSE, {"id": room["id"]}, operator())
    assert closes == []
    assert closed["closeRoom"]["id"] == room["id"]


async def test_pages_of_rooms_filtered_down_still_reach_the_end() -> None:
    async with gateway(jwt_settings()) as gw:
        mine = [(await create_room(gw, tenant("acme")))["id"] for _ in range(2)]
        for _ in range(5):
            await create_room(gw, tenant("globex"))
        gw.sandbox("vonage").seed_rooms(3)
        pages: list[dict[str, Any]] = []
        after = None
        while True:
            page = (await gw.data(ROOMS, {"after": after}, tenant("acme")))["rooms"]
            pages.append(page)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    listed = [node["id"] for page in pages for node in page["nodes"]]
    assert sorted(listed) == sorted(mine)
    assert len(pages) == 5  # ten rooms, two a page: paging walks them all, showing two
    assert any(page["nodes"] == [] for page in pages)


async def test_a_token_without_the_claim_is_refused_when_tenants_are_required() -> None:
    async with gateway(jwt_settings(require_tenant=True)) as gw:
        response = await gw.client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {without_tenant()}"},
        )
        room = await create_room(gw, tenant("acme"))
        own = await gw.data(ROOM, {"id": room["id"]}, tenant("acme"))
    assert response.status_code == 401
    assert "token lacks the 'tenant' claim" in response.headers["www-authenticate"]
    assert "token lacks the 'tenant' claim" in response.text
    assert own["room"] == {"id": room["id"]}


async def test_the_claim_name_is_configurable() -> None:
    async with gateway(jwt_settings(tenant_claim="org", require_tenant=True)) as gw:
        refused = await gw.client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {tenant('acme')}"},
        )
        room = await create_room(gw, tenant("x", org="acme"))
        other = await gw.data(ROOM, {"id": room["id"]}, tenant("x", org="globex"))
    assert refused.status_code == 401
    assert "token lacks the 'org' claim" in refused.text
    assert other["room"] is None
