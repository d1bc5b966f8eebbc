"""The Redis-backed store honours the whole URL and never waits without bound."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from redis import Redis

from providers import create_store

REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def redis_user() -> Iterator[tuple[str, str]]:
    """A throw-away ACL user on the real Redis, with a password that needs URL quoting."""
    name, password = f"store-{uuid.uuid4().hex[:8]}", "p@ss:w/rd"
    admin = Redis(*REDIS)
    admin.acl_setuser(name, enabled=True, passwords=[f"+{password}"], keys="*", commands=["+@all"])
    try:
        yield name, password
    finally:
        admin.acl_deluser(name)
        admin.close()


async def test_user_and_password_from_the_url(redis_user: tuple[str, str]) -> None:
    name, password = redis_user
    url = f"redis://{name}:{quote(password, safe='')}@127.0.0.1:6379/0"
    assert "%40" in url
    store = create_store(url, namespace=name)
    try:
        await store.set("k", "v", ttl=5)
        assert await store.get("k") == "v"
    finally:
        await store.close()


async def test_a_wrong_password_is_refused(redis_user: tuple[str, str]) -> None:
    name, _ = redis_user
    store = create_store(f"redis://{name}:wrong@127.0.0.1:6379/0", namespace=name)
    try:
        with pytest.raises(Exception, match=r"(?i)auth|password|WRONGPASS"):
            await store.get("k")
    finally:
        await store.close()


async def test_rediss_speaks_tls() -> None:
    # the local Redis speaks plain TCP: a TLS client must fail its handshake, not talk in clear
    store = create_store("rediss://127.0.0.1:6379/0", timeout=2)
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - redis-py wraps the TLS error variously
            await store.get("k")
    finally:
        await store.close()


async def test_a_silent_server_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        store = create_store(f"redis://127.0.0.1:{port}/0", timeout=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(Exception):  # noqa: B017, PT011 - a redis timeout error
                await store.get("k")
        finally:
            await store.close()
    assert time.monotonic() - started < 5


async def test_get_many_reads_redis_in_order_with_none_for_missing_keys() -> None:
    store = create_store("redis://127.0.0.1:6379/0", namespace=f"test-many-{uuid.uuid4().hex}")
    try:
        await store.set("a", "1", ttl=5)
        await store.set("b", "2", ttl=5)
        assert await store.get_many(["b", "missing", "a"]) == ["2", None, "1"]
        assert await store.get_many([]) == []
    finally:
        await store.delete("a")
        await store.delete("b")
        await store.close()
