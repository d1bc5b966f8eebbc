"""The Redis clients of the event log, the room states and the outbound endpoints."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

__all__ = ["bounded_client"]


def bounded_client(
    url: str,
    *,
    name: str,
    size: int,
    wait_seconds: float = 5.0,
    read_timeout_seconds: float = 5.0,
    decode_responses: bool = False,
) -> Redis:
    """A client on a pool of at most ``size`` connections, named ``name`` in ``CLIENT LIST``,
    where a burst waits ``wait_seconds`` for a connection (redis-py's default pool raises)."""
    pool: BlockingConnectionPool = BlockingConnectionPool.from_url(
        url,
        max_connections=size,
        timeout=wait_seconds,
        socket_connect_timeout=3.0,
        socket_timeout=read_timeout_seconds,
        client_name=name,
        decode_responses=decode_responses,
    )
    return Redis.from_pool(pool)
