"""Which adapter serves which provider: one line per provider.

Each line names a package under ``providers/`` whose ``ENTRY`` is its ``ProviderEntry``.
"""

from __future__ import annotations

from importlib import import_module

from providers.base import ProviderEntry

__all__ = ["PROVIDER_PACKAGES", "REGISTRY"]

PROVIDER_PACKAGES = (
    "vonage",
    "metered",
    "videosdk",
)


def _entry_of(package: str) -> ProviderEntry:
    found = import_module(f"providers.{package}").ENTRY
    if not isinstance(found, ProviderEntry) or found.name != package:
        raise TypeError(f"providers.{package}.ENTRY must be the ProviderEntry named {package!r}")
    return found


REGISTRY: dict[str, ProviderEntry] = {name: _entry_of(name) for name in PROVIDER_PACKAGES}
