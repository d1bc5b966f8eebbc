"""Wire JSON -> models: the seed document's example and synthesized documented shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from providers import ProviderUnavailable
from providers.videosdk.payloads import (
    parse_time,
    records,
    to_page,
    to_participants,
    to_recording,
    to_room,
    to_session,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_seed_create_room_example() -> None:
    data = fixture("create_room_s004.json")
    room = to_room(data)
    assert room.native_id == "abc-xyzw-lmno"
    assert room.id == "videosdk:abc-xyzw-lmno"
    assert room.display_name == "final-testing"
    assert room.created_at == datetime(2022, 3, 25, 4, 49, 11, 24000, tzinfo=UTC)
    assert room.available
    assert not room.recording.auto_record
    assert room.expires_at is None
    assert room.kind is None
    assert room.raw == data


def test_deactivate_answer_uses_legacy_names() -> None:
    room = to_room(fixture("deactivate_room.json"))
    assert room.native_id == "qrs-tuvw-xyza"
    assert room.display_name == "board-review"
    assert not room.available
    assert room.created_at == datetime(2024, 5, 2, 9, 15, tzinfo=UTC)


def test_rooms_page() -> None:
    data, info = to_page(fixture("rooms_page.json"))
    (item,) = records(data)
    assert (info.current_page, info.per_page, info.last_page, info.total) == (2, 1, 3, 3)
    room = to_room(item)
    assert room.native_id == "bcd-efgh-ijkl"
    assert room.available  # the list shape has no "disabled"


def test_page_without_page_info_is_the_last() -> None:
    data, info = to_page({"data": [{"roomId": "a"}]})
    assert info.current_page == info.last_page == 1
    assert info.total is None
    assert records(data) == [{"roomId": "a"}]


def test_auto_start_recording_means_auto_record() -> None:
    room = to_room({"roomId": "a", "autoStartConfig": {"recording": {}}})
    assert room.recording.auto_record
    assert not to_room({"roomId": "a", "autoStartConfig": {"hls": {}}}).recording.auto_record


def test_session() -> None:
    session = to_session(fixture("session.json"))
    assert session.native_id == "6634600a9f1e2a0012349999"
    assert session.room_native_id == "bcd-efgh-ijkl"
    assert session.started_at == datetime(2024, 5, 2, 9, 30, 0, 250000, tzinfo=UTC)
    assert session.ended_at == datetime(2024, 5, 2, 10, 5, 10, 750000, tzinfo=UTC)
    assert session.status == "ended"
    assert session.provider == "videosdk"


def test_participants_page_carries_a_session_object() -> None:
    data, _ = to_page(fixture("participants_page.json"))
    asha, bruno = to_participants(data)
    assert asha.participant_id == "k3n8q2zt"
    assert asha.name == "Asha"
    assert len(asha.visits) == 2
    assert asha.visits[1].ended_at is None
    assert bruno.visits == ()
    assert to_participants([{"participantId": "x", "name": "X"}])[0].name == "X"


def test_recording_file_gives_url_and_duration() -> None:
    recording = to_recording(fixture("recording.json"))
    assert recording.native_id == "663461119f1e2a001234aaaa"
    assert recording.session_id == "6634600a9f1e2a0012349999"
    assert recording.room_native_id == "bcd-efgh-ijkl"
    assert recording.duration_seconds == 1810.48
    assert recording.url == "https://cdn.videosdk.live/uploads/videos/663461119f1e2a001234bbbb.mp4"


def test_recording_still_in_progress_has_no_file() -> None:
    recording = to_recording({"id": "r1", "roomId": "a", "sessionId": "s"})
    assert recording.url is None
    assert recording.duration_seconds is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-03-25T04:49:11.024Z", datetime(2022, 3, 25, 4, 49, 11, 24000, tzinfo=UTC)),
        ("2022-07-05T15:20:35.047+00:00", datetime(2022, 7, 5, 15, 20, 35, 47000, tzinfo=UTC)),
        ("2022-07-05T20:50:35+05:30", datetime(2022, 7, 5, 15, 20, 35, tzinfo=UTC)),
        ("2022-07-05T15:20:35", datetime(2022, 7, 5, 15, 20, 35, tzinfo=UTC)),
        ("2022-07-05T15:60:35.047+00:00", None),  # minute 60, as in a docs example
        ("yesterday", None),
        ("", None),
        (None, None),
        (1657034435, None),
    ],
)
def test_times_are_parsed_leniently(value: object, expected: datetime | None) -> None:
    assert parse_time(value) == expected


def test_a_record_without_its_id_is_an_unexpected_answer() -> None:
    with pytest.raises(ProviderUnavailable) as caught:
        to_room({"customRoomId": "x"})
    assert caught.value.provider == "videosdk"
    with pytest.raises(ProviderUnavailable):
        to_page(["not", "a", "page"])
