"""The GraphiQL tabs ``gateway dev`` opens with: the README tour, one line per tab.

Each tab is one named operation (GraphiQL titles the tab with its name) and a comment line
above it; the page pretty-prints the document, so a tab fits on one line here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

__all__ = ["TOUR", "Tab", "tabs_json"]


@dataclass(frozen=True, slots=True)
class Tab:
    """One GraphiQL tab: a hint shown as a comment, then the operation."""

    hint: str
    document: str


# fmt: off
TOUR: tuple[Tab, ...] = (
    Tab("Every room of every provider", "query rooms { rooms { nodes { id displayName guestUrl } failures { provider message } } }"),  # noqa: E501
    Tab("A Vonage sandbox room; note its nativeId", 'mutation createRoom { createRoom(input: {provider: VONAGE, displayName: "Demo"}) { id nativeId displayName guestUrl } }'),  # noqa: E501
    Tab("Join it: paste the id from createRoom", 'mutation joinRoom { joinRoom(input: {roomId: "vonage:PASTE-NATIVE-ID", role: GUEST, participantName: "Ann"}) { url token expiresAt } }'),  # noqa: E501
    Tab("Run it, then let the sandbox send a join", "subscription roomEvents { roomEvents { __typename type roomId occurredAt cursor ... on ParticipantEvent { participantName isHost } } }"),  # noqa: E501
    Tab("Who is in the room now, live: paste the id again", 'subscription roomState { roomState(roomId: "vonage:PASTE-NATIVE-ID") { state { active sessionId participants { id name } } event { type } } }'),  # noqa: E501
)
# fmt: on


def tabs_json(tabs: tuple[Tab, ...]) -> str:
    """The tabs as the page reads them (a JSON list of ``{hint, document}``)."""
    return json.dumps([asdict(tab) for tab in tabs], separators=(",", ":"))
