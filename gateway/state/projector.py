"""Keeps room states up to date: one reader of the event log per replica.

Each replica applies every event (compare-and-set makes the second application a no-op),
so a replica's death loses nothing and no election is needed. ``applied_cursor`` is how far
this replica has applied the log: a room state read after it is complete up to there, which
is what lets ``roomState`` subscriptions continue from a snapshot without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from gateway.events import BusUnavailable, EventBus, InvalidCursor, StoredEvent, SubscriberTooSlow
from gateway.events.model import Position
from gateway.settings import StateSettings
from gateway.state.decoded import DecodedRecords
from gateway.state.history import HistoryLimits, SessionHistory, apply_history, session_of_event
from gateway.state.model import RoomSnapshot, StoredRoom, participant_record
from gateway.state.reducer import MAX_PRESENT, RoomChange, change_of, empty_state
from gateway.state.store import RosterEdit, StateStore
from gateway.tasks import cancel_until_done
from providers import global_id

__all__ = ["StateProjector", "history_key", "room_key", "session_index_key"]

log = logging.getLogger("gateway.state")

_WRITE_ATTEMPTS = 8
_NOT_READING = "room state is not available yet: the event log is not read"
_RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


def room_key(provider: str, room_native_id: str) -> str:
    return global_id(provider, room_native_id)


def history_key(provider: str, room_native_id: str) -> str:
    """Where a room's sessions built from events are kept."""
    return "sessions|" + global_id(provider, room_native_id)


def session_index_key(provider: str, session_native_id: str) -> str:
    """Where the room of a session built from events is found."""
    return "session|" + global_id(provider, session_native_id)


