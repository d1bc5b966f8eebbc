"""Test helpers: a manual clock, PNG images, fixture files."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

from providers import create_store
from providers.base import HttpTimeouts
from providers.vonage import FakeVonage, VonageAdapter
from tests.support import ManualClock

START = 1_790_000_000.0
FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "sandbox-webhook-token"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def build(fake: FakeVonage, clock: ManualClock, **settings: Any) -> VonageAdapter:
    """An adapter on the sandbox with short retry budgets, settings overridden as given."""
    values = {"timeouts": HttpTimeouts(total=5.0, retries=2), **settings}
    return VonageAdapter(
        fake.settings().model_copy(update=values),
        store=create_store(),
        transport=fake.transport(),
        clock=clock,
    )


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def png(width: int, height: int, *, alpha: bool = True) -> bytes:
    """A blank PNG; with ``alpha`` it has a (transparent) alpha channel."""
    channels, color_type = (4, 6) if alpha else (3, 2)
    row = b"\x00" + b"\x00" * (width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * height))
        + _chunk(b"IEND", b"")
    )
