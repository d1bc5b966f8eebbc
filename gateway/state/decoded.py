"""The decoded form of the records a replica last read or wrote, so an unchanged record is not
decoded again: a history re-read after this replica wrote it, a large room read again and
again while it does not change."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["DECODED_RECORDS_MAX", "DecodedRecords"]

S = TypeVar("S")
T = TypeVar("T")

#: records remembered per kind (least recently used dropped); values are immutable
DECODED_RECORDS_MAX = 256


class DecodedRecords(Generic[S, T]):
    """``decode(stored)``, remembered per key while the stored form stays equal."""

    def __init__(self, decode: Callable[[S], T], size: int = DECODED_RECORDS_MAX) -> None:
        self._decode = decode
        self._size = size
        self._items: OrderedDict[str, tuple[S, T]] = OrderedDict()

    def get(self, key: str, stored: S) -> T:
        """The decoded record; raises what ``decode`` raises for a record that does not decode."""
        hit = self._items.get(key)
        if hit is not None and hit[0] == stored:
            self._items.move_to_end(key)
            return hit[1]
        value = self._decode(stored)
        self.put(key, stored, value)
        return value

    def put(self, key: str, stored: S, value: T) -> None:
        self._items[key] = (stored, value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)
