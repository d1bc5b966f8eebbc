"""``roomState`` subscribers of one room share one state and one execution per event.

Real WebSocket clients on a live server, on the in-process bus and on Redis; events enter
through the sandboxes' webhook deliveries. The executions are counted by the server itself
(``/readyz``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from graphql import build_schema, parse
from graphql.execution import Executor

from gateway.events import StoredEvent
from gateway.graphql.errors import GatewayError
from gateway.graphql.transport.groups import Feed, SubscriptionGroups
from gateway.settings import EventSettings, Settings
from providers import EventType
from tests.gateway.events.conftest import REDIS_URL, redis_prefix
from tests.gateway.events.events import NOW, make_event
from tests.gateway.events.wsclient import Subscription, subscribe
from tests.gateway.graphql.test_room_state import (
    ROOM_STATE_UPDATES,
    create_room,
    emit,
    joined,
    roster,
    updates,
)
from tests.gateway.test_cli import running
from tests.gateway.test_shutdown import MARGIN_SECONDS, shutting_down, terminated
from tests.support import gateway_settings, jwt_settings, live_server, make_token

__all__ = ["redis_prefix"]


@pytest.fixture(params=["memory", "redis"])
def settings(request: pytest.FixtureRequest) -> Iterator[Settings]:
    """A gateway on the in-process bus, or on Redis (with a prefix of its own)."""
    if request.param == "memory":
        yield gateway_settings()
    else:
        prefix = request.getfixturevalue("redis_prefix")
        yield gateway_settings(redis_url=REDIS_URL, events={"redis_prefix": prefix})


async def stats(base: str) -> dict[str, int]:
    async with httpx.AsyncClient(base_url=base) as client:
        details = (await client.get("/readyz")).json()["details"]
    subscriptions: dict[str, int] = details["subscriptions"]
    return subscriptions


async def until_stats(base: str, **expected: int) -> dict[str, int]:
    """``/readyz``'s subscription counters once they hold ``expected``."""
    deadline = time.monotonic() + 10
    while True:
        now = await stats(base)
        if all(now[name] == value for name, value in expected.items()):
            return now
        assert time.monotonic() < deadline, now
        await asyncio.sleep(0.02)


async def subscribers(
    stack: AsyncExitStack, base: str, room_id: str, count: int, **init: str
) -> list[Subscription]:
    return [
        await stack.enter_async_context(
            subscribe(
                base, {"roomId": room_id}, query=ROOM_STATE_UPDATES, field="roomState", init=init
            )
        )
        for _ in range(count)
    ]


