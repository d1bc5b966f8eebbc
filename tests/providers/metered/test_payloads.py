"""Wire JSON -> models: the documented examples and the lenient corners."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from providers import JoinApproval, RecordingOptions, Room, RoomOptions
from providers.metered.payloads import error_message, parse_instant, rooms_from_list, to_room

from .conftest import fixture

JOIN = "https://acme.metered.live"


def test_documented_create_response() -> None:
    data = fixture("seed_create_room_response.json")

    room = to_room(data, join_base_url=JOIN)

    assert room == Room(
        provider="metered",
        native_id="6kpYYvYj75",
        raw=data,
        display_name="6kpYYvYj75",
        kind=None,
        created_at=datetime(2021, 7, 27, 18, 59, 16, 448000, tzinfo=UTC),
        expires_at=None,
        available=True,
        host_url="https://acme.metered.live/6kpYYvYj75",
        guest_url="https://acme.metered.live/6kpYYvYj75",
        recording=RecordingOptions(auto_record=False),
        join_approval=JoinApproval.NONE,
        # the documented response's enableChat, enableScreenSharing, joinVideoOn, joinAudioOn
        options=RoomOptions(
            chat=False,
            screen_sharing=True,
            camera_off_at_start=False,
            microphone_off_at_start=False,
        ),
    )
    assert room.id == "metered:6kpYYvYj75"


def test_zero_limits_are_unset() -> None:
    room = to_room(
        {"roomName": "r", "maxParticipants": 0, "endMeetingAfterNoActivityInSec": 0},
        join_base_url=JOIN,
    )
    assert room.options == RoomOptions()


@pytest.mark.parametrize(
    ("fields", "approval"),
    [
        ({"privacy": "public", "enableRequestToJoin": True}, JoinApproval.NONE),
        ({"privacy": "private"}, JoinApproval.AFTER_OWNER_ONLY),
        ({"privacy": "private", "enableRequestToJoin": False}, JoinApproval.AFTER_OWNER_ONLY),
        ({"privacy": "private", "enableRequestToJoin": True}, JoinApproval.EXPLICIT_APPROVAL),
        ({}, None),
        ({"privacy": "secret"}, None),
    ],
)
def test_access_control(fields: dict[str, Any], approval: JoinApproval | None) -> None:
    assert to_room({"roomName": "r", **fields}, join_base_url=JOIN).join_approval is approval


def test_archived_recorded_and_expiring() -> None:
    room = to_room(
        {"roomName": "r", "archived": True, "recordRoom": True, "expireUnixSec": 1_893_456_000},
        join_base_url=JOIN + "/",
    )
    assert room.available is False
    assert room.recording.auto_record is True
    assert room.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert room.host_url == "https://acme.metered.live/r"


def test_webhook_tokens_are_masked_in_raw() -> None:
    url = "https://gw.example/webhooks/metered/joined?room=r&token=s3cr3t"
    room = to_room(
        {"roomName": "r", "meetingJoinWebhook": url, "meetingLeftWebhook": 5}, join_base_url=JOIN
    )
    assert (
        room.raw["meetingJoinWebhook"]
        == "https://gw.example/webhooks/metered/joined?room=r&token=***"
    )
    assert room.raw["meetingLeftWebhook"] == 5
    assert "s3cr3t" not in repr(room)


@pytest.mark.parametrize("data", [{}, {"roomName": ""}, {"roomName": 5}, {"success": True}])
def test_a_record_without_a_name_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="roomName"):
        to_room(data, join_base_url=JOIN)


@pytest.mark.parametrize("wrapper", ["bare", "rooms", "data"])
def test_room_lists_in_any_wrapper_are_newest_first(wrapper: str) -> None:
    records = [
        {"roomName": "b", "created": "2030-01-01T00:00:01.000Z"},
        {"roomName": "c"},
        {"roomName": "old", "created": "2029-01-01T00:00:01.000Z"},
        {"roomName": "a", "created": "2030-01-01T00:00:01.000Z"},
        "skipped",
    ]
    body: Any = records if wrapper == "bare" else {wrapper: records}
    rooms = rooms_from_list(body, join_base_url=JOIN)
    assert [room.native_id for room in rooms] == ["a", "b", "old", "c"]


@pytest.mark.parametrize("body", ["text", None, {"rooms": "x"}, 3])
def test_a_list_that_is_not_one_is_refused(body: Any) -> None:
    with pytest.raises(TypeError):
        rooms_from_list(body, join_base_url=JOIN)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (fixture("seed_error_invalid_request.json"), "Invalid request"),
        ({"eventCode": "", "message": "error message"}, "error message"),
        ({"error": {"details": "bad roomName"}}, "bad roomName"),
        ({"error": {"details": {"roomName": "taken"}}}, '{"roomName": "taken"}'),
        ({"error": {"message": "nested"}}, "nested"),
        ({"success": False}, None),
        ("plain text", "plain text"),
        (["x"], None),
    ],
)
def test_error_messages(body: Any, message: str | None) -> None:
    assert error_message(body) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-07-27T18:59:16.448Z", datetime(2021, 7, 27, 18, 59, 16, 448000, tzinfo=UTC)),
        ("2021-07-27T18:59:16", datetime(2021, 7, 27, 18, 59, 16, tzinfo=UTC)),
        (1_627_412_356, datetime(2021, 7, 27, 18, 59, 16, tzinfo=UTC)),
        (1_627_412_356_448, datetime(2021, 7, 27, 18, 59, 16, 448000, tzinfo=UTC)),
        (1_627_412_356.5, datetime(2021, 7, 27, 18, 59, 16, 500000, tzinfo=UTC)),
        (0, None),
        (-5, None),
        (None, None),
        (False, None),
        ("", None),
        ("soon", None),
        ([], None),
    ],
)
def test_instants(value: Any, expected: datetime | None) -> None:
    assert parse_instant(value) == expected
