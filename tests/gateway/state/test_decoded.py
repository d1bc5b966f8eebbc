"""The projector's memo of decoded records: reused only while the stored bytes are the same."""

from __future__ import annotations

from gateway.state.decoded import DecodedRecords


def test_a_record_is_decoded_again_only_when_its_bytes_change() -> None:
    decoded: list[bytes] = []

    def decode(stored: bytes) -> str:
        decoded.append(stored)
        return stored.decode()

    records = DecodedRecords(decode)
    assert records.get("room", b"one") == "one"
    assert records.get("room", b"one") == "one"
    assert records.get("room", b"two") == "two"
    records.put("room", b"three", "three")
    assert records.get("room", b"three") == "three"
    assert decoded == [b"one", b"two"]


def test_the_least_recently_used_record_is_dropped_past_the_bound() -> None:
    decoded: list[bytes] = []

    def decode(stored: bytes) -> bytes:
        decoded.append(stored)
        return stored

    records = DecodedRecords(decode, size=2)
    records.get("a", b"a")
    records.get("b", b"b")
    records.get("a", b"a")  # a is now the most recently used
    records.get("c", b"c")  # drops b
    records.get("a", b"a")
    records.get("b", b"b")
    assert decoded == [b"a", b"b", b"c", b"b"]
