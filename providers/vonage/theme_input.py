"""Theme and logo input checked against the documented rules, before any HTTP call."""

from __future__ import annotations

import re
import struct
from typing import Any

from providers.errors import InvalidRequest
from providers.models import LogoFile, ThemeSpec, ThemeUpdate, Unset
from providers.vonage.payloads import PROVIDER

__all__ = [
    "LOGO_TYPES",
    "MAX_LOGO_BYTES",
    "check_logo",
    "check_logo_file",
    "create_body",
    "png_size",
    "update_details",
]

LOGO_TYPES = ("white", "colored", "favicon")
MAX_LOGO_BYTES = 1024 * 1024
MAX_TEXT = 200
MAX_SHORT_URL = 128

_COLOR = re.compile(r"^#([a-fA-F0-9]{6}|[a-fA-F0-9]{3})$")
_SHORT_URL = re.compile(r"^(?=.*[a-zA-Z_~-])([a-zA-Z0-9_~-]+)$")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LOGO_MEDIA_TYPES = frozenset({"image/png", "application/octet-stream", None})
_IHDR_END = 24


def _invalid(message: str, field: str) -> InvalidRequest:
    return InvalidRequest(PROVIDER, message, field=field)


def _main_color(value: str) -> str:
    if not _COLOR.match(value):
        raise _invalid("mainColor must be a hex colour like #12f64e or #fff", "mainColor")
    return value


def _text(value: str, field: str) -> str:
    if not value.strip():
        raise _invalid(f"{field} must not be blank", field)
    if len(value) > MAX_TEXT:
        raise _invalid(f"{field} is longer than {MAX_TEXT} characters", field)
    return value


def _short_url(value: str) -> str:
    if len(value) > MAX_SHORT_URL or not _SHORT_URL.match(value):
        raise _invalid(
            "shortCompanyUrl must be at most 128 letters, digits, '_', '~' or '-' "
            "and contain at least one non-digit",
            "shortCompanyUrl",
        )
    return value


def create_body(spec: ThemeSpec) -> dict[str, Any]:
    """The ``POST /themes`` body."""
    body: dict[str, Any] = {
        "main_color": _main_color(spec.main_color),
        "brand_text": _text(spec.brand_text, "brandText"),
    }
    if spec.name is not None:
        body["theme_name"] = _text(spec.name, "name")
    if spec.short_company_url is not None:
        body["short_company_url"] = _short_url(spec.short_company_url)
    return body


def _given(value: str | Unset | None, field: str) -> str | None:
    if isinstance(value, Unset):
        return None
    if value is None:
        raise _invalid(f"{field} cannot be removed from a theme", field)
    return value


def update_details(update: ThemeUpdate) -> dict[str, Any]:
    """The ``update_details`` of ``PATCH /themes/{id}``; fields cannot be cleared."""
    details: dict[str, Any] = {}
    if (name := _given(update.name, "name")) is not None:
        details["theme_name"] = _text(name, "name")
    if (color := _given(update.main_color, "mainColor")) is not None:
        details["main_color"] = _main_color(color)
    if (text := _given(update.brand_text, "brandText")) is not None:
        details["brand_text"] = _text(text, "brandText")
    if (short := _given(update.short_company_url, "shortCompanyUrl")) is not None:
        details["short_company_url"] = _short_url(short)
    if not details:
        raise InvalidRequest(PROVIDER, "nothing to update: give at least one field")
    return details


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG header, or ``None`` when ``data`` is not a PNG."""
    if len(data) < _IHDR_END or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:_IHDR_END])
    return int(width), int(height)


def check_logo(logo_type: str, data: bytes, field: str = "logo") -> None:
    """PNG, at most 1 MB; white/colored 1-300 px a side; favicon square, 16-32 px."""
    if logo_type not in LOGO_TYPES:
        raise _invalid(f"logoType must be one of {', '.join(LOGO_TYPES)}", "logoType")
    size = png_size(data)
    if size is None:
        raise _invalid(f"the {logo_type} logo must be a PNG image", field)
    if len(data) > MAX_LOGO_BYTES:
        raise _invalid(f"the {logo_type} logo is larger than 1 MB", field)
    width, height = size
    if logo_type == "favicon" and not (width == height and 16 <= width <= 32):
        raise _invalid("a favicon must be square, from 16x16 to 32x32 pixels", field)
    if logo_type != "favicon" and not (1 <= width <= 300 and 1 <= height <= 300):
        raise _invalid(f"a {logo_type} logo must be 1 to 300 pixels a side", field)


def check_logo_file(kind: str, logo: LogoFile) -> None:
    """``check_logo`` naming the field ``kind``, after the declared media type: PNG, or
    none in particular (``application/octet-stream``)."""
    if logo.media_type not in _LOGO_MEDIA_TYPES:
        raise _invalid(f"{kind} must be a PNG image (image/png), not {logo.media_type}", kind)
    check_logo(kind, logo.content, field=kind)
