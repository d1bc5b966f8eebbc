"""``rooms`` and ``room`` end to end over HTTP against the provider sandboxes."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import ManualClock, gateway_settings

PROVIDERS = ("vonage", "metered", "videosdk")

ROOMS = """
query($provider: Provider, $first: Int!, $after: String) {
  rooms(provider: $provider, first: $first, after: $after) {
    edges { cursor node { id provider nativeId createdAt } }
    nodes { id }
    pageInfo { hasNextPage endCursor }
    failures { provider code message retryable }
  }
}
"""

ROOM = """
query($id: ID!) {
  room(id: $id) {
    id provider nativeId displayName kind createdAt expiresAt available hostUrl guestUrl
    meetingCode metadata recording { autoRecord recordOnlyOwner } themeId theme { id } raw
  }
}
"""


def seed(gw: Gateway, counts: dict[str, int]) -> set[str]:
    ids: set[str] = set()
    for name, count in counts.items():
        ids.update(f"{name}:{native}" for native in gw.sandbox(name).seed_rooms(count))
    return ids


async def rooms(gw: Gateway, **variables: Any) -> dict[str, Any]:
    variables.setdefault("first", 20)
    data = await gw.data(ROOMS, variables)
    connection: dict[str, Any] = data["rooms"]
    return connection


async def walk(gw: Gateway, sizes: list[int], provider: str | None = None) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        first = sizes[len(pages) % len(sizes)]
        page = await rooms(gw, first=first, after=after, provider=provider)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]


async def test_rooms_of_every_provider_in_one_connection() -> None:
    async with gateway() as gw:
        seeded = seed(gw, {"vonage": 3, "metered": 2, "videosdk": 4})
        page = await rooms(gw, first=100)
    assert {edge["node"]["id"] for edge in page["edges"]} == seeded
    assert [node["id"] for node in page["nodes"]] == [e["node"]["id"] for e in page["edges"]]
    assert page["pageInfo"] == {"hasNextPage": False, "endCursor": page["edges"][-1]["cursor"]}
    assert page["failures"] == []
    for edge in page["edges"]:
        node = edge["node"]
        provider, native = node["id"].split(":", 1)
        assert (node["provider"], node["nativeId"]) == (provider.upper(), native)
        assert node["createdAt"].endswith("Z")


async def test_rooms_of_one_provider() -> None:
    async with gateway() as gw:
        seed(gw, {"vonage": 2, "metered": 3})
        page = await rooms(gw, provider="METERED")
    assert {node["id"].split(":")[0] for node in page["nodes"]} == {"metered"}
    assert len(page["nodes"]) == 3


async def test_a_first_page_reads_one_page_of_each_provider() -> None:
    async with gateway() as gw:
        seed(gw, dict.fromkeys(PROVIDERS, 6))
        page = await rooms(gw, first=5)
        counts = {name: len(requests_to(gw.sandbox(name), "GET", "/rooms")) for name in PROVIDERS}
    assert len(page["nodes"]) == 5
    assert page["pageInfo"]["hasNextPage"] is True
    assert counts == dict.fromkeys(PROVIDERS, 1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    counts=st.fixed_dictionaries({name: st.integers(0, 12) for name in PROVIDERS}),
    sizes=st.lists(st.integers(1, 8), min_size=1, max_size=3),
)
def test_walking_every_page_returns_every_room_once(
    counts: dict[str, int], sizes: list[int]
) -> None:
    async def scenario() -> None:
        async with gateway() as gw:
            seeded = seed(gw, counts)
            pages = await walk(gw, sizes)
        seen = [node["id"] for page in pages for node in page["nodes"]]
        assert sorted(seen) == sorted(seeded)
        for number, page in enumerate(pages[:-1]):
            assert len(page["nodes"]) == sizes[number % len(sizes)]
            assert page["failures"] == []

    asyncio.run(scenario())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seeds=st.lists(st.tuples(st.sampled_from(PROVIDERS), st.integers(0, 2)), max_size=24),
    sizes=st.lists(st.integers(1, 8), min_size=1, max_size=3),
)
def test_the_merged_walk_is_newest_first_and_exactly_once(
    seeds: list[tuple[str, int]], sizes: list[int]
) -> None:
    """Rooms created at interleaved times across the three sandboxes (a gap of 0 seconds:
    the same instant) come back newest first by createdAt over the whole walk."""

    async def scenario() -> None:
        async with gateway() as gw:
            clock = ManualClock(time.time())
            for name in PROVIDERS:
                gw.sandbox(name).clock = clock
            seeded: list[str] = []
            for name, gap in seeds:
                clock.advance(gap)
                seeded += [f"{name}:{native}" for native in gw.sandbox(name).seed_rooms(1)]
            pages = await walk(gw, sizes)
        edges = [edge["node"] for page in pages for edge in page["edges"]]
        assert sorted(node["id"] for node in edges) == sorted(seeded)
        created = [datetime.fromisoformat(node["createdAt"]) for node in edges]
        assert created == sorted(created, reverse=True)

    asyncio.run(scenario())


async def test_walking_one_provider_with_a_scoped_cursor() -> None:
    async with gateway() as gw:
        seeded = seed(gw, {"vonage": 7, "metered": 2})
        pages = await walk(gw, [3], provider="VONAGE")
    seen = [node["id"] for page in pages for node in page["nodes"]]
    assert sorted(seen) == sorted(i for i in seeded if i.startswith("vonage:"))


async def test_first_must_be_between_1_and_100() -> None:
    async with gateway() as gw:
        for first in (0, 101, -3):
            error = await gw.error(ROOMS, {"first": first})
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}


async def test_a_malformed_or_foreign_cursor_names_after() -> None:
    async with gateway() as gw:
        seed(gw, {"vonage": 3})
        error = await gw.error(ROOMS, {"first": 1, "after": "bm90IGEgY3Vyc29y"})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
        scoped = await rooms(gw, first=1, provider="VONAGE")
        cursor = scoped["pageInfo"]["endCursor"]
        error = await gw.error(ROOMS, {"first": 1, "after": cursor})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_an_unconfigured_provider_is_unsupported() -> None:
    async with gateway(gateway_settings(sandbox=False)) as gw:
        error = await gw.error(ROOMS, {"first": 5, "provider": "METERED"})
        everyone = await rooms(gw)
    assert error["extensions"]["code"] == "UNSUPPORTED"
    assert error["extensions"]["provider"] == "metered"
    assert "not configured" in error["message"]
    assert everyone == {
        "edges": [],
        "nodes": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "failures": [],
    }


async def test_failing_and_slow_providers_are_reported_beside_the_others_rooms() -> None:
    budget = 0.5
    settings_ = gateway_settings(limits={"fanout_budget_seconds": budget})
    async with gateway(settings_) as gw:
        seeded = seed(gw, {"metered": 4, "vonage": 2, "videosdk": 2})
        gw.sandbox("vonage").inject(status=500, times=1000)
        gw.sandbox("videosdk").latency = 30.0
        started = time.monotonic()
        result = await gw.execute(ROOMS, {"first": 20})
        elapsed = time.monotonic() - started
        gw.sandbox("videosdk").latency = 0.0
    assert "errors" not in result
    page = result["data"]["rooms"]
    assert elapsed < budget + 1.0
    assert {node["id"] for node in page["nodes"]} == {i for i in seeded if i.startswith("metered")}
    failures = {failure["provider"]: failure for failure in page["failures"]}
    assert set(failures) == {"VONAGE", "VIDEOSDK"}
    assert failures["VONAGE"]["code"] == "PROVIDER_UNAVAILABLE"
    assert failures["VIDEOSDK"]["code"] == "PROVIDER_TIMEOUT"
    assert all(failure["retryable"] for failure in failures.values())
    assert "vonage" in failures["VONAGE"]["message"]


async def test_a_failed_provider_is_read_again_from_the_end_cursor() -> None:
    async with gateway() as gw:
        seeded = seed(gw, {"metered": 3, "vonage": 2})
        gw.sandbox("vonage").inject(status=500, times=1)
        first = await rooms(gw, first=10)
        assert [f["provider"] for f in first["failures"]] == ["VONAGE"]
        again = await rooms(gw, first=10, after=first["pageInfo"]["endCursor"])
    seen = [node["id"] for node in first["nodes"] + again["nodes"]]
    assert sorted(seen) == sorted(seeded)
    assert again["failures"] == []


async def test_room_by_id() -> None:
    async with gateway() as gw:
        (native,) = gw.sandbox("vonage").seed_rooms(1)
        data = await gw.data(ROOM, {"id": f"vonage:{native}"})
    room = data["room"]
    assert room["id"] == f"vonage:{native}"
    assert room["provider"] == "VONAGE"
    assert room["nativeId"] == native
    assert room["recording"] == {"autoRecord": False, "recordOnlyOwner": False}
    assert room["raw"]["id"] == native


async def test_an_unknown_room_is_null() -> None:
    async with gateway() as gw:
        data = await gw.data(ROOM, {"id": "metered:nosuchroom"})
    assert data == {"room": None}


async def test_a_malformed_room_id_is_bad_input() -> None:
    async with gateway() as gw:
        for value in ("no-colon", "zoom:123", ":abc", "vonage:"):
            error = await gw.error(ROOM, {"id": value})
            assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}, value
