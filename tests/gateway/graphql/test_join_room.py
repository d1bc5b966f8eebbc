"""joinRoom end to end: each sandbox accepts the credentials it was given, for the right role."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any, cast

import jwt
import pytest

from providers._fake import Admission, JoinRefused
from providers.metered import FakeMetered
from providers.videosdk import FakeVideoSDK
from providers.vonage import FakeVonage
from tests.gateway.graphql.helpers import Gateway, gateway, requests_to
from tests.support import jwt_settings, make_token

JOIN = """
mutation($input: JoinRoomInput!) {
  joinRoom(input: $input) {
    roomId provider nativeRoomId role url token expiresAt participantId
  }
}
"""
CREATE = """
mutation($input: CreateRoomInput!) {
  createRoom(input: $input) { id nativeId expiresAt joinApproval }
}
"""
ROOM = "query($id: ID!) { room(id: $id) { id hostUrl guestUrl raw } }"
UNKNOWN = {
    "VONAGE": "vonage:3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "METERED": "metered:noSuchRoom",
    "VIDEOSDK": "videosdk:abc-defg-hijk",
}


async def create(gw: Gateway, provider: str, **fields: Any) -> dict[str, Any]:
    data = await gw.data(CREATE, {"input": {"provider": provider, "displayName": "x", **fields}})
    room: dict[str, Any] = data["createRoom"]
    return room


async def join(gw: Gateway, room_id: str, token: str | None = None, **fields: Any) -> Any:
    data = await gw.data(JOIN, {"input": {"roomId": room_id, **fields}}, token)
    return data["joinRoom"]


def vonage(gw: Gateway) -> FakeVonage:
    return cast(FakeVonage, gw.sandbox("vonage"))


def metered(gw: Gateway) -> FakeMetered:
    return cast(FakeMetered, gw.sandbox("metered"))


def videosdk(gw: Gateway) -> FakeVideoSDK:
    return cast(FakeVideoSDK, gw.sandbox("videosdk"))


def admitted(gw: Gateway, provider: str, credentials: dict[str, Any]) -> Admission:
    """What the provider's own page or meeting server makes of the credentials."""
    native = credentials["nativeRoomId"]
    if provider == "VONAGE":
        return vonage(gw).check_join(credentials["url"])
    if provider == "METERED":
        return metered(gw).check_join(native, credentials["token"])
    return videosdk(gw).check_join(native, credentials["token"])


@pytest.mark.parametrize("provider", ["VONAGE", "METERED", "VIDEOSDK"])
@pytest.mark.parametrize("role", ["GUEST", "HOST"])
async def test_the_sandbox_admits_the_credentials_with_the_role(provider: str, role: str) -> None:
    async with gateway() as gw:
        room = await create(gw, provider)
        credentials = await join(gw, room["id"], role=role)
        admission = admitted(gw, provider, credentials)
    assert credentials["roomId"] == room["id"]
    assert credentials["provider"] == provider
    assert credentials["nativeRoomId"] == room["nativeId"]
    assert credentials["role"] == role
    assert admission.room_id == room["nativeId"]
    assert admission.moderator is (role == "HOST")
    assert admission.waiting is False


async def test_vonage_gives_the_room_url_and_expiry_and_no_token() -> None:
    async with gateway() as gw:
        room = await create(gw, "VONAGE")
        guest = await join(gw, room["id"])
        host = await join(gw, room["id"], role="HOST")
        shown = await gw.data(ROOM, {"id": room["id"]})
    assert guest["url"] == shown["room"]["guestUrl"]
    assert host["url"] == shown["room"]["hostUrl"]
    assert "participant_token=" in host["url"]
    assert guest["token"] is None
    assert host["token"] is None
    assert guest["expiresAt"] == room["expiresAt"]


async def test_a_vonage_url_of_another_role_or_room_is_refused() -> None:
    async with gateway() as gw:
        room = await create(gw, "VONAGE")
        host = await join(gw, room["id"], role="HOST")
        forged = host["url"].replace("participant_token=", "participant_token=x")
        with pytest.raises(JoinRefused):
            vonage(gw).check_join(forged)


