"""Query cost: the provider calls a document may cause, refused before it runs when over
GATEWAY_LIMITS__MAX_PROVIDER_CALLS; analysed once per fragment, so bombs are cheap."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.gateway.graphql.helpers import Gateway, gateway
from tests.support import gateway_settings

PROVIDERS = ("vonage", "metered", "videosdk")
ROOMS = "rooms(first: 100) { nodes { id } }"


def aliased(count: int, field: str) -> str:
    return "{ " + " ".join(f"f{n}: {field}" for n in range(count)) + " }"


def provider_requests(gw: Gateway) -> int:
    return sum(len(gw.sandbox(name).requests) for name in PROVIDERS)


async def refused(gw: Gateway, query: str, variables: dict[str, Any] | None = None) -> str:
    before = provider_requests(gw)
    result = await gw.execute(query, variables)
    assert "data" not in result, result
    [error] = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert provider_requests(gw) == before, "refused documents reach no provider"
    message: str = error["message"]
    return message


async def test_thirty_aliased_room_listings_are_refused() -> None:
    async with gateway() as gw:
        message = await refused(gw, aliased(30, ROOMS))
    assert "more than 10 provider calls" in message


async def test_the_error_names_the_limit() -> None:
    async with gateway() as gw:
        result = await gw.execute(aliased(4, ROOMS))
    assert result["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "maxProviderCalls": 10}


async def test_listings_within_the_limit_run() -> None:
    async with gateway() as gw:
        data = await gw.data(aliased(3, ROOMS))  # three providers each: 9
    assert set(data) == {"f0", "f1", "f2"}


@pytest.mark.parametrize(
    ("field", "calls"),
    [
        ("rooms(provider: VONAGE) { nodes { id } }", 1),
        ('room(id: "vonage:x") { id }', 1),
        ('recordings(roomId: "videosdk:r") { nodes { id } }', 1),
        ("recordings { nodes { id } }", 3),
        ("themes { id }", 3),
    ],
)
async def test_each_field_costs_its_calls(field: str, calls: int) -> None:
    settings = gateway_settings(limits={"max_provider_calls": 6})
    async with gateway(settings) as gw:
        within = 6 // calls
        result = await gw.execute(aliased(within, field))
        assert "data" in result, result
        await refused(gw, aliased(within + 1, field))


async def test_a_provider_given_as_a_variable_counts_as_every_provider() -> None:
    settings = gateway_settings(limits={"max_provider_calls": 4})
    variables = {"p": "VONAGE", "id": "vonage:x"}
    head = "query ($p: Provider, $id: ID!) { a: rooms(provider: $p) { nodes { id } } "
    async with gateway(settings) as gw:
        result = await gw.execute(head + "b: room(id: $id) { id } }", variables)
        assert "data" in result, result  # 3 + 1
        await refused(gw, head + "b: room(id: $id) { id } c: room(id: $id) { id } }", variables)


async def test_a_nested_lookup_counts_once_per_appearance() -> None:
    settings = gateway_settings(limits={"max_provider_calls": 4})
    query = "{ rooms(provider: VONAGE, first: 100) { nodes { id theme { id } } } }"
    async with gateway(settings) as gw:
        assert "data" in await gw.execute(query)


async def test_mutations_cost_one_call_each() -> None:
    settings = gateway_settings(limits={"max_provider_calls": 2})
    close = 'closeRoom(id: "vonage:x") { id }'
    async with gateway(settings) as gw:
        await refused(gw, "mutation " + aliased(3, close))


def room_fragment_chain(levels: int) -> str:
    """``F<n>`` spreads ``F<n-1>`` three times; ``F0`` lists rooms: 3^levels listings."""
    fragments = ["fragment F0 on Query { rooms { nodes { id } } }"]
    fragments += [
        f"fragment F{n} on Query {{ {f'...F{n - 1} ' * 3}}}" for n in range(1, levels + 1)
    ]
    return f"{{ ...F{levels} }} " + " ".join(fragments)


async def test_a_fragment_bomb_of_listings_is_refused_well_under_a_second() -> None:
    settings = gateway_settings(limits={"max_tokens": 10_000})
    async with gateway(settings) as gw:
        started = time.monotonic()
        message = await refused(gw, room_fragment_chain(20))
        elapsed = time.monotonic() - started
    assert "provider calls" in message
    assert elapsed < 1.0


def introspection_chain(levels: int) -> str:
    fragments = ["fragment T0 on __Type { name }"]
    for n in range(1, levels + 1):
        inner = f"...T{n - 1}"
        fragments.append(
            f"fragment T{n} on __Type {{ ofType {{ {inner} }} "
            f"fields {{ type {{ {inner} }} }} interfaces {{ {inner} }} }}"
        )
    return f"{{ __schema {{ types {{ ...T{levels} }} }} }} " + " ".join(fragments)


async def test_an_introspection_fragment_bomb_is_answered_well_under_a_second() -> None:
    settings = gateway_settings(limits={"max_tokens": 10_000}, introspection=False)
    async with gateway(settings) as gw:
        started = time.monotonic()
        result = await gw.execute(introspection_chain(20))
        elapsed = time.monotonic() - started
    assert "data" not in result
    assert elapsed < 1.0