class StateProjector:
    """Applies the log to the room states, from where any replica left off."""

    def __init__(
        self,
        bus: EventBus,
        store: StateStore,
        settings: StateSettings,
        history_providers: frozenset[str] = frozenset(),
    ) -> None:
        """``history_providers``: the providers whose sessions are built from events."""
        self._bus = bus
        self._store = store
        self._settings = settings
        self._history_providers = history_providers
        self._limits = HistoryLimits(settings.sessions_per_room, settings.participants_per_session)
        self._task: asyncio.Task[None] | None = None
        self._caught_up = asyncio.Event()
        self.applied_cursor: str | None = None
        self.applied_position: Position | None = None
        self._unsaved = 0
        self._closing = False
        # a room read whole (hundreds of records) is decoded again only when it changed
        self._states = DecodedRecords(StoredRoom.decode)
        self._histories = DecodedRecords(SessionHistory.from_json)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="room-state-projector")

    async def aclose(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            await cancel_until_done(task)
        if self._unsaved and self.applied_cursor is not None:
            with contextlib.suppress(BusUnavailable):
                await self._store.set_progress(self.applied_cursor)

    async def snapshot(self, provider: str, room_native_id: str) -> tuple[RoomSnapshot, str]:
        """The room's state, and the cursor it is complete up to: the room's later events
        come after that cursor in the log."""
        try:
            async with asyncio.timeout(self._settings.snapshot_wait_seconds):
                await self._caught_up.wait()
        except TimeoutError:
            raise BusUnavailable(_NOT_READING) from None
        cursor, position = self.applied_cursor, self.applied_position
        if cursor is None or position is None:
            raise BusUnavailable(_NOT_READING)
        state = await self.current(provider, room_native_id)
        if state.position is not None and state.cursor is not None and state.position > position:
            cursor = state.cursor
        return state, cursor

    async def current(self, provider: str, room_native_id: str) -> RoomSnapshot:
        """The stored state of the room (empty when no event touched it)."""
        key = room_key(provider, room_native_id)
        stored = await self._store.room(key)
        state = self._readable_room(key, stored) if stored else await self._legacy_state(key)
        return state or empty_state(provider, room_native_id, datetime.now(UTC))

    async def history(self, provider: str, room_native_id: str) -> SessionHistory:
        """The room's sessions built from events (none when no event touched it)."""
        key = history_key(provider, room_native_id)
        return self._readable_history(key, await self._store.get(key))

    async def session_room(self, provider: str, session_native_id: str) -> str | None:
        """The native id of the room a session built from events was held in."""
        stored = await self._store.get(session_index_key(provider, session_native_id))
        return None if stored is None else stored.decode()

    async def _run(self) -> None:
        after = await self._resume_point()
        failures = 0
        while not self._closing:
            try:
                after = await self._follow(after)
                failures = 0
                continue
            except SubscriberTooSlow as exc:
                after = exc.resume_after
                continue
            except InvalidCursor:
                log.warning(
                    "room state: events after the last one applied left the event log "
                    "(retention) before they were applied; continuing from the newest event"
                )
                after = None
                continue
            except BusUnavailable:
                if self._closing:
                    return
            except Exception:
                # a bug must not stop every room's state for good: say so, and go on
                log.exception("room state: applying the event log failed; retrying")
            delay = _RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)]
            failures += 1
            await asyncio.sleep(delay)
            after = self.applied_cursor or after

    async def _resume_point(self) -> str | None:
        while not self._closing:
            try:
                return await self._store.progress() or self._bus.start_cursor()
            except BusUnavailable:
                await asyncio.sleep(_RETRY_SECONDS[-1])
        return None

    async def _follow(self, after: str | None) -> str | None:
        """Apply events after ``after`` until the bus ends; the cursor to resume from."""
        async with self._bus.subscribe(after=after, internal=True) as stream:
            self._mark(stream.last_cursor, stream.last_position)
            async for stored in stream:
                await self._apply(stored)
                self._mark(stored.cursor, stored.position)
                await self._maybe_save()
        return self.applied_cursor

    def _mark(self, cursor: str, position: Position) -> None:
        self.applied_cursor, self.applied_position = cursor, position
        self._caught_up.set()

    async def _maybe_save(self) -> None:
        self._unsaved += 1
        if self._unsaved >= self._settings.progress_every_events and self.applied_cursor:
            await self._store.set_progress(self.applied_cursor)
            self._unsaved = 0

    async def _apply(self, stored: StoredEvent) -> None:
        event = stored.event
        if event.room_native_id is None:
            return
        await self._apply_state(stored, event.room_native_id)
        if event.provider in self._history_providers:
            await self._apply_history(stored, event.room_native_id)

    async def _apply_state(self, stored: StoredEvent, room_native_id: str) -> None:
        """Reads the room's header alone and writes the header with at most one participant's
        record: the cost does not grow with the people present."""
        event = stored.event
        key = room_key(event.provider, room_native_id)
        for _ in range(_WRITE_ATTEMPTS):
            current = await self._store.room_header(key)
            if current is None and await self._migrated(key):
                continue
            header = self._readable_header(key, current)
            change = change_of(
                header or empty_state(event.provider, room_native_id, stored.received_at), stored
            )
            if change is None:
                return
            # a room started again (no readable header) drops whatever roster it had
            edit = _roster_edit(change, stored, clear=header is None)
            if await self._store.change_room(key, current, change.state.header_json(), edit):
                return
        log.warning(
            "room state of %s: event %s not applied after %d conflicting writes",
            key,
            event.id,
            _WRITE_ATTEMPTS,
        )

    async def _legacy_state(self, key: str) -> RoomSnapshot | None:
        """The room as an earlier version stored it (one whole record), while no event has
        been applied to it since the upgrade; ``None`` when there is none or it does not
        decode."""
        stored = await self._store.legacy_room(key)
        if stored is None:
            return None
        try:
            return RoomSnapshot.from_json(stored)
        except _UNREADABLE:
            return None

    async def _migrated(self, key: str) -> bool:
        """Copy the room's earlier whole record, if any, into a header and a record per
        participant (left in place for replicas of that version, until it expires);
        ``True`` when something was written (or another replica wrote first)."""
        state = await self._legacy_state(key)
        if state is None or state.position is None:
            return False
        put = [
            (p.id, participant_record(p, (*state.position, order)))  # keeps their order
            for order, p in enumerate(state.participants[:MAX_PRESENT])
        ]
        edit = RosterEdit(cap=MAX_PRESENT, clear=True, put=put)
        await self._store.change_room(key, None, state.header_json(), edit)
        return True

    async def _apply_history(self, stored: StoredEvent, room_native_id: str) -> None:
        """Compare-and-set like the state; the session's index entry is written first, so
        a session listed in a history can always be found by id."""
        event = stored.event
        key = history_key(event.provider, room_native_id)
        for _ in range(_WRITE_ATTEMPTS):
            current = await self._store.get(key)
            history = self._readable_history(key, current)
            changed = apply_history(history, stored, self._limits)
            if changed is history:
                return
            session = session_of_event(history, event)
            if session is not None and history.find(session) is None:
                await self._index(event.provider, session, room_native_id)
            encoded = changed.to_json()
            if await self._store.replace(key, current, encoded):
                self._histories.put(key, encoded, changed)
                return
        log.warning("session history of %s: event %s not applied", key, event.id)

    def _readable_header(self, key: str, stored: bytes | None) -> RoomSnapshot | None:
        """The stored header; ``None`` when there is none or it does not decode (then the
        room starts again from the event being applied, rather than stopping every room)."""
        if stored is None:
            return None
        try:
            return RoomSnapshot.from_header_json(stored)
        except _UNREADABLE:
            log.warning("room state of %s is unreadable; starting it again", key)
            return None

    def _readable_room(self, key: str, stored: StoredRoom) -> RoomSnapshot | None:
        try:
            return self._states.get(key, stored)
        except _UNREADABLE:
            log.warning("room state of %s is unreadable; it reads as empty", key)
            return None

    def _readable_history(self, key: str, stored: bytes | None) -> SessionHistory:
        if stored is None:
            return SessionHistory()
        try:
            return self._histories.get(key, stored)
        except _UNREADABLE:
            log.warning("session history of %s is unreadable; starting it again", key)
            return SessionHistory()

    async def _index(self, provider: str, session: str, room_native_id: str) -> None:
        key = session_index_key(provider, session)
        value = room_native_id.encode()
        current = await self._store.get(key)
        if current != value:
            await self._store.replace(key, current, value)


def _roster_edit(change: RoomChange, stored: StoredEvent, *, clear: bool) -> RosterEdit:
    joined = change.joined
    put = [] if joined is None else [(joined.id, participant_record(joined, stored.position))]
    return RosterEdit(cap=MAX_PRESENT, clear=clear or change.clear, remove=change.left, put=put)


#: what a stored record that does not decode raises (damaged, or written by another version)
_UNREADABLE = (ValueError, KeyError, TypeError, IndexError)