async def test_subscribers_of_one_room_get_the_same_updates_from_one_execution_each(
    settings: Settings,
) -> None:
    with live_server(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http, AsyncExitStack() as stack:
            room_id, native = await create_room(http, "vonage")
            await emit(http, "vonage", native, EventType.SESSION_STARTED)
            subs = await subscribers(stack, base, room_id, 3)
            before = await until_stats(base, stateGroups=1, stateSubscribers=3)
            await emit(http, "vonage", native, EventType.PARTICIPANT_JOINED, **joined("Ann"))
            await emit(http, "vonage", native, EventType.PARTICIPANT_JOINED, **joined("Bob"))
            received = [await updates(sub, 3) for sub in subs]
            after = await stats(base)
        left = await until_stats(base, stateGroups=0, stateSubscribers=0)
    assert received[0] == received[1] == received[2]
    assert [roster(update) for update in received[0]] == [[], ["ann"], ["ann", "bob"]]
    assert before["stateExecutions"] == 1  # the snapshot, once for the three
    assert after["stateExecutions"] == 3  # and one per event, not one per subscriber
    assert after["framesSent"] - before["framesSent"] == 6
    assert left["stateExecutions"] == 3


async def test_callers_with_other_scopes_or_tenants_are_not_grouped_together() -> None:
    narrow = f"Bearer {make_token('sessions:read events:read')}"
    wide = f"Bearer {make_token('sessions:read events:read rooms:read')}"
    other = f"Bearer {make_token('sessions:read events:read', tenant='acme')}"
    admin = f"Bearer {make_token('sessions:read events:read rooms:write', tenant='acme')}"
    with live_server(jwt_settings()) as base:
        async with httpx.AsyncClient(base_url=base) as http, AsyncExitStack() as stack:
            create = {"query": CREATE_ROOM_VONAGE}
            answer = await http.post("/graphql", json=create, headers={"authorization": admin})
            room_id = answer.json()["data"]["createRoom"]["id"]
            subs = [
                *await subscribers(stack, base, room_id, 2, authorization=narrow),
                *await subscribers(stack, base, room_id, 1, authorization=wide),
                *await subscribers(stack, base, room_id, 1, authorization=other),
            ]
            grouped = await until_stats(base, stateSubscribers=4)
            messages = [await updates(sub, 1) for sub in subs]
    assert grouped["stateGroups"] == 3
    assert grouped["stateExecutions"] == 3
    assert messages[0] == messages[1] == messages[2]


CREATE_ROOM_VONAGE = (
    'mutation { createRoom(input: {provider: VONAGE, displayName: "Standup"}) { id } }'
)


async def test_a_subscriber_joining_a_running_group_misses_nothing_and_repeats_nothing(
    settings: Settings,
) -> None:
    """Joins keep arriving while a second subscriber joins the first one's group: its snapshot
    plus its updates hold every participant once, and each of its updates is the first
    subscriber's update of the same event."""
    names = [f"P{n}" for n in range(30)]
    with live_server(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http, AsyncExitStack() as stack:
            room_id, native = await create_room(http, "videosdk")
            (first,) = await subscribers(stack, base, room_id, 1)
            (start,) = await updates(first, 1)

            first_ten = asyncio.Event()

            async def join_all() -> None:
                for n, name in enumerate(names):
                    await emit(
                        http, "videosdk", native, EventType.PARTICIPANT_JOINED, **joined(name)
                    )
                    if n == 9:
                        first_ten.set()

            joining = asyncio.create_task(join_all())
            await first_ten.wait()
            (late,) = await subscribers(stack, base, room_id, 1)
            (snapshot,) = await updates(late, 1)
            await joining
            later = await updates(late, len(names) - len(roster(snapshot)))
            assert await late.quiet()
            everything = await updates(first, len(names))
            shared = await stats(base)
    assert roster(start) == []
    assert len(roster(snapshot)) >= 10  # it joined while the others were joining
    arrived = [update["event"]["participantId"] for update in later]
    assert sorted(roster(snapshot) + arrived) == sorted(name.lower() for name in names)
    assert later == everything[len(roster(snapshot)) :]
    assert shared["stateGroups"] == 1


def _counting_feed(events: asyncio.Queue[StoredEvent | None]) -> Feed[int]:
    """A feed whose state counts the events after ``start``, read from ``events``."""

    async def start() -> tuple[int, str]:
        return 0, "c0"

    async def follow(after: str) -> AsyncGenerator[StoredEvent, None]:
        assert after == "c0"
        while (stored := await events.get()) is not None:
            yield stored

    return Feed(
        start=start,
        follow=follow,
        apply=lambda state, stored: state + 1,
        snapshot=lambda state: {"n": state},
        update=lambda state, stored: {"n": state},
        refresh=lambda state: state,
    )


def _stored(n: int) -> StoredEvent:
    return StoredEvent(make_event(f"p{n}"), NOW, (n,), f"c{n}")


async def test_a_member_that_falls_behind_is_ended_with_where_to_resume() -> None:
    """Its queue holds two updates; the member that reads keeps getting every update."""
    executor = Executor.build(
        build_schema("type Query { a: Int } type Subscription { n: Int }"),
        parse("subscription { n }"),
    )
    assert isinstance(executor, Executor)
    limits = EventSettings(subscriber_queue_size=2)
    events: asyncio.Queue[StoredEvent | None] = asyncio.Queue()
    groups = SubscriptionGroups()
    feed = _counting_feed(events)
    async with (
        groups.member("key", feed, executor, limits) as reader,
        groups.member("key", feed, executor, limits) as sleeper,
    ):
        read = [(await anext(reader)).text]
        for n in range(1, 5):
            await events.put(_stored(n))
            read.append((await anext(reader)).text)
        first = await anext(sleeper)
        with pytest.raises(GatewayError) as ended:
            await anext(sleeper)
        grouped = groups.stats()
    assert read == [f'{{"data":{{"n":{n}}}}}' for n in range(5)]
    assert first.text == '{"data":{"n":0}}'
    assert ended.value.extensions == {"code": "SUBSCRIBER_TOO_SLOW", "resumeAfter": "c0"}
    assert grouped == {
        "stateGroups": 1,
        "stateSubscribers": 1,
        "stateExecutions": 5,
        "stateSubscribersTooSlow": 1,
    }
    assert groups.stats()["stateGroups"] == 0


async def test_a_member_whose_first_message_fails_leaves_the_group() -> None:
    executor = Executor.build(
        build_schema("type Query { a: Int } type Subscription { n: Int }"),
        parse("subscription { n }"),
    )
    assert isinstance(executor, Executor)
    limits = EventSettings()
    events: asyncio.Queue[StoredEvent | None] = asyncio.Queue()
    groups = SubscriptionGroups()
    counting = _counting_feed(events)

    def snapshot(state: int) -> dict[str, int]:
        if state > 0:
            raise RuntimeError("the state cannot be shown")
        return {"n": state}

    feed = dataclasses.replace(counting, snapshot=snapshot)
    async with groups.member("key", feed, executor, limits) as first:
        assert (await anext(first)).text == '{"data":{"n":0}}'
        await events.put(_stored(1))
        assert (await anext(first)).text == '{"data":{"n":1}}'
        with pytest.raises(RuntimeError):
            async with groups.member("key", feed, executor, limits) as failing:
                await anext(failing)
        assert groups.stats()["stateSubscribers"] == 1


async def _sse_messages(lines: AsyncIterator[str], count: int) -> list[dict[str, Any]]:
    """The data of the next ``count`` ``next`` events of a graphql-sse stream."""
    messages: list[dict[str, Any]] = []
    event = ""
    async with asyncio.timeout(10):
        async for line in lines:
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "next":
                messages.append(json.loads(line.removeprefix("data:"))["data"]["roomState"])
                if len(messages) == count:
                    return messages
    raise AssertionError(f"the stream ended after {messages}")


async def test_an_sse_subscriber_gets_what_the_websocket_group_gets(settings: Settings) -> None:
    """SSE subscriptions build and execute their updates alone, with the same result."""
    with live_server(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http, AsyncExitStack() as stack:
            room_id, native = await create_room(http, "vonage")
            (socket,) = await subscribers(stack, base, room_id, 1)
            body = {"query": ROOM_STATE_UPDATES, "variables": {"roomId": room_id}}
            headers = {"accept": "text/event-stream"}
            async with http.stream("POST", "/graphql", json=body, headers=headers) as sse:
                lines = sse.aiter_lines()
                first = await _sse_messages(lines, 1)
                await until_stats(base, stateSubscribers=1)
                await emit(http, "vonage", native, EventType.PARTICIPANT_JOINED, **joined("Ann"))
                streamed = first + await _sse_messages(lines, 1)
                grouped = await stats(base)
            shared = await updates(socket, 2)
    assert streamed == shared
    assert roster(streamed[1]) == ["ann"]
    assert grouped["stateGroups"] == 1


async def test_every_member_ends_with_shutting_down_when_the_process_stops() -> None:
    with running("dev") as (base, process):
        async with httpx.AsyncClient(base_url=base) as http, AsyncExitStack() as stack:
            room_id, native = await create_room(http, "vonage")
            await emit(http, "vonage", native, EventType.PARTICIPANT_JOINED, **joined("Ann"))
            subs = await subscribers(stack, base, room_id, 2)
            for sub in subs:
                await updates(sub, 1)
            await until_stats(base, stateGroups=1, stateSubscribers=2)
            status, _ = await terminated(process, MARGIN_SECONDS)
            ended = [await sub.message() for sub in subs]
    assert status == 0
    resume = [shutting_down(message["payload"]) for message in ended]
    assert resume[0] == resume[1]
