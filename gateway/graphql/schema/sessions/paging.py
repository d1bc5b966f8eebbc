"""``first``/``after`` over a room's sessions (newest first).

The cursor names the room, how many sessions preceded the next one and the last session
returned: when sessions that started since push the list down, the walk resumes right
after that session, so none is returned twice.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from gateway.graphql.errors import bad_input
from providers import Session

__all__ = ["SessionPage", "page_of"]

SessionPage = tuple[list[Session], str | None, bool]


def _encode(room_id: str, offset: int, anchor: str) -> str:
    text = json.dumps({"r": room_id, "o": offset, "a": anchor}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _start(sessions: Sequence[Session], room_id: str, after: str) -> int:
    try:
        padded = after + "=" * (-len(after) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
        room, offset, anchor = state["r"], int(state["o"]), str(state["a"])
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        raise bad_input("after is not a cursor returned by sessions", field="after") from None
    if room != room_id:
        raise bad_input("after belongs to the sessions of another room", field="after")
    ids = [session.native_id for session in sessions]
    return ids.index(anchor) + 1 if anchor in ids else max(offset, 0)


def page_of(
    sessions: Sequence[Session], room_id: str, first: int, after: str | None
) -> SessionPage:
    """The page's sessions (``first`` already checked), the cursor after its last one
    (``None`` for an empty page) and whether more follow."""
    start = 0 if after is None else _start(sessions, room_id, after)
    page = list(sessions[start : start + first])
    end = start + len(page)
    cursor = _encode(room_id, end, page[-1].native_id) if page else None
    return page, cursor, end < len(sessions)
