"""One suite over every registered adapter, driven through its own sandbox.

Declared capabilities must work; undeclared ones must raise ``UnsupportedOperation``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from providers import (
    REGISTRY,
    Capability,
    InvalidRequest,
    JoinApproval,
    JoinRequest,
    ParticipantRole,
    ProviderAdapter,
    ProviderAuthError,
    ProviderEntry,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ResourceConflict,
    ResourceNotFound,
    Room,
    RoomSpec,
    RoomUpdate,
    ThemeSpec,
    UnsupportedOperation,
    create_store,
)

Adapter = ProviderAdapter[Any]


@pytest.fixture(params=sorted(REGISTRY), ids=str)
def entry(request: pytest.FixtureRequest) -> ProviderEntry:
    return REGISTRY[request.param]


@pytest.fixture
def sandbox(entry: ProviderEntry) -> Any:
    return entry.sandbox()


@pytest.fixture
async def adapter(entry: ProviderEntry, sandbox: Any) -> AsyncIterator[Adapter]:
    built = entry.adapter(sandbox.settings(), store=create_store(), transport=sandbox.transport())
    yield built
    await built.aclose()


def _spec(name: str = "Contract room") -> RoomSpec:
    return RoomSpec(display_name=name)


async def test_room_life_cycle(adapter: Adapter) -> None:
    created = await adapter.create_room(_spec())
    assert created.provider == adapter.name
    assert created.id == f"{adapter.name}:{created.native_id}"
    fetched = await adapter.get_room(created.native_id)
    assert fetched.native_id == created.native_id
    assert fetched.raw
    closed = await adapter.close_room(created.native_id)
    assert closed.native_id == created.native_id


async def test_update_when_declared(adapter: Adapter, sandbox: Any) -> None:
    (native_id,) = sandbox.seed_rooms(1)
    update = RoomUpdate(join_approval=JoinApproval.NONE)
    if Capability.ROOMS_UPDATE in adapter.capabilities:
        updated = await adapter.update_room(native_id, update)
        assert updated.native_id == native_id
    else:
        with pytest.raises(UnsupportedOperation):
            await adapter.update_room(native_id, update)


@pytest.mark.parametrize(("total", "limit"), [(0, 5), (7, 3), (10, 10), (11, 1)])
async def test_pagination_reaches_the_end_once(
    adapter: Adapter, sandbox: Any, total: int, limit: int
) -> None:
    seeded = set(sandbox.seed_rooms(total))
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(total + 2):
        page = await adapter.list_rooms(cursor, limit)
        assert len(page.rooms) <= limit
        seen.extend(room.native_id for room in page.rooms)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert cursor is None
    assert len(seen) == len(set(seen))
    assert set(seen) == seeded


@pytest.mark.parametrize("role", list(ParticipantRole))
async def test_join_when_declared(adapter: Adapter, sandbox: Any, role: ParticipantRole) -> None:
    """The sandbox admits what ``join_room`` issues, with the role; an unknown room gets
    nothing."""
    room = await adapter.create_room(_spec())
    request = JoinRequest(role=role)
    if Capability.ROOMS_JOIN not in adapter.capabilities:
        with pytest.raises(UnsupportedOperation):
            await adapter.join_room(room.native_id, request)
        return
    grant = await adapter.join_room(room.native_id, request)
    assert grant.room_id == room.id
    assert grant.role is role
    assert grant.url or grant.token
    assert grant.token is None or grant.token not in repr(grant)
    admission = _admission(sandbox, grant.url, grant.token, room.native_id)
    assert admission.moderator is (role is ParticipantRole.HOST)
    with pytest.raises(ResourceNotFound):
        await adapter.join_room("no-such-room-0000", request)


def _admission(sandbox: Any, url: str | None, token: str | None, room_id: str) -> Any:
    """Each sandbox's own join check: a page URL, or a token for a room."""
    return sandbox.check_join(url) if token is None else sandbox.check_join(room_id, token)


async def test_unknown_room_is_not_found(adapter: Adapter) -> None:
    with pytest.raises(ResourceNotFound) as caught:
        await adapter.get_room("no-such-room-0000")
    assert caught.value.provider == adapter.name


