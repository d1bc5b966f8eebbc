"""Recordings by session, one recording, deletion rules, dial-in numbers."""

from __future__ import annotations

import pytest

from providers import (
    DialInNumber,
    EventType,
    InvalidRequest,
    RecordingStatus,
    ResourceConflict,
    ResourceNotFound,
    RoomSpec,
)
from providers.vonage import FakeVonage, VonageAdapter
from tests.providers.vonage.helpers import TOKEN

SESSION = "1_MX40NjMzOTg5Mn5-MTY3NDYxNDI4NjY5M35WM0xaVXBSc1lpT3hKWE1XQ2diM1B3cXB-fn4"


async def test_recordings_of_a_session(adapter: VonageAdapter, fake: FakeVonage) -> None:
    first = fake.seed_recording(SESSION)
    second = fake.seed_recording(SESSION, status="started")
    fake.seed_recording("1_MX40other")
    recordings = await adapter.list_recordings(SESSION)
    assert [recording.native_id for recording in recordings] == [first, second]
    assert fake.requests[-1].url.path == f"/v1/meetings/sessions/{SESSION}/recordings"
    uploaded, started = recordings
    assert uploaded.status is RecordingStatus.READY
    assert started.status is RecordingStatus.RECORDING
    assert uploaded.url is not None
    assert f"/{first}/archive.mp4?Expires=" in uploaded.url
    assert uploaded.duration_seconds == 3600.0
    assert started.url is None


async def test_a_session_without_recordings_lists_none(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    # the API answers 404 "Failed to find session recordings by id" here
    assert await adapter.list_recordings("1_MX40unknown") == []
    assert fake.requests[-1].url.path.endswith("/sessions/1_MX40unknown/recordings")


async def test_get_and_delete_a_recording(adapter: VonageAdapter, fake: FakeVonage) -> None:
    recording_id = fake.seed_recording(SESSION)
    recording = await adapter.get_recording(recording_id)
    assert recording.session_id == SESSION
    assert recording.status is RecordingStatus.READY
    await adapter.delete_recording(recording_id)
    assert fake.requests[-1].method == "DELETE"
    with pytest.raises(ResourceNotFound, match="was not found"):
        await adapter.get_recording(recording_id)


async def test_only_uploaded_recordings_can_be_deleted(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    recording_id = fake.seed_recording(SESSION, status="started")
    with pytest.raises(
        ResourceConflict, match="Can only delete recordings in 'uploaded' status"
    ) as caught:
        await adapter.delete_recording(recording_id)
    assert caught.value.status == 403
    assert caught.value.field == "id"
    assert "only a READY recording can be deleted" in str(caught.value)
    assert isinstance(caught.value, InvalidRequest)


async def test_unknown_recording(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.get_recording("0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00")
    with pytest.raises(ResourceNotFound):
        await adapter.get_recording("not-a-uuid")


async def test_recordings_know_their_room_once_a_callback_told_it(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    room = await adapter.create_room(RoomSpec(display_name="Recorded"))
    session = fake.session_for(room.native_id)
    recording_id = fake.seed_recording(session)
    assert (await adapter.get_recording(recording_id)).room_native_id is None
    delivery = fake.webhook(room.native_id, EventType.SESSION_STARTED, {}, TOKEN)
    await adapter.parse_webhook(delivery)
    assert (await adapter.get_recording(recording_id)).room_native_id == room.native_id
    (listed,) = await adapter.list_recordings(session)
    assert listed.room_native_id == room.native_id


async def test_dial_in_numbers(adapter: VonageAdapter) -> None:
    numbers = await adapter.dial_in_numbers()
    assert numbers[0] == DialInNumber(
        number="442381924626", locale="en-GB", display_name="United Kingdom"
    )
    assert all(number.number.isdigit() for number in numbers)
