"""Themes through the sandbox: CRUD, in-use deletion, rooms by theme, default, logos."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from providers import (
    InvalidRequest,
    LogoFile,
    ProviderUnavailable,
    ResourceConflict,
    ResourceNotFound,
    RoomKind,
    RoomSpec,
    ThemeLogos,
    ThemeSpec,
    ThemeUpdate,
)
from providers.vonage import FakeVonage, VonageAdapter
from providers.vonage.fake_base import S3_HOST
from tests.providers.vonage.helpers import png
from tests.support import ManualClock

UNKNOWN = "0c8bb2b8-4a7b-4f51-a3c4-6b6f5e1d9c00"


def _spec(name: str | None = "Orange", short_url: str | None = None) -> ThemeSpec:
    return ThemeSpec(
        main_color="#ff8800", brand_text="Orange Inc", name=name, short_company_url=short_url
    )


async def _themed_room(adapter: VonageAdapter, clock: ManualClock, theme_id: str) -> str:
    spec = RoomSpec(
        display_name="Branded",
        kind=RoomKind.LONG_TERM,
        expires_at=clock.datetime() + timedelta(days=3),
        theme_id=theme_id,
    )
    return (await adapter.create_room(spec)).native_id


async def test_theme_life_cycle(adapter: VonageAdapter, fake: FakeVonage) -> None:
    assert await adapter.list_themes() == []
    created = await adapter.create_theme(_spec(short_url="orange-inc"))
    assert json.loads(fake.requests[-1].content) == {
        "main_color": "#ff8800",
        "brand_text": "Orange Inc",
        "theme_name": "Orange",
        "short_company_url": "orange-inc",
    }
    assert created.name == "Orange"
    assert created.raw["domain"] == "VCP"
    assert created.raw["application_id"] == fake.application_id
    assert (await adapter.get_theme(created.native_id)).main_color == "#ff8800"
    assert [theme.native_id for theme in await adapter.list_themes()] == [created.native_id]
    updated = await adapter.update_theme(
        created.native_id, ThemeUpdate(main_color="#000", brand_text="Black", name="Night")
    )
    assert json.loads(fake.requests[-1].content) == {
        "update_details": {"theme_name": "Night", "main_color": "#000", "brand_text": "Black"}
    }
    assert (updated.name, updated.main_color, updated.brand_text) == ("Night", "#000", "Black")
    await adapter.delete_theme(created.native_id)
    assert fake.requests[-1].url.params["force"] == "false"
    assert await adapter.list_themes() == []


async def test_theme_name_defaults_to_a_generated_id(adapter: VonageAdapter) -> None:
    theme = await adapter.create_theme(_spec(name=None))
    assert theme.name == theme.native_id


@pytest.mark.parametrize("short_url", [None, "orange"])
async def test_duplicate_name_or_short_url_conflicts(
    adapter: VonageAdapter, short_url: str | None
) -> None:
    await adapter.create_theme(_spec(name="Orange", short_url="orange"))
    name = "Orange" if short_url is None else "Other"
    with pytest.raises(ResourceConflict) as caught:
        await adapter.create_theme(_spec(name=name, short_url=short_url))
    assert caught.value.status == 409
    assert "already exists" in str(caught.value)


async def test_theme_quota(adapter: VonageAdapter, fake: FakeVonage) -> None:
    fake.max_themes = 1
    await adapter.create_theme(_spec(name="one"))
    with pytest.raises(InvalidRequest, match="exceeded maximum theme limit"):
        await adapter.create_theme(_spec(name="two"))


@pytest.mark.parametrize("theme_id", [UNKNOWN, "orange"])
async def test_unknown_theme_is_not_found(adapter: VonageAdapter, theme_id: str) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.get_theme(theme_id)
    with pytest.raises(ResourceNotFound):
        await adapter.delete_theme(theme_id)


async def test_theme_in_use_needs_force(
    adapter: VonageAdapter, fake: FakeVonage, clock: ManualClock
) -> None:
    theme = await adapter.create_theme(_spec())
    room_id = await _themed_room(adapter, clock, theme.native_id)
    with pytest.raises(InvalidRequest) as caught:
        await adapter.delete_theme(theme.native_id)
    assert caught.value.status == 400
    assert f"Theme {theme.native_id} is used by 1 room" in str(caught.value)
    await adapter.delete_theme(theme.native_id, force=True)
    assert fake.requests[-1].url.params["force"] == "true"
    assert (await adapter.get_room(room_id)).theme_id is None


async def test_rooms_using_a_theme_page_to_the_end(
    adapter: VonageAdapter, clock: ManualClock
) -> None:
    theme = await adapter.create_theme(_spec())
    await adapter.create_room(RoomSpec(display_name="plain"))
    themed = []
    for _ in range(5):
        themed.append(await _themed_room(adapter, clock, theme.native_id))
        clock.advance(1)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await adapter.theme_rooms(theme.native_id, cursor, 2)
        seen.extend(room.native_id for room in page.rooms)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == themed[::-1]  # newest first


async def test_rooms_of_unknown_theme(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound, match="Failed to get rooms because theme id"):
        await adapter.theme_rooms(UNKNOWN, None, 10)


async def test_default_theme_brands_the_join_urls(adapter: VonageAdapter, fake: FakeVonage) -> None:
    theme = await adapter.create_theme(_spec(short_url="orange-inc"))
    result = await adapter.set_default_theme(theme.native_id)
    assert result.native_id == theme.native_id
    request = fake.requests[-1]
    assert (request.method, request.url.path) == ("PATCH", "/v1/meetings/applications")
    assert json.loads(request.content) == {"update_details": {"default_theme_id": theme.native_id}}
    assert fake.default_theme_id == theme.native_id
    room = await adapter.create_room(RoomSpec(display_name="Branded"))
    assert room.guest_url == f"https://meetings.vonage.com/orange-inc/{room.meeting_code}"


async def test_default_theme_must_exist(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.set_default_theme(UNKNOWN)


async def test_logo_upload_in_three_steps(adapter: VonageAdapter, fake: FakeVonage) -> None:
    theme = await adapter.create_theme(_spec())
    logo = png(120, 40)
    updated = await adapter.upload_theme_logo(theme.native_id, "colored", logo)
    s3 = [request for request in fake.requests if request.url.host == S3_HOST]
    assert len(s3) == 1
    assert "authorization" not in s3[0].headers
    assert s3[0].headers["content-type"].startswith("multipart/form-data")
    assert list(fake.uploaded.values()) == [logo]
    finalize = next(r for r in fake.requests if r.url.path.endswith("/finalizeLogos"))
    assert finalize.method == "PUT"
    assert finalize.headers["authorization"].startswith("Bearer ")
    (key,) = json.loads(finalize.content)["keys"]
    assert key.startswith("auto-expiring-temp/logos/colored/")
    assert updated.brand_image_colored_url is not None
    assert updated.brand_image_colored_url.endswith(key.removeprefix("auto-expiring-temp/"))
    assert updated.brand_image_white_url is None


async def test_favicon_upload(adapter: VonageAdapter) -> None:
    theme = await adapter.create_theme(_spec())
    updated = await adapter.upload_theme_logo(theme.native_id, "favicon", png(32, 32))
    assert updated.branded_favicon_url is not None


async def test_logo_without_transparency_is_refused_by_the_api(adapter: VonageAdapter) -> None:
    theme = await adapter.create_theme(_spec())
    with pytest.raises(InvalidRequest) as caught:
        await adapter.upload_theme_logo(theme.native_id, "white", png(50, 50, alpha=False))
    message = str(caught.value)
    assert "could not finalize logos" in message
    assert "invalid_logo_properties" in message
    assert "transparent_bg" in message


async def test_finalizing_an_unknown_key_is_refused(adapter: VonageAdapter) -> None:
    theme = await adapter.create_theme(_spec())
    response = await adapter.client.put(
        f"/themes/{theme.native_id}/finalizeLogos", json={"keys": ["not-a-key"]}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"logoKey": "not-a-key", "code": "key_not_found"}]


async def test_s3_refuses_a_vonage_token_and_a_tampered_form(
    adapter: VonageAdapter,
) -> None:
    forms = (await adapter.client.get("/themes/logos-upload-urls")).json()
    assert [form["fields"]["logoType"] for form in forms] == ["white", "colored", "favicon"]
    url, fields = forms[0]["url"], forms[0]["fields"]
    files = {"file": ("logo.png", png(10, 10), "image/png")}
    with_auth = await adapter.client.post(url, data=fields, files=files)
    assert with_auth.status_code == 400
    assert "<Code>InvalidArgument</Code>" in with_auth.text
    tampered = {**fields, "Policy": "forged"}
    forged = await adapter.client.post(url, data=tampered, files=files, auth=httpx.Auth())
    assert forged.status_code == 403
    assert "SignatureDoesNotMatch" in forged.text


async def test_logo_for_unknown_theme(adapter: VonageAdapter) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.upload_theme_logo(UNKNOWN, "white", png(10, 10))


async def test_every_logo_in_one_finalize(adapter: VonageAdapter, fake: FakeVonage) -> None:
    theme = await adapter.create_theme(_spec())
    logos = ThemeLogos(
        colored=LogoFile(png(120, 40), "image/png"),
        white=LogoFile(png(100, 30), "application/octet-stream"),
        favicon=LogoFile(png(16, 16), None),
    )
    updated = await adapter.upload_theme_logos(theme.native_id, logos)
    forms = [r for r in fake.requests if r.url.path.endswith("/logos-upload-urls")]
    s3 = [r for r in fake.requests if r.url.host == S3_HOST]
    finalizes = [r for r in fake.requests if r.url.path.endswith("/finalizeLogos")]
    assert (len(forms), len(s3), len(finalizes)) == (1, 3, 1)
    keys = json.loads(finalizes[0].content)["keys"]
    assert [key.split("/")[2] for key in keys] == ["colored", "white", "favicon"]
    assert updated.brand_image_colored_url is not None
    assert updated.brand_image_white_url is not None
    assert updated.branded_favicon_url is not None


@pytest.mark.parametrize(
    ("logos", "field"),
    [
        (ThemeLogos(), None),
        (ThemeLogos(white=LogoFile(png(10, 10), "image/jpeg")), "white"),
        (ThemeLogos(colored=LogoFile(b"<svg/>", "image/png")), "colored"),
        (ThemeLogos(favicon=LogoFile(png(64, 64), "image/png")), "favicon"),
    ],
)
async def test_logos_are_checked_before_any_call(
    adapter: VonageAdapter, fake: FakeVonage, logos: ThemeLogos, field: str | None
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await adapter.upload_theme_logos(UNKNOWN, logos)
    assert caught.value.field == field
    assert fake.requests == []


async def test_an_unknown_theme_is_refused_before_uploading(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    with pytest.raises(ResourceNotFound):
        await adapter.upload_theme_logos(UNKNOWN, ThemeLogos(white=LogoFile(png(10, 10))))
    assert [r.url.path.rsplit("/", 1)[-1] for r in fake.requests] == [UNKNOWN]


async def test_a_failed_finalize_leaves_the_theme_as_it_was(
    adapter: VonageAdapter, fake: FakeVonage
) -> None:
    theme = await adapter.create_theme(_spec())
    fake.inject(status=503, times=10, path_contains="/finalizeLogos")
    with pytest.raises(ProviderUnavailable):
        await adapter.upload_theme_logos(theme.native_id, ThemeLogos(white=LogoFile(png(9, 9))))
    assert len(fake.uploaded) == 1
    assert await adapter.get_theme(theme.native_id) == theme