async def test_metered_asks_post_token_for_the_room_with_the_participant() -> None:
    before = int(time.time())
    async with gateway() as gw:
        room = await create(gw, "METERED")
        credentials = await join(
            gw,
            room["id"],
            role="HOST",
            participantId="user-42",
            participantName="Ada",
            ttlSeconds=600,
        )
        (sent,) = requests_to(metered(gw), "POST", "/token")
        admission = metered(gw).check_join(room["nativeId"], credentials["token"])
    body = json.loads(sent.content)
    assert body["roomName"] == room["nativeId"]
    assert body["isAdmin"] is True
    assert body["name"] == "Ada"
    assert body["externalUserId"] == "user-42"
    assert before + 600 <= body["expireUnixSec"] <= int(time.time()) + 600
    assert credentials["url"] == f"https://sandbox.metered.live/{room['nativeId']}"
    assert datetime.fromisoformat(credentials["expiresAt"]).timestamp() == body["expireUnixSec"]
    assert admission.participant_id == "user-42"
    assert admission.name == "Ada"


async def test_a_metered_token_works_for_its_room_only() -> None:
    async with gateway() as gw:
        first, second = await create(gw, "METERED"), await create(gw, "METERED")
        credentials = await join(gw, first["id"])
        with pytest.raises(JoinRefused):
            metered(gw).check_join(second["nativeId"], credentials["token"])


async def test_a_private_metered_room_admits_only_with_the_token() -> None:
    async with gateway() as gw:
        room = await create(gw, "METERED", joinApproval="AFTER_OWNER_ONLY")
        credentials = await join(gw, room["id"])
        with pytest.raises(JoinRefused):
            metered(gw).check_join(room["nativeId"])
        admission = metered(gw).check_join(room["nativeId"], credentials["token"])
    assert room["joinApproval"] == "AFTER_OWNER_ONLY"
    assert admission.moderator is False


def videosdk_claims(gw: Gateway, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, videosdk(gw).secret, algorithms=["HS256"])
    return claims


@pytest.mark.parametrize(
    ("role", "permissions"), [("GUEST", ["allow_join"]), ("HOST", ["allow_join", "allow_mod"])]
)
async def test_a_videosdk_participant_jwt_as_documented(role: str, permissions: list[str]) -> None:
    async with gateway() as gw:
        room = await create(gw, "VIDEOSDK")
        credentials = await join(gw, room["id"], role=role, participantId="p-1", ttlSeconds=120)
        claims = videosdk_claims(gw, credentials["token"])
        api_key = videosdk(gw).api_key
    assert claims == {
        "apikey": api_key,
        "permissions": permissions,
        "version": 2,
        "roomId": room["nativeId"],
        "participantId": "p-1",
        "roles": ["rtc"],
        "iat": claims["iat"],
        "exp": claims["iat"] + 120,
    }
    assert credentials["participantId"] == "p-1"
    assert credentials["url"] is None
    assert datetime.fromisoformat(credentials["expiresAt"]).timestamp() == claims["exp"]


async def test_a_videosdk_participant_id_is_generated_when_not_given() -> None:
    async with gateway() as gw:
        room = await create(gw, "VIDEOSDK")
        first = await join(gw, room["id"])
        second = await join(gw, room["id"])
        claims = videosdk_claims(gw, first["token"])
    assert first["participantId"]
    assert first["participantId"] != second["participantId"]
    assert claims["participantId"] == first["participantId"]


async def test_a_videosdk_room_needing_approval_makes_guests_ask() -> None:
    async with gateway() as gw:
        room = await create(gw, "VIDEOSDK", joinApproval="EXPLICIT_APPROVAL")
        guest = await join(gw, room["id"])
        host = await join(gw, room["id"], role="HOST")
        guest_admission = videosdk(gw).check_join(room["nativeId"], guest["token"])
        host_admission = videosdk(gw).check_join(room["nativeId"], host["token"])
        read = await gw.data(
            "query($id: ID!) { room(id: $id) { joinApproval } }", {"id": room["id"]}
        )
    assert videosdk_claims(gw, guest["token"])["permissions"] == ["ask_join"]
    assert guest_admission.waiting is True
    assert host_admission.waiting is False
    assert host_admission.moderator is True
    assert room["joinApproval"] == read["room"]["joinApproval"] == "EXPLICIT_APPROVAL"


