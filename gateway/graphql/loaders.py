"""DataLoaders kept in ``info.context.loaders`` (one context per request or WebSocket connection).

``themes`` batches ``Room.theme``: a page of rooms that share three themes asks for
three themes, each through the read-through cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from gateway.cache import ResourceCache
from gateway.graphql.context import Info
from gateway.graphql.targets import adapter_for, parse_id
from gateway.services import Services
from providers import Capability, ResourceNotFound, Theme

__all__ = ["ThemeLoader", "resource_cache", "theme_loader"]

ThemeLoader = DataLoader[str, Theme | None]


def resource_cache(services: Services) -> ResourceCache:
    """The read-through cache of single rooms and themes in the shared store."""
    return ResourceCache(services.store, services.settings.cache_ttl_seconds)


async def _theme(services: Services, theme_id: str) -> Theme | None:
    provider, native_id = parse_id(theme_id, "themeId")
    adapter = adapter_for(services, provider, Capability.THEMES)
    try:
        return await resource_cache(services).theme(
            provider, native_id, lambda: adapter.get_theme(native_id)
        )
    except ResourceNotFound:
        return None


async def _themes(services: Services, keys: list[str]) -> list[Theme | BaseException | None]:
    """One look-up per distinct key of the batch."""
    distinct = list(dict.fromkeys(keys))
    found = await asyncio.gather(
        *(_theme(services, key) for key in distinct), return_exceptions=True
    )
    by_key = dict(zip(distinct, found, strict=True))
    return [by_key[key] for key in keys]


def theme_loader(info: Info) -> ThemeLoader:
    """This context's theme loader, keyed by gateway theme id; ``None`` for a missing theme.

    It batches without remembering: a WebSocket connection keeps one context for all its
    operations, and a loader's memory would serve a theme renamed since.
    """
    loaders = info.context.loaders
    loader: ThemeLoader | None = loaders.get("themes")
    if loader is None:
        services = info.context.services

        async def load(keys: list[str]) -> Sequence[Theme | BaseException | None]:
            return await _themes(services, keys)

        loader = loaders["themes"] = ThemeLoader(load_fn=load, cache=False)
    return loader
