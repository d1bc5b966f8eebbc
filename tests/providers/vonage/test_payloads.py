"""Wire JSON (seed documents, documented shapes) maps to the neutral models."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from providers import JoinApproval, RecordingOptions, RecordingStatus, RoomKind
from providers.vonage.payloads import (
    describe_error,
    format_time,
    logo_upload_form,
    next_start_id,
    parse_time,
    theme_records,
    to_recording,
    to_room,
    to_room_page,
    to_theme,
)
from tests.providers.vonage.helpers import fixture


def test_seed_000_instant_room() -> None:
    room = to_room(fixture("s000_instant_room.json"))
    assert room.id == "vonage:a66e451f-794c-460a-b95a-cd60f5dbdc1a"
    assert room.display_name == "New Meeting Room"
    assert room.kind is RoomKind.INSTANT
    assert room.created_at == datetime(2021, 10, 19, 17, 44, 17, 220000, tzinfo=UTC)
    assert room.expires_at == datetime(2021, 10, 19, 17, 54, 17, 219000, tzinfo=UTC)
    assert room.available is True
    assert room.meeting_code == "982515622"
    assert room.guest_url == "https://meetings.vonage.com/982515622"
    assert room.host_url is not None
    assert room.host_url.startswith("https://meetings.vonage.com/?room_token=982515622&")
    assert room.recording == RecordingOptions(auto_record=True, record_only_owner=True)
    assert room.metadata is None
    # the seed's placeholder "abc123" is no valid level
    assert room.join_approval is None
    assert room.raw["expire_after_use"] is False


def test_seed_001_long_term_room() -> None:
    room = to_room(fixture("s001_long_term_room.json"))
    assert room.native_id == "bc41d742-b336-4bf6-8643-aa97b5f5025c"
    assert room.display_name == "New Meeting Room"
    assert room.kind is RoomKind.LONG_TERM
    assert room.created_at == datetime(2022, 10, 19, 18, 22, 24, 965000, tzinfo=UTC)
    assert room.available is True
    assert room.metadata is None
    # the seed's link hrefs are blank: no URL rather than an empty one
    assert room.host_url is None
    assert room.guest_url is None
    assert room.expires_at == datetime(2022, 10, 21, 18, 45, 50, 901000, tzinfo=UTC)
    assert room.theme_id == "e8b1d80b-8f78-4578-94f2-328596e01387"
    assert room.recording == RecordingOptions(auto_record=True, record_only_owner=False)
    assert room.meeting_code == "117744699"
    assert room.raw["initial_join_options"] == {"microphone_state": "default"}


def test_seed_003_instant_room() -> None:
    room = to_room(fixture("s003_instant_room.json"))
    assert room.display_name == "My New Room"
    assert room.kind is RoomKind.INSTANT
    assert room.expires_at == datetime(2022, 3, 29, 8, 1, 18, 513000, tzinfo=UTC)
    assert room.theme_id is None
    assert room.meeting_code == "641766519"
    assert room.recording.auto_record is False


def test_room_page_with_embedded_array_and_schemeless_links() -> None:
    body = fixture("rooms_page.json")
    page = to_room_page(body, requested=2)
    assert [room.display_name for room in page.rooms] == ["first room", "second room"]
    assert page.next_cursor == "2006655"
    first, second = page.rooms
    assert first.join_approval is JoinApproval.EXPLICIT_APPROVAL
    assert second.join_approval is JoinApproval.AFTER_OWNER_ONLY
    assert second.recording == RecordingOptions(auto_record=True, record_only_owner=True)
    assert second.available is False
    assert second.metadata == "team=blue"
    assert second.guest_url == "https://meetings.vonage.com/acme/254629696"


def test_room_page_with_embedded_rooms_object() -> None:
    body = fixture("rooms_page.json")
    body["_embedded"] = {"rooms": body["_embedded"]}
    page = to_room_page(body, requested=2)
    assert len(page.rooms) == 2
    assert page.next_cursor == "2006655"


def test_short_page_ends_even_though_next_is_linked() -> None:
    body = fixture("rooms_page.json")
    body["page_size"] = 20
    assert to_room_page(body, requested=20).next_cursor is None


def test_next_link_repeating_the_cursor_ends_the_walk() -> None:
    body = fixture("rooms_page.json")
    assert to_room_page(body, requested=2, cursor="2006655").next_cursor is None


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("api-eu.vonage.com/meetings/rooms?page_size=20&start_id=2006655", "2006655"),
        ("https://api-eu.vonage.com/meetings/rooms?start_id=7&page_size=20", "7"),
        ("api-eu.vonage.com/meetings/rooms?page_size=20&end_id=3", None),
    ],
)
def test_next_start_id(href: str, expected: str | None) -> None:
    assert next_start_id({"_links": {"next": {"href": href}}}) == expected


def test_theme() -> None:
    theme = to_theme(fixture("theme.json"))
    assert theme.id == "vonage:90a21428-b74a-4221-adc3-783935d654db"
    assert theme.name == "my_theme"
    assert theme.main_color == "#12f64e"
    assert theme.brand_text == "My Company"
    assert theme.short_company_url == "my-company"
    assert theme.brand_image_white_url == "https://logos.example/white.png"
    assert theme.brand_image_colored_url is None


@pytest.mark.parametrize("body", [{}, [], None])
def test_no_themes_in_either_empty_shape(body: object) -> None:
    assert theme_records(body) == []


def test_recording() -> None:
    data = fixture("session_recordings.json")["_embedded"]["recordings"][0]
    recording = to_recording(data, "room-1")
    assert recording.native_id == "e5b73c98-c087-4ee5-b61b-0ea08204fc65"
    assert recording.session_id is not None
    assert recording.session_id.startswith("1_MX40")
    assert recording.status is RecordingStatus.READY
    assert recording.raw["status"] == "uploaded"
    assert recording.duration_seconds == 9.0
    assert recording.room_native_id == "room-1"
    assert recording.url is not None
    assert recording.url.endswith("archive.mp4?Expires=1674688058")


def test_times() -> None:
    moment = datetime(2023, 1, 24, 3, 20, 38, 629000, tzinfo=UTC)
    assert format_time(moment) == "2023-01-24T03:20:38.629Z"
    assert parse_time("2023-01-24T03:20:38.629Z") == moment
    assert parse_time("2023-01-24T04:20:38.629+01:00") == moment
    assert parse_time("not a date") is None
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "message": "could not delete theme",
                "name": "BadRequestError",
                "status": 400,
                "errors": ["Theme 90a2 is used by 1 room"],
            },
            "BadRequestError: could not delete theme (Theme 90a2 is used by 1 room)",
        ),
        (
            {
                "message": "could not finalize logos",
                "name": "BadRequestError",
                "status": 400,
                "errors": [{"logoKey": "not-a-key", "code": "key_not_found"}],
            },
            "BadRequestError: could not finalize logos (logoKey=not-a-key code=key_not_found)",
        ),
        (
            {"title": "Unauthorized", "detail": "You did not provide correct credentials"},
            "Unauthorized: You did not provide correct credentials",
        ),
        (
            '<?xml version="1.0"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
            "<Message>The request signature we calculated does not match</Message></Error>",
            "SignatureDoesNotMatch: The request signature we calculated does not match",
        ),
        ({}, None),
    ],
)
def test_error_bodies(body: object, expected: str | None) -> None:
    assert describe_error(body) == expected


def test_logo_upload_form_picks_the_logo_type() -> None:
    forms = [
        {"url": "https://s3.example/b", "fields": {"key": f"k-{kind}", "logoType": kind}}
        for kind in ("white", "colored", "favicon")
    ]
    assert logo_upload_form(forms, "colored") == (
        "https://s3.example/b",
        {"key": "k-colored", "logoType": "colored"},
    )
    assert logo_upload_form({}, "white") is None
