"""Sessions, participants and recordings through the sandbox."""

from __future__ import annotations

import json

import httpx
import pytest

from providers import InvalidRequest, RecordingStatus, ResourceNotFound
from providers.videosdk import FakeVideoSDK, VideoSDKAdapter
from providers.videosdk.auth import mint_token
from tests.support import ManualClock


async def test_sessions_are_listed_to_the_end(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    room, other = fake.seed_rooms(2)
    ids = []
    for _ in range(105):
        session = fake.start_session(room)
        fake.sessions[session["id"]]["status"] = "ended"
        ids.append(session["id"])
    fake.start_session(other)
    listed = await adapter.list_sessions(room)
    assert [s.native_id for s in listed] == list(reversed(ids))
    assert {s.room_native_id for s in listed} == {room}
    assert [r.url.params["page"] for r in fake.requests] == ["1", "2"]
    assert fake.requests[0].url.path == "/v2/sessions/"
    assert len(await adapter.list_sessions()) == 106


async def test_get_session_maps_times_and_status(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    room = fake.seed_rooms(1)[0]
    session = fake.start_session(room, ["Ann"])
    clock.advance(90)
    got = await adapter.get_session(session["id"])
    assert got.status == "ongoing"
    assert got.started_at is not None
    assert got.ended_at is None
    assert got.raw["activeDuration"] == 90
    ended = await adapter.end_session(room)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert json.loads(posts[-1].content) == {"roomId": room}
    assert ended.status == "ended"
    assert ended.ended_at is not None
    assert (ended.ended_at - got.started_at).total_seconds() == 90


async def test_end_session_by_id_and_without_a_running_one(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    session = fake.start_session(room)
    ended = await adapter.end_session(room, session["id"])
    posts = [r for r in fake.requests if r.method == "POST"]
    assert json.loads(posts[-1].content) == {"roomId": room, "sessionId": session["id"]}
    assert ended.native_id == session["id"]
    with pytest.raises(InvalidRequest):
        await adapter.end_session(room)


async def test_unknown_session_is_not_found(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.get_session("0" * 24)


async def test_participants_are_listed_with_their_visits(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    room = fake.seed_rooms(1)[0]
    session = fake.start_session(room, [f"Guest {n}" for n in range(130)])
    first = session["participants"][0]["participantId"]
    clock.advance(60)
    fake.leave(session["id"], first)
    participants = await adapter.list_participants(session["id"])
    assert [p.name for p in participants] == [f"Guest {n}" for n in range(130)]
    (visit,) = participants[0].visits
    assert visit.started_at is not None
    assert visit.ended_at is not None
    assert (visit.ended_at - visit.started_at).total_seconds() == 60
    assert participants[1].visits[0].ended_at is None


async def test_remove_participant(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    room = fake.seed_rooms(1)[0]
    session = fake.start_session(room)
    participant = fake.join(session["id"], "Eve")
    removed = await adapter.remove_participant(room, participant)
    posts = [r for r in fake.requests if r.method == "POST"]
    assert json.loads(posts[-1].content) == {"participantId": participant, "roomId": room}
    assert removed.raw["participants"][0]["timelog"][0]["end"] is not None
    with pytest.raises(ResourceNotFound):
        await adapter.remove_participant(room, "nobody", session["id"])


async def test_recording_life_cycle(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK, clock: ManualClock
) -> None:
    room = fake.seed_rooms(1)[0]
    session = fake.start_session(room, ["Ann"])
    started = await adapter.start_recording(
        room,
        config={"layout": {"type": "SPOTLIGHT"}, "quality": "high", "mode": "audio"},
        transcription={"enabled": True},
        webhook_url="https://hooks.example/rec",
    )
    posts = [r for r in fake.requests if r.method == "POST"]
    assert json.loads(posts[-1].content) == {
        "roomId": room,
        "config": {"layout": {"type": "SPOTLIGHT"}, "quality": "high", "mode": "audio"},
        "transcription": {"enabled": True},
        "webhookUrl": "https://hooks.example/rec",
    }
    assert started.status is RecordingStatus.RECORDING
    assert started.session_id == session["id"]
    assert started.url is None
    clock.advance(42.5)
    stopped = await adapter.stop_recording(room)
    assert [r.url.path for r in [r for r in fake.requests if r.method == "POST"]][
        -1
    ] == "/v2/recordings/end"
    assert stopped.native_id == started.native_id
    assert stopped.status is RecordingStatus.READY
    assert stopped.size_bytes is not None
    assert stopped.ended_at is not None
    assert stopped.started_at is not None
    assert (stopped.ended_at - stopped.started_at).total_seconds() == 42.5
    (recording,) = await adapter.list_recordings(session["id"])
    assert recording.session_id == session["id"]
    assert recording.room_native_id == room
    assert recording.duration_seconds == 42.5
    assert recording.url is not None
    assert recording.url.startswith("https://cdn.videosdk.live/")
    fetched = await adapter.get_recording(recording.native_id)
    assert fetched == recording
    await adapter.delete_recording(recording.native_id)
    assert await adapter.list_room_recordings(room) == []
    with pytest.raises(ResourceNotFound):
        await adapter.get_recording(recording.native_id)


async def test_every_recording_of_every_room(adapter: VideoSDKAdapter, fake: FakeVideoSDK) -> None:
    first, second, _idle = fake.seed_rooms(3)
    for room in (first, second):
        fake.start_session(room)
        await adapter.start_recording(room)
        await adapter.stop_recording(room)
    listed = await adapter.list_all_recordings()
    assert sorted(r.room_native_id or "" for r in listed) == sorted([first, second])


async def test_stop_falls_back_to_the_other_documented_path(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    fake.stop_path = "/recordings/stop"
    room = fake.seed_rooms(1)[0]
    fake.start_session(room)
    await adapter.start_recording(room)
    await adapter.stop_recording(room)
    paths = [r.url.path for r in [r for r in fake.requests if r.method == "POST"][-2:]]
    assert paths == ["/v2/recordings/end", "/v2/recordings/stop"]
    assert len(await adapter.list_room_recordings(room)) == 1


async def test_recordings_are_listed_to_the_end_and_by_session(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    sessions = []
    for _ in range(3):
        sessions.append(fake.start_session(room)["id"])
        for _ in range(45):
            await adapter.start_recording(room)
            await adapter.stop_recording(room)
        await adapter.end_session(room)
    fake.requests.clear()
    assert len(await adapter.list_room_recordings(room)) == 135
    assert [r.url.params["page"] for r in fake.requests] == ["1", "2"]
    by_session = await adapter.list_room_recordings(room, sessions[1])
    assert len(by_session) == 45
    assert {r.session_id for r in by_session} == {sessions[1]}
    assert fake.requests[-1].url.params["sessionId"] == sessions[1]


async def test_recording_without_a_session_is_refused_by_the_provider(
    adapter: VideoSDKAdapter, fake: FakeVideoSDK
) -> None:
    room = fake.seed_rooms(1)[0]
    with pytest.raises(InvalidRequest) as caught:
        await adapter.start_recording(room)
    assert caught.value.status == 400
    with pytest.raises(InvalidRequest):
        await adapter.stop_recording(room)


async def test_list_recordings_of_an_unknown_session(adapter: VideoSDKAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.list_recordings("f" * 24)


async def test_sandbox_answers_bare_strings_for_recording_commands(fake: FakeVideoSDK) -> None:
    room = fake.seed_rooms(1)[0]
    fake.start_session(room)
    token = mint_token(fake.settings(), fake.clock()).value
    base = "https://api.videosdk.live/v2/recordings"
    async with httpx.AsyncClient(
        transport=fake.transport(), headers={"Authorization": token}
    ) as client:
        started = await client.post(f"{base}/start", json={"roomId": room})
        ended = await client.post(f"{base}/end", json={"roomId": room})
        (recording_id,) = fake.recordings
        deleted = await client.delete(f"{base}/{recording_id}")
    assert started.json() == "Recording started successfully"
    assert ended.json() == "Recording ended successfully"
    assert deleted.json() == "Room recording deleted successfully"