@pytest.mark.parametrize("native_id", ["..", ".", "", "a/b", "a?b", "a#b", "a%2f", "a b", "a\x00"])
async def test_an_id_that_would_reach_another_endpoint_is_refused_unsent(
    adapter: Adapter, sandbox: Any, native_id: str
) -> None:
    for operation in (adapter.get_room, adapter.close_room):
        with pytest.raises(InvalidRequest) as caught:
            await operation(native_id)
        assert caught.value.field == "id"
    assert sandbox.requests == []


ERRORS: list[tuple[dict[str, Any], type[Exception]]] = [
    ({"status": 401}, ProviderAuthError),
    ({"status": 404}, ResourceNotFound),
    ({"status": 409}, ResourceConflict),
    ({"status": 429, "retry_after": 7}, RateLimited),
    ({"status": 500}, ProviderUnavailable),
    ({"status": 503}, ProviderUnavailable),
    ({"timeout": True}, ProviderTimeout),
]


@pytest.mark.parametrize(("fault", "error"), ERRORS, ids=str)
async def test_error_mapping_on_create(
    adapter: Adapter, sandbox: Any, fault: dict[str, Any], error: type[Exception]
) -> None:
    sandbox.inject(times=5, **fault)
    with pytest.raises(error) as caught:
        await adapter.create_room(_spec())
    assert getattr(caught.value, "provider", None) == adapter.name
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7
        assert caught.value.retryable


@pytest.mark.parametrize(
    "content",
    [b"<html>captive portal</html>", b"\xff\xfe\x00", b"", b"[" * 100_000],
    ids=["html", "binary", "empty", "deeply-nested"],
)
async def test_a_2xx_with_an_unreadable_body_is_the_providers_failure(
    adapter: Adapter, sandbox: Any, content: bytes
) -> None:
    (native_id,) = sandbox.seed_rooms(1)
    sandbox.inject(status=200, content=content, times=10)
    with pytest.raises(ProviderUnavailable) as read:
        await adapter.get_room(native_id)
    before = len(sandbox.requests)
    with pytest.raises(ProviderUnavailable) as create:
        await adapter.create_room(_spec())
    for caught in (read, create):
        assert caught.value.provider == adapter.name
    assert [r.method for r in sandbox.requests[before:]] == ["POST"]


async def test_creates_are_not_retried(adapter: Adapter, sandbox: Any) -> None:
    sandbox.inject(status=503, times=1)
    before = len(sandbox.requests)
    with pytest.raises(ProviderUnavailable):
        await adapter.create_room(_spec())
    posts = [r for r in sandbox.requests[before:] if r.method == "POST"]
    assert len(posts) == 1


async def test_reads_are_retried(adapter: Adapter, sandbox: Any) -> None:
    (native_id,) = sandbox.seed_rooms(1)
    sandbox.inject(status=503, times=1)
    room = await adapter.get_room(native_id)
    assert isinstance(room, Room)


def _capability_probes(adapter: Adapter) -> dict[Capability, Callable[[], Awaitable[Any]]]:
    return {
        Capability.THEMES: lambda: adapter.create_theme(
            ThemeSpec(main_color="#112233", brand_text="Contract")
        ),
        Capability.RECORDINGS: lambda: adapter.list_recordings("no-such-session"),
        Capability.RECORDINGS_CONTROL: lambda: adapter.start_recording("no-such-room"),
        Capability.ROOMS_LIST: lambda: adapter.list_rooms(None, 5),
        Capability.SESSIONS: lambda: adapter.get_session("no-such-session"),
        Capability.SESSIONS_CONTROL: lambda: adapter.remove_participant("no-such-room", "p"),
        Capability.DIAL_IN: adapter.dial_in_numbers,
    }


async def test_capabilities_are_honest(adapter: Adapter) -> None:
    for capability, probe in _capability_probes(adapter).items():
        if capability in adapter.capabilities:
            try:
                await probe()
            except UnsupportedOperation:  # pragma: no cover - the assertion below explains
                pytest.fail(f"{adapter.name} declares {capability} but does not support it")
            except ResourceNotFound:
                pass
        else:
            with pytest.raises(UnsupportedOperation):
                await probe()


def test_event_capability_matches_event_types(entry: ProviderEntry) -> None:
    adapter = entry.adapter
    assert (Capability.EVENTS in adapter.capabilities) == bool(adapter.event_types)
    if Capability.EVENTS_SIGNED in adapter.capabilities:
        assert Capability.EVENTS in adapter.capabilities
