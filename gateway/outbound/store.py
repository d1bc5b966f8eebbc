"""Where webhook endpoints, their delivery status and their delivery leases live:
process memory (one replica) or Redis (shared by every replica).

A lease says which replica delivers to an endpoint; it expires unless renewed, so the
death of that replica hands the endpoint to another one after at most the lease time.
"""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.events.model import BusUnavailable
from gateway.outbound.model import DeliveryStatus, Endpoint, Owner
from gateway.redis_pool import bounded_client
from gateway.settings import Settings

__all__ = ["EndpointStore", "MemoryEndpointStore", "RedisEndpointStore", "create_endpoint_store"]

_UNAVAILABLE = "the webhook endpoint store (Redis) is unavailable"

# KEYS: endpoints hash, owner set, status hash; ARGV: id, json, limit, status fields...
_ADD = """
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[3])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1
"""
# KEYS: endpoints hash, owner set, status hash; ARGV: id
_DELETE = """
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
"""
# KEYS: endpoints hash, owner set; ARGV: id, json
_REPLACE = """
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""
# KEYS: endpoints hash, status hash; ARGV: id, status fields...
_SAVE_STATUS = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
"""
# KEYS: lease; ARGV: owner, ttl ms
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class EndpointStore(Protocol):
    """Endpoints by id and by owner, each with its delivery status and lease."""

    async def add(self, endpoint: Endpoint, status: DeliveryStatus, limit: int) -> bool:
        """Store a new endpoint; ``False`` when its owner already has ``limit``."""
        ...

    async def get(self, endpoint_id: str) -> Endpoint | None: ...

    async def of_owner(self, owner: Owner) -> list[Endpoint]: ...

    async def every(self) -> list[Endpoint]: ...

    async def delete(self, endpoint: Endpoint) -> bool: ...

    async def replace(self, endpoint: Endpoint) -> bool:
        """Store ``endpoint`` (a new secret) if it still exists."""
        ...

    async def status(self, endpoint_id: str) -> DeliveryStatus: ...

    async def save_status(self, endpoint_id: str, status: DeliveryStatus) -> bool:
        """Record ``status`` if the endpoint still exists."""
        ...

    async def acquire(self, endpoint_id: str, owner: str, seconds: float) -> bool:
        """Take the delivery lease if nobody holds it."""
        ...

    async def renew(self, endpoint_id: str, owner: str, seconds: float) -> bool:
        """Extend the lease ``owner`` holds; ``False`` when it was lost."""
        ...

    async def release(self, endpoint_id: str, owner: str) -> None: ...

    async def lease_owner(self, endpoint_id: str) -> str | None: ...

    async def aclose(self) -> None: ...


class MemoryEndpointStore:
    """One process: leases only matter between the workers of this process."""

    def __init__(self) -> None:
        self._endpoints: dict[str, Endpoint] = {}
        self._status: dict[str, DeliveryStatus] = {}
        self._leases: dict[str, tuple[str, float]] = {}

    async def add(self, endpoint: Endpoint, status: DeliveryStatus, limit: int) -> bool:
        if len(await self.of_owner(endpoint.owner)) >= limit:
            return False
        self._endpoints[endpoint.id] = endpoint
        self._status[endpoint.id] = status
        return True

    async def get(self, endpoint_id: str) -> Endpoint | None:
        return self._endpoints.get(endpoint_id)

    async def of_owner(self, owner: Owner) -> list[Endpoint]:
        return [e for e in self._endpoints.values() if e.owner == owner]

    async def every(self) -> list[Endpoint]:
        return list(self._endpoints.values())

    async def delete(self, endpoint: Endpoint) -> bool:
        self._status.pop(endpoint.id, None)
        return self._endpoints.pop(endpoint.id, None) is not None

    async def replace(self, endpoint: Endpoint) -> bool:
        if endpoint.id not in self._endpoints:
            return False
        self._endpoints[endpoint.id] = endpoint
        return True

    async def status(self, endpoint_id: str) -> DeliveryStatus:
        return self._status.get(endpoint_id, DeliveryStatus())

    async def save_status(self, endpoint_id: str, status: DeliveryStatus) -> bool:
        if endpoint_id not in self._endpoints:
            return False
        self._status[endpoint_id] = status
        return True

    async def acquire(self, endpoint_id: str, owner: str, seconds: float) -> bool:
        if await self.lease_owner(endpoint_id) is not None:
            return False
        self._leases[endpoint_id] = (owner, time.monotonic() + seconds)
        return True

    async def renew(self, endpoint_id: str, owner: str, seconds: float) -> bool:
        if await self.lease_owner(endpoint_id) != owner:
            return False
        self._leases[endpoint_id] = (owner, time.monotonic() + seconds)
        return True

    async def release(self, endpoint_id: str, owner: str) -> None:
        if await self.lease_owner(endpoint_id) == owner:
            del self._leases[endpoint_id]

    async def lease_owner(self, endpoint_id: str) -> str | None:
        owner, until = self._leases.get(endpoint_id, ("", 0.0))
        return owner if until > time.monotonic() else None

    async def aclose(self) -> None:
        self._endpoints.clear()


