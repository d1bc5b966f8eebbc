"""The Redis entry form of an event reads back equal, the new fields included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.events.codec import decode_event, encode_event
from providers import EventType, MeetingEvent, RecordingOptions, Room, RoomKind, StreamKind

NOW = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
ROOM = Room(
    provider="vonage",
    native_id="b307d837",
    raw={"id": "b307d837", "_links": {"host_url": {"href": "https://h"}}},
    display_name="Standup",
    kind=RoomKind.LONG_TERM,
    created_at=NOW,
    expires_at=NOW,
    host_url="https://h",
    recording=RecordingOptions(auto_record=True),
)


@pytest.mark.parametrize(
    "event",
    [
        MeetingEvent(
            id="videosdk:1",
            provider="videosdk",
            type=EventType.STREAM_STARTED,
            raw={"webhookType": "hls-playable"},
            room_native_id="abc",
            status="PLAYABLE",
            stream_kind=StreamKind.HLS,
            url="https://x/h.m3u8",
        ),
        MeetingEvent(
            id="videosdk:2",
            provider="videosdk",
            type=EventType.TRANSCRIPTION_READY,
            raw={},
            transcription_id="t-1",
        ),
        MeetingEvent(
            id="vonage:3",
            provider="vonage",
            type=EventType.ROOM_CREATED,
            raw={"source": "gateway"},
            room_native_id="b307d837",
            occurred_at=NOW,
            room=ROOM,
        ),
    ],
    ids=["stream", "transcription", "lifecycle"],
)
def test_round_trip(event: MeetingEvent) -> None:
    assert decode_event(encode_event(event, NOW)) == (event, NOW)


def test_an_unknown_stream_kind_is_an_unreadable_entry() -> None:
    event = MeetingEvent(id="v:1", provider="videosdk", type=EventType.STREAM_FAILED, raw={})
    text = encode_event(event, NOW).replace('"stream_kind":null', '"stream_kind":"SRT"')
    with pytest.raises(ValueError, match="SRT"):
        decode_event(text)
