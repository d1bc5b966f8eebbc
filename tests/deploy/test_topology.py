"""The deployed topology without containers: HAProxy (deploy/haproxy.cfg) balancing HTTP and
WebSocket round robin over two ``gateway serve`` replicas that share Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from typing import Any

import httpx

from tests.deploy.topology import Topology, needs_haproxy, topology
from tests.gateway.events.test_subscriptions import deliver, joined
from tests.gateway.events.wsclient import subscribe
from tests.support import make_token

pytestmark = needs_haproxy

ROOM = "room-deploy"
CREATE = """
mutation($input: CreateRoomInput!) { createRoom(input: $input) { id displayName } }
"""


def auth() -> dict[str, str]:
    """An operator's: the provider's webhooks name a room no tenant created."""
    token = make_token("events:read tenants:all", tenant="operations")
    return {"authorization": f"Bearer {token}"}


async def serving_replica(topo: Topology) -> int:
    """The index of the replica holding the one subscription."""
    async with asyncio.timeout(5):
        while True:
            counts = []
            for replica in topo.replicas:
                async with httpx.AsyncClient(base_url=replica.base) as http:
                    details = (await http.get("/readyz")).json()["details"]
                counts.append(details["events"]["subscribers"])
            if sorted(counts) == [0, 1]:
                return counts.index(1)
            await asyncio.sleep(0.05)


async def publish(topo: Topology, *names: str) -> None:
    """Provider webhooks for ``ROOM``, each on its own connection to the balancer."""
    for name in names:
        await deliver(topo.balancer, joined(ROOM, name))


async def test_subscriber_survives_its_replica_being_killed(redis_prefix: str) -> None:
    variables: dict[str, Any] = {"roomId": f"vonage:{ROOM}"}
    with topology(redis_prefix) as topo:
        async with subscribe(topo.balancer, variables, init=auth()) as sub:
            victim = topo.replicas[await serving_replica(topo)]
            await publish(topo, "before-1", "before-2")
            before = await sub.events(2)
            os.kill(victim.process.pid, signal.SIGKILL)
            victim.process.wait(timeout=10)
            # the balancer ends the client's side of the tunnel
            async with asyncio.timeout(10):
                await sub.ws.wait_closed()
        await publish(topo, "while-1", "while-2", "while-3")
        resume = {**variables, "after": before[-1]["cursor"]}
        async with subscribe(topo.balancer, resume, init=auth()) as sub:
            missed = await sub.events(3)
            await publish(topo, "after-1")
            live = await sub.event()
            assert await sub.quiet()
    events = [*before, *missed, live]
    names = [e["participantName"] for e in events]
    assert names == ["before-1", "before-2", "while-1", "while-2", "while-3", "after-1"]
    assert len({e["id"] for e in events}) == len(events)
    assert victim.process.returncode == -signal.SIGKILL


async def create_room(topo: Topology, key: str) -> dict[str, Any]:
    """``createRoom`` on a fresh connection, so that round robin picks the next replica."""
    room = {"provider": "VONAGE", "displayName": "Standup", "idempotencyKey": key}
    headers = {"authorization": f"Bearer {make_token(tenant='acme')}"}
    async with httpx.AsyncClient(base_url=topo.balancer, headers=headers) as http:
        response = await http.post("/graphql", json={"query": CREATE, "variables": {"input": room}})
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    created: dict[str, Any] = body["data"]["createRoom"]
    return created


def requests_by_replica(topo: Topology) -> dict[str, int]:
    return {name: int(row["stot"]) for name, row in topo.server_stats().items()}


async def test_idempotent_create_on_two_replicas_makes_one_room(redis_prefix: str) -> None:
    key = uuid.uuid4().hex
    with topology(redis_prefix) as topo:
        start = requests_by_replica(topo)
        first = await create_room(topo, key)
        second = await create_room(topo, key)
        end = requests_by_replica(topo)
        other = await create_room(topo, uuid.uuid4().hex)
    assert {name: end[name] - start[name] for name in end} == {"gateway-1": 1, "gateway-2": 1}
    assert second == first
    assert first["id"].startswith("vonage:")
    assert other["id"] != first["id"]
