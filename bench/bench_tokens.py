"""Credential caching: requests with the cached Vonage JWT vs minting one per request."""

from __future__ import annotations

import asyncio

from bench.common import Result, best_of
from providers import create_store
from providers._tokens import CachedTokenAuth
from providers.vonage import FakeVonage, VonageAdapter
from providers.vonage.auth import TOKEN_LIFETIME, JwtMinter

REQUESTS = 200


async def _requests(minting_every_time: bool) -> float:
    sandbox = FakeVonage()
    adapter = VonageAdapter(sandbox.settings(), store=create_store(), transport=sandbox.transport())
    if minting_every_time:
        # a refresh margin longer than the token's life makes every request mint anew
        minter = JwtMinter(adapter.settings)
        adapter.client.auth = CachedTokenAuth(
            minter, adapter.clock, refresh_margin=TOKEN_LIFETIME + 1
        )
    (room,) = sandbox.seed_rooms(1)

    async def run() -> None:
        for _ in range(REQUESTS):
            await adapter.get_room(room)

    try:
        return await best_of(3, run)
    finally:
        await adapter.aclose()


async def bench() -> list[Result]:
    minting = await _requests(minting_every_time=True)
    cached = await _requests(minting_every_time=False)
    return [
        Result(
            "vonage get_room x200",
            "mint per request",
            minting,
            "cached token",
            cached,
            "lower is better",
        )
    ]


if __name__ == "__main__":
    for result in asyncio.run(bench()):
        print(result.line())