class RedisEndpointStore:
    """Keys under ``prefix``: ``endpoints`` (hash), ``owner:<Owner.key>`` (set), ``status:<id>``
    (hash), ``lease:<id>`` (string, expiring)."""

    def __init__(self, url: str, prefix: str, pool_size: int) -> None:
        self._client: Redis = bounded_client(
            url, name=f"gateway-outbound:{prefix}", size=pool_size, decode_responses=True
        )
        self._prefix = prefix
        self._endpoints = f"{prefix}:endpoints"
        self._add = self._client.register_script(_ADD)
        self._delete = self._client.register_script(_DELETE)
        self._replace = self._client.register_script(_REPLACE)
        self._save_status = self._client.register_script(_SAVE_STATUS)
        self._renew = self._client.register_script(_RENEW)
        self._release = self._client.register_script(_RELEASE)

    def _owner(self, owner: Owner) -> str:
        return f"{self._prefix}:owner:{owner.key}"

    def _status(self, endpoint_id: str) -> str:
        return f"{self._prefix}:status:{endpoint_id}"

    def _lease(self, endpoint_id: str) -> str:
        return f"{self._prefix}:lease:{endpoint_id}"

    async def add(self, endpoint: Endpoint, status: DeliveryStatus, limit: int) -> bool:
        keys = [self._endpoints, self._owner(endpoint.owner), self._status(endpoint.id)]
        args = [endpoint.id, endpoint.to_json(), str(limit), *_flat(status)]
        try:
            return bool(await self._add(keys=keys, args=args))
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc

    async def get(self, endpoint_id: str) -> Endpoint | None:
        try:
            text = await self._client.hget(self._endpoints, endpoint_id)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc
        return None if text is None else Endpoint.from_json(text)

    async def of_owner(self, owner: Owner) -> list[Endpoint]:
        try:
            ids = sorted(await self._client.smembers(self._owner(owner)))
            texts = await self._client.hmget(self._endpoints, ids) if ids else []
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc
        return [Endpoint.from_json(text) for text in texts if text is not None]

    async def every(self) -> list[Endpoint]:
        try:
            texts = await self._client.hvals(self._endpoints)
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc
        return [Endpoint.from_json(text) for text in texts]

    async def delete(self, endpoint: Endpoint) -> bool:
        keys = [self._endpoints, self._owner(endpoint.owner), self._status(endpoint.id)]
        return await self._run(self._delete, keys, [endpoint.id])

    async def replace(self, endpoint: Endpoint) -> bool:
        keys = [self._endpoints, self._owner(endpoint.owner)]
        return await self._run(self._replace, keys, [endpoint.id, endpoint.to_json()])

    async def status(self, endpoint_id: str) -> DeliveryStatus:
        try:
            fields = await self._client.hgetall(self._status(endpoint_id))
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc
        return DeliveryStatus.from_fields({_text(k): _text(v) for k, v in fields.items()})

    async def save_status(self, endpoint_id: str, status: DeliveryStatus) -> bool:
        keys = [self._endpoints, self._status(endpoint_id)]
        return await self._run(self._save_status, keys, [endpoint_id, *_flat(status)])

    async def acquire(self, endpoint_id: str, owner: str, seconds: float) -> bool:
        try:
            done = await self._client.set(
                self._lease(endpoint_id), owner, nx=True, px=int(seconds * 1000)
            )
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc
        return bool(done)

    async def renew(self, endpoint_id: str, owner: str, seconds: float) -> bool:
        args = [owner, str(int(seconds * 1000))]
        return await self._run(self._renew, [self._lease(endpoint_id)], args)

    async def release(self, endpoint_id: str, owner: str) -> None:
        await self._run(self._release, [self._lease(endpoint_id)], [owner])

    async def lease_owner(self, endpoint_id: str) -> str | None:
        try:
            owner = await self._client.get(self._lease(endpoint_id))
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc
        return None if owner is None else _text(owner)

    async def _run(self, script: object, keys: list[str], args: list[str]) -> bool:
        try:
            return bool(await script(keys=keys, args=args))  # type: ignore[operator]
        except (RedisError, OSError) as exc:
            raise BusUnavailable(_UNAVAILABLE) from exc

    async def aclose(self) -> None:
        await self._client.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _flat(status: DeliveryStatus) -> list[str]:
    return [item for pair in status.to_fields().items() for item in pair]


def create_endpoint_store(settings: Settings) -> EndpointStore:
    """Redis when ``redis_url`` is set (keys beside the event log's: cursors are positions
    in that log), else process memory."""
    if settings.redis_url:
        prefix = "{" + settings.events.redis_prefix + "}:outbound"
        return RedisEndpointStore(settings.redis_url, prefix, settings.outbound.redis_pool_size)
    return MemoryEndpointStore()
