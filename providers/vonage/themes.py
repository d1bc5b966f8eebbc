"""Theme operations (Vonage is the only provider with themes), logos and the app default."""

from __future__ import annotations

import httpx

from providers.errors import ProviderUnavailable
from providers.models import RoomPage, Theme, ThemeSpec, ThemeUpdate
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
        await self._request("DELETE", path, params={"force": "true" if force else "false"})

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
        """Upload a ``white``, ``colored`` or ``favicon`` PNG to a theme, in three steps:
        a pre-signed S3 form from Vonage, the S3 upload, then ``finalizeLogos``."""
        theme_input.check_logo(logo_type, png)
        path = f"/themes/{self._known_id(native_id, 'theme')}"
        url, fields = await self._upload_form(logo_type)
        files = {"file": ("logo.png", png, "image/png")}
        await self._request("POST", url, data=fields, files=files, auth=_NO_AUTH, retry=False)
        await self._request("PUT", f"{path}/finalizeLogos", json={"keys": [fields["key"]]})
        return await self.get_theme(native_id)

    async def _upload_form(self, logo_type: str) -> tuple[str, dict[str, str]]:
        form = logo_upload_form(await self._json("GET", "/themes/logos-upload-urls"), logo_type)
        if form is None:
            raise ProviderUnavailable(self.name, f"no upload form offered for a {logo_type} logo")
        return form
