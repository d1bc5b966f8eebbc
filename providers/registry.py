"""Which adapter serves which provider: one line per provider."""

from __future__ import annotations

from providers import metered, videosdk, vonage
from providers.base import ProviderEntry

__all__ = ["REGISTRY", "entry"]

REGISTRY: dict[str, ProviderEntry] = {
    e.name: e
    for e in (
        vonage.ENTRY,
        metered.ENTRY,
        videosdk.ENTRY,
    )
}


def entry(name: str) -> ProviderEntry:
    """The registry row for ``name`` (lower case); ``KeyError`` when unknown."""
    return REGISTRY[name]
