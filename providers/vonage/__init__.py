"""Vonage Meetings: adapter, settings, sandbox."""

from providers.base import ProviderEntry
from providers.vonage.adapter import VonageAdapter
from providers.vonage.fake import FakeVonage
from providers.vonage.settings import VonageSettings

__all__ = ["ENTRY", "VonageAdapter", "FakeVonage", "VonageSettings"]

ENTRY = ProviderEntry(
    name="vonage", adapter=VonageAdapter, settings=VonageSettings, sandbox=FakeVonage
)
