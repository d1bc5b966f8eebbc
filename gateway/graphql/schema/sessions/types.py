"""GraphQL output types of sessions, participants and dial-in numbers."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.graphql.enums import Provider, provider_enum
from gateway.graphql.scalars import JSON
from gateway.graphql.schema.rooms.types import PageInfo
from providers import DialInNumber as DomainDialInNumber
from providers import Participant as DomainParticipant
from providers import Session as DomainSession
from providers import global_id

__all__ = ["DialInNumber", "Participant", "Session", "SessionConnection"]

SESSION_DOC = (
    "One meeting held in a room: from the provider's sessions API where it has one "
    "(capability SESSIONS), else built from the room's normalized events in the event log "
    "(capability EVENTS: Vonage, Metered), which keeps the newest sessions of each room "
    "(`state.sessions_per_room`) with their first participants "
    "(`state.participants_per_session`); `raw` then holds "
    '`{"source": "events", "droppedParticipants": n}`.'
)


@strawberry.type(description="Someone who took part in a session.")
class Participant:
    id: str = strawberry.field(description="The provider's participant id.")
    name: str | None
    role: str | None
    is_host: bool | None
    joined_at: datetime | None = strawberry.field(description="When they first joined.")
    left_at: datetime | None = strawberry.field(
        description="When they last left; null while present or when unknown."
    )
    present: bool = strawberry.field(description="In the session now.")

    @classmethod
    def from_domain(cls, participant: DomainParticipant) -> Participant:
        return cls(
            id=participant.id,
            name=participant.name,
            role=participant.role,
            is_host=participant.is_host,
            joined_at=participant.joined_at,
            left_at=participant.left_at,
            present=participant.present,
        )


@strawberry.type(description=SESSION_DOC)
class Session:
    id: strawberry.ID = strawberry.field(description='"<provider>:<nativeSessionId>".')
    provider: Provider
    native_id: str
    room_id: strawberry.ID
    started_at: datetime | None
    ended_at: datetime | None = strawberry.field(
        description="Null while active, and for a session whose end was never reported."
    )
    active: bool
    participants: list[Participant]
    raw: JSON

    @classmethod
    def from_domain(cls, session: DomainSession, room_native_id: str) -> Session:
        """``room_native_id`` stands in where the provider's record names no room."""
        room = session.room_native_id or room_native_id
        return cls(
            id=strawberry.ID(session.id),
            provider=provider_enum(session.provider),
            native_id=session.native_id,
            room_id=strawberry.ID(global_id(session.provider, room)),
            started_at=session.started_at,
            ended_at=session.ended_at,
            active=session.active,
            participants=[Participant.from_domain(p) for p in session.participants],
            raw=JSON(dict(session.raw)),
        )


@strawberry.type(description="One page of a room's sessions, newest first.")
class SessionConnection:
    nodes: list[Session]
    page_info: PageInfo


@strawberry.type(description="A phone number to dial into a provider's meetings.")
class DialInNumber:
    provider: Provider
    number: str
    locale: str | None
    display_name: str | None

    @classmethod
    def from_domain(cls, provider: str, number: DomainDialInNumber) -> DialInNumber:
        return cls(
            provider=provider_enum(provider),
            number=number.number,
            locale=number.locale or None,
            display_name=number.display_name or None,
        )