async def test_a_videosdk_token_for_another_room_or_signed_otherwise_is_refused() -> None:
    async with gateway() as gw:
        first, second = await create(gw, "VIDEOSDK"), await create(gw, "VIDEOSDK")
        credentials = await join(gw, first["id"])
        forged = jwt.encode(videosdk_claims(gw, credentials["token"]), "x" * 32, "HS256")
        with pytest.raises(JoinRefused, match="another room"):
            videosdk(gw).check_join(second["nativeId"], credentials["token"])
        with pytest.raises(JoinRefused, match="invalid token"):
            videosdk(gw).check_join(first["nativeId"], forged)


# scopes
@pytest.mark.parametrize(
    ("scopes", "role", "missing"),
    [
        ("rooms:join", "HOST", "rooms:host"),
        ("rooms:host rooms:read rooms:write", "GUEST", "rooms:join"),
        ("rooms:read rooms:write", "GUEST", "rooms:join"),
    ],
)
async def test_the_role_needs_its_scope(scopes: str, role: str, missing: str) -> None:
    async with gateway(jwt_settings()) as gw:
        room = await create_with_token(gw)
        before = len(metered(gw).requests)
        error = await gw.error(
            JOIN, {"input": {"roomId": room, "role": role}}, token=make_token(scopes)
        )
        after = len(metered(gw).requests)
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": missing}
    assert error["path"] == ["joinRoom"]
    assert after == before


async def create_with_token(gw: Gateway) -> str:
    data = await gw.data(
        'mutation { createRoom(input: {provider: METERED, displayName: "x"}) { id } }',
        token=make_token("rooms:write"),
    )
    room_id: str = data["createRoom"]["id"]
    return room_id


@pytest.mark.parametrize(("scopes", "role"), [("rooms:join", "GUEST"), ("rooms:host", "HOST")])
async def test_the_role_scope_alone_is_enough(scopes: str, role: str) -> None:
    async with gateway(jwt_settings()) as gw:
        room = await create_with_token(gw)
        credentials = await join(gw, room, make_token(scopes), role=role)
    assert credentials["role"] == role
    assert credentials["token"]


async def test_host_url_only_for_rooms_host() -> None:
    async with gateway(jwt_settings()) as gw:
        created = await gw.data(
            'mutation { createRoom(input: {provider: VONAGE, displayName: "x"}) '
            "{ id hostUrl raw } }",
            token=make_token("rooms:write"),
        )
        room_id = created["createRoom"]["id"]
        plain = await gw.data(ROOM, {"id": room_id}, make_token("rooms:read"))
        listed = await gw.data(
            "{ rooms { nodes { hostUrl raw } } }", None, make_token("rooms:read")
        )
        host = await gw.data(ROOM, {"id": room_id}, make_token("rooms:read rooms:host"))
    host_url = host["room"]["hostUrl"]
    assert host_url.startswith("https://meetings.vonage.com/?room_token=")
    assert host["room"]["raw"]["_links"]["host_url"]["href"] == host_url
    for shown in (created["createRoom"], plain["room"], listed["rooms"]["nodes"][0]):
        assert shown["hostUrl"] is None
        assert host_url not in json.dumps(shown["raw"])
        assert shown["raw"]["_links"]["guest_url"]["href"] == host["room"]["guestUrl"]


# bad input and provider errors
@pytest.mark.parametrize("ttl", [59, 86_401, 0, -5])
async def test_ttl_out_of_range(ttl: int) -> None:
    async with gateway() as gw:
        room = await create(gw, "METERED")
        error = await gw.error(JOIN, {"input": {"roomId": room["id"], "ttlSeconds": ttl}})
        tokens = requests_to(metered(gw), "POST", "/token")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "ttlSeconds"}
    assert "input.ttlSeconds must be between 60 and 86400" in error["message"]
    assert tokens == []


