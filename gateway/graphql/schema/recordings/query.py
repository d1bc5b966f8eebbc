"""``recordings``: which providers to ask, how, and the page of their answers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.events import BusUnavailable
from gateway.graphql.context import Info
from gateway.graphql.enums import Provider, provider_name
from gateway.graphql.errors import bad_input
from gateway.graphql.fanout import Deadline, Failure, failure
from gateway.graphql.pagination import MAX_FIRST
from gateway.graphql.schema.recordings.listing import RecordingPage, decode_cursor, page_of
from gateway.graphql.targets import adapter_for, capable_adapters, parse_id
from gateway.graphql.tenancy import check_room, visible_only
from gateway.services import Services
from providers import Capability, ProviderAdapter, Recording

__all__ = ["RECORDINGS_DOC", "RecordingArgs", "list_recordings"]

log = logging.getLogger("gateway.graphql")

RECORDINGS_DOC = (
    "Recordings, newest startedAt first (none last, ties by id), `first` (1 to 100) at a "
    "time. With `roomId` (a gateway room id) or `sessionId` (a gateway session id, "
    '"<provider>:<sessionId>") only that provider is asked, and its error is the query\'s '
    "error. A room's recordings: VideoSDK lists them by room; Vonage lists recordings per "
    "session only, so without `sessionId` it lists those of the room's latest session known "
    "from its events (pass `sessionId` for older ones). Without either, every configured "
    "provider with recordings is asked concurrently (only `provider` when given): one that "
    "fails, or cannot list every recording (Vonage), is reported in `failures` (an "
    "explicitly named provider's error is the query's error). VideoSDK lists every "
    "recording with one request per room. Metered has no recordings API: UNSUPPORTED."
)


@dataclass(frozen=True, slots=True)
class RecordingArgs:
    room_id: str | None
    session_id: str | None
    provider: Provider | None

    def scope(self) -> str:
        named = None if self.provider is None else provider_name(self.provider)
        return json.dumps([named, self.room_id, self.session_id])


@dataclass(frozen=True, slots=True)
class _Where:
    """The one provider the arguments name, and the native ids they carry."""

    provider: str
    room: str | None
    session: str | None


def _where(args: RecordingArgs) -> _Where | None:
    """``None`` when neither ``roomId`` nor ``sessionId`` is given; else checked ids."""
    room = None if args.room_id is None else parse_id(args.room_id, "roomId")
    session = None if args.session_id is None else parse_id(args.session_id, "sessionId")
    if room and session and room[0] != session[0]:
        raise bad_input("sessionId belongs to another provider than roomId", field="sessionId")
    named = room or session
    if named is None:
        return None
    if args.provider is not None and provider_name(args.provider) != named[0]:
        raise bad_input("provider differs from the provider of roomId/sessionId", field="provider")
    return _Where(named[0], room and room[1], session and session[1])


async def _known_sessions(services: Services, provider: str, room: str) -> Sequence[str]:
    """The room's latest session, as its events told the room state."""
    try:
        state = await services.room_states.current(provider, room)
    except BusUnavailable:
        log.warning(
            "room state unavailable: listing %s:%s without its known session", provider, room
        )
        return ()
    return () if state.session_id is None else (state.session_id,)


async def _narrow(
    services: Services, adapter: ProviderAdapter[Any], where: _Where
) -> list[Recording]:
    if where.room is None:
        return await adapter.list_recordings(where.session or "")
    known = () if where.session else await _known_sessions(services, adapter.name, where.room)
    return await adapter.list_room_recordings(where.room, where.session, known_sessions=known)


async def list_recordings(
    info: Info, args: RecordingArgs, first: int, after: str | None
) -> RecordingPage:
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(f"first must be between 1 and {MAX_FIRST}", field="first")
    where = _where(args)
    scope = args.scope()
    keys = None if after is None else decode_cursor(after, scope)
    services = info.context.services
    deadline = Deadline(services.settings.limits.fanout_budget_seconds)
    if where is not None:
        adapter = adapter_for(services, where.provider, Capability.RECORDINGS)
        if where.room is not None:
            await check_room(info, where.provider, where.room)
        listed = await _visible(
            info, await deadline.run(adapter.name, _narrow(services, adapter, where))
        )
        return page_of({adapter.name: listed}, [], keys or {adapter.name: None}, first, scope)
    adapters = capable_adapters(services, args.provider, Capability.RECORDINGS)
    if keys is None:
        keys = {adapter.name: None for adapter in adapters}
    asked = [adapter for adapter in adapters if adapter.name in keys]
    results = await asyncio.gather(
        *(deadline.run(a.name, a.list_all_recordings()) for a in asked), return_exceptions=True
    )
    lists, failures = _sorted_out(asked, results)
    if args.provider is not None and failures:
        raise _first_error(results)
    visible = {name: await _visible(info, listed) for name, listed in lists.items()}
    return page_of(visible, failures, keys, first, scope)


async def _visible(info: Info, recordings: list[Recording]) -> list[Recording]:
    """The recordings of rooms the caller sees (filtered before paging: full pages)."""
    rooms = [(r.provider, r.room_native_id or "") for r in recordings]
    return await visible_only(info, recordings, rooms)


def _sorted_out(
    asked: list[ProviderAdapter[Any]], results: list[list[Recording] | BaseException]
) -> tuple[dict[str, list[Recording]], list[Failure]]:
    lists: dict[str, list[Recording]] = {}
    failures: list[Failure] = []
    for adapter, result in zip(asked, results, strict=True):
        if isinstance(result, Exception):
            failures.append(failure(adapter.name, result))
        elif isinstance(result, BaseException):
            raise result
        else:
            lists[adapter.name] = result
    return lists, failures


def _first_error(results: list[list[Recording] | BaseException]) -> BaseException:
    return next(r for r in results if isinstance(r, BaseException))
