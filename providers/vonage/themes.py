"""Theme operations (Vonage is the only provider with themes), logos and the app default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.errors import InvalidRequest, ProviderUnavailable
from providers.models import RoomPage, Theme, ThemeLogos, ThemeSpec, ThemeUpdate
from providers.vonage import theme_input
from providers.vonage.core import VonageCore
from providers.vonage.payloads import logo_upload_form, theme_records, to_theme

__all__ = ["VonageThemes"]

#: the S3 upload is authorized by its signed form fields; a Vonage token must not go along
_NO_AUTH = httpx.Auth()


class VonageThemes(VonageCore):
    """``/themes``, ``/themes/{id}/rooms``, ``/applications`` and the logo upload flow."""

    async def list_themes(self) -> list[Theme]:
        body = await self._json("GET", "/themes")
        return [to_theme(item) for item in theme_records(body)]

    async def get_theme(self, native_id: str) -> Theme:
        path = f"/themes/{self._known_id(native_id, 'theme')}"
        return to_theme(await self._record("GET", path, key="theme_id"))

    async def create_theme(self, spec: ThemeSpec) -> Theme:
        body = theme_input.create_body(spec)
        return to_theme(await self._record("POST", "/themes", key="theme_id", json=body))

    async def update_theme(self, native_id: str, update: ThemeUpdate) -> Theme:
        details = theme_input.update_details(update)
        path = f"/themes/{self._known_id(native_id, 'theme')}"
        body = {"update_details": details}
        return to_theme(await self._record("PATCH", path, key="theme_id", json=body))

    async def delete_theme(self, native_id: str, *, force: bool = False) -> None:
        """Without ``force`` a theme in use is refused; with it, its rooms fall back to
        the application's default theme."""
        path = f"/themes/{self._known_id(native_id, 'theme')}"
        try:
            await self._request("DELETE", path, params={"force": "true" if force else "false"})
        finally:
            self._listings.clear()  # a forced deletion re-themes rooms

    async def set_default_theme(self, native_id: str) -> Theme:
        """Make the theme the application's default (``PATCH /applications``)."""
        theme = await self.get_theme(native_id)
        body = {"update_details": {"default_theme_id": theme.native_id}}
        await self._request("PATCH", "/applications", json=body)
        return theme

    async def theme_rooms(self, native_id: str, cursor: str | None, limit: int) -> RoomPage:
        """One keyset page of the rooms that use a theme."""
        path = f"/themes/{self._known_id(native_id, 'theme')}/rooms"
        return await self._room_page(path, cursor, limit)

    async def upload_theme_logo(self, native_id: str, logo_type: str, png: bytes) -> Theme:
        """Upload one ``white``, ``colored`` or ``favicon`` PNG to a theme."""
        theme_input.check_logo(logo_type, png)
        return await self._set_logos(native_id, {logo_type: png})

    async def upload_theme_logos(self, native_id: str, logos: ThemeLogos) -> Theme:
        """Upload the given logos to a theme, checked first against the documented rules.

        All or nothing: the theme changes only at the last step (``finalizeLogos``), which
        sets every logo at once. Files uploaded before a failure stay unused in Vonage's
        auto-expiring temporary storage."""
        given = logos.given()
        if not given:
            raise InvalidRequest(self.name, "give at least one logo: colored, white or favicon")
        for kind, logo in given.items():
            theme_input.check_logo_file(kind, logo)
        images = {kind: logo.content for kind, logo in given.items()}
        return await self._set_logos(native_id, images)

    async def _set_logos(self, native_id: str, images: Mapping[str, bytes]) -> Theme:
        """A pre-signed S3 form per logo from Vonage, the S3 uploads, then ``finalizeLogos``
        with every key. An unknown theme is refused before anything is uploaded."""
        path = f"/themes/{self._known_id(native_id, 'theme')}"
        await self._record("GET", path, key="theme_id")
        forms = await self._json("GET", "/themes/logos-upload-urls")
        keys = [await self._upload(forms, kind, png) for kind, png in images.items()]
        await self._request("PUT", f"{path}/finalizeLogos", json={"keys": keys})
        return await self.get_theme(native_id)

    async def _upload(self, forms: Any, logo_type: str, png: bytes) -> str:
        """Send one logo to its S3 form; the storage key that ``finalizeLogos`` takes."""
        form = logo_upload_form(forms, logo_type)
        if form is None:
            raise ProviderUnavailable(self.name, f"no upload form offered for a {logo_type} logo")
        url, fields = form
        files = {"file": ("logo.png", png, "image/png")}
        await self._request("POST", url, data=fields, files=files, auth=_NO_AUTH, retry=False)
        return fields["key"]
