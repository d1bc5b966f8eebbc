"""Joining Vonage rooms: the room's own URLs, admitted by the sandbox's meeting page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from providers import InvalidRequest, JoinRequest, ParticipantRole, RoomKind, RoomSpec, ThemeSpec
from providers._fake import JoinRefused
from providers.vonage import FakeVonage, VonageAdapter
from tests.support import ManualClock


@pytest.mark.parametrize("role", list(ParticipantRole))
async def test_a_themed_room_url_is_admitted_with_its_role(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock, role: ParticipantRole
) -> None:
    theme = await adapter.create_theme(
        ThemeSpec(main_color="#ff6600", brand_text="Orange", short_company_url="orange-inc")
    )
    expires = clock.datetime() + timedelta(days=3)
    spec = RoomSpec("x", kind=RoomKind.LONG_TERM, expires_at=expires, theme_id=theme.native_id)
    room = await adapter.create_room(spec)

    grant = await adapter.join_room(room.native_id, JoinRequest(role=role))

    assert grant.url is not None
    assert grant.url.startswith("https://meetings.vonage.com/orange-inc/")
    assert grant.token is None
    assert grant.expires_at == room.expires_at
    admission = fake.check_join(grant.url)
    assert admission.room_id == room.native_id
    assert admission.moderator is (role is ParticipantRole.HOST)


async def test_an_expired_room_neither_joins_nor_admits(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    room = await adapter.create_room(RoomSpec("x"))
    grant = await adapter.join_room(room.native_id, JoinRequest())
    clock.advance(11 * 60)  # an instant room lasts 10 minutes
    assert grant.url is not None
    with pytest.raises(JoinRefused):
        fake.check_join(grant.url)
    with pytest.raises(InvalidRequest) as caught:
        await adapter.join_room(room.native_id, JoinRequest())
    assert caught.value.field == "roomId"