@pytest.mark.parametrize("ttl", [60, 86_400])
async def test_ttl_bounds_are_accepted(ttl: int) -> None:
    async with gateway() as gw:
        room = await create(gw, "VIDEOSDK")
        credentials = await join(gw, room["id"], ttlSeconds=ttl)
        claims = videosdk_claims(gw, credentials["token"])
    assert claims["exp"] - claims["iat"] == ttl


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"participantId": "  "}, "participantId"),
        ({"participantName": "a\nb"}, "participantName"),
        ({"participantName": "x" * 257}, "participantName"),
    ],
)
async def test_participant_fields_are_checked(fields: dict[str, Any], field: str) -> None:
    async with gateway() as gw:
        error = await gw.error(JOIN, {"input": {"roomId": "metered:abc", **fields}})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


@pytest.mark.parametrize("provider", sorted(UNKNOWN))
async def test_an_unknown_room_is_not_found_and_nothing_is_issued(provider: str) -> None:
    async with gateway() as gw:
        error = await gw.error(JOIN, {"input": {"roomId": UNKNOWN[provider], "role": "HOST"}})
        tokens = requests_to(metered(gw), "POST", "/token")
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["provider"] == provider.lower()
    assert tokens == []


@pytest.mark.parametrize(
    "room_id", ["nope", "zoom:abc", "metered:", "metered:a/b", "videosdk:..", "vonage:a?b"]
)
async def test_a_malformed_room_id_is_refused_before_any_call(room_id: str) -> None:
    async with gateway() as gw:
        error = await gw.error(JOIN, {"input": {"roomId": room_id}})
        sent = [r for name in ("vonage", "metered", "videosdk") for r in gw.sandbox(name).requests]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "roomId"
    assert sent == []


@pytest.mark.parametrize("provider", ["METERED", "VIDEOSDK"])
async def test_a_closed_room_is_refused(provider: str) -> None:
    async with gateway() as gw:
        room = await create(gw, provider)
        await gw.data("mutation($id: ID!) { closeRoom(id: $id) { id } }", {"id": room["id"]})
        error = await gw.error(JOIN, {"input": {"roomId": room["id"]}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "roomId"
    assert "closed" in error["message"]


@pytest.mark.parametrize(
    ("status", "code"), [(500, "PROVIDER_UNAVAILABLE"), (400, "PROVIDER_ERROR")]
)
async def test_a_failed_token_call_is_a_provider_error(status: int, code: str) -> None:
    async with gateway() as gw:
        room = await create(gw, "METERED")
        metered(gw).inject(status=status, path_contains="/token", body={"message": "boom"})
        error = await gw.error(JOIN, {"input": {"roomId": room["id"]}})
        tokens = requests_to(metered(gw), "POST", "/token")
    assert error["extensions"]["code"] == code
    assert error["extensions"]["provider"] == "metered"
    assert len(tokens) == 1  # a write: never retried
    assert "secretKey" not in error["message"]


async def test_a_failed_room_check_issues_nothing() -> None:
    async with gateway() as gw:
        room = await create(gw, "VIDEOSDK")
        videosdk(gw).inject(status=503, times=10, path_contains="/rooms/")
        error = await gw.error(JOIN, {"input": {"roomId": room["id"]}})
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["provider"] == "videosdk"


@pytest.mark.parametrize("provider", ["VONAGE", "METERED", "VIDEOSDK"])
async def test_credentials_never_reach_the_logs(
    provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with gateway() as gw:
            room = await create(gw, provider)
            credentials = await join(gw, room["id"], role="HOST")
            logging.getLogger("gateway.graphql").warning("issued %s", credentials)
    secret = credentials["token"] or credentials["url"].partition("participant_token=")[2]
    assert secret
    assert secret not in caplog.text
