"""Metered: adapter, settings, sandbox."""

from providers.base import ProviderEntry
from providers.metered.adapter import MeteredAdapter
from providers.metered.fake import FakeMetered
from providers.metered.join_tokens import JoinToken
from providers.metered.settings import MeteredSettings

__all__ = ["ENTRY", "FakeMetered", "JoinToken", "MeteredAdapter", "MeteredSettings"]

ENTRY = ProviderEntry(
    name="metered", adapter=MeteredAdapter, settings=MeteredSettings, sandbox=FakeMetered
)
