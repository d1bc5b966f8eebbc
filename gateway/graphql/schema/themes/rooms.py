"""``themeRooms``: the rooms that use one theme, paged with the rooms cursor machinery."""

from __future__ import annotations

from gateway.graphql.context import Info
from gateway.graphql.errors import GatewayError, bad_input
from gateway.graphql.fanout import Deadline
from gateway.graphql.pagination import MAX_FIRST, Position, Positions, decode_cursor, merge_page
from gateway.graphql.schema.rooms.types import RoomConnection
from gateway.graphql.targets import Target
from gateway.graphql.tenancy import visible_rooms
from providers import RoomPage

__all__ = ["THEME_ROOMS_DOC", "theme_rooms"]

THEME_ROOMS_DOC = (
    "Rooms that use a theme, newest createdAt first, `first` (1 to 100) at a time; "
    "`after` is the `endCursor` of an earlier page for the same theme. Needs `themes:read` "
    "and `rooms:read` (the answer is rooms). An unknown theme is NOT_FOUND; a provider "
    "without themes is UNSUPPORTED; a provider failure fails the query (`failures` stays empty). "
    "Themes are shared by every tenant; the rooms listed are only those the caller sees (a "
    "page may hold fewer than `first`)."
)


def _start(found: Target, first: int, after: str | None, scope: str) -> Positions:
    if after is None:
        return {found.provider: Position(None, first)}
    try:
        positions = decode_cursor(after, scope)
    except GatewayError:
        raise bad_input(
            "after is not a cursor of themeRooms for this theme", field="after"
        ) from None
    return {found.provider: positions.get(found.provider)}


async def theme_rooms(info: Info, found: Target, first: int, after: str | None) -> RoomConnection:
    """One page of the theme's rooms the caller sees; the provider's error, if any, is the
    query's error."""
    budget_seconds = info.context.services.settings.limits.fanout_budget_seconds
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(f"first must be between 1 and {MAX_FIRST}", field="first")
    scope = f"theme:{found.provider}:{found.native_id}"
    start = _start(found, first, after, scope)
    deadline = Deadline(budget_seconds)
    errors: list[Exception] = []

    async def fetch(name: str, cursor: str | None, limit: int) -> RoomPage:
        try:
            return await deadline.run(
                name, found.adapter.theme_rooms(found.native_id, cursor, limit)
            )
        except Exception as error:
            errors.append(error)
            raise

    page = await merge_page(start, first, fetch, scope)
    if errors:
        raise errors[0]
    return RoomConnection.from_domain(await visible_rooms(info, page))
