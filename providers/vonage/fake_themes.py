"""The sandbox's themes, application default theme and three-step logo upload (with S3)."""

from __future__ import annotations

import uuid
from email import policy
from email.parser import BytesParser
from typing import Any

import httpx

from providers._fake import json_response
from providers.vonage.fake_base import S3_HOST, S3_URL, VonageSandboxBase
from providers.vonage.fake_wire import (
    THEME_FIELDS,
    bad,
    check_object,
    invalid,
    is_guid,
    json_body,
    update_details,
)
from providers.vonage.theme_input import LOGO_TYPES, MAX_LOGO_BYTES, png_size

__all__ = ["ThemeRoutes"]

LOGO_HOST = "https://prod-meetings-logos.s3.amazonaws.com"
_LOGO_FIELDS = {
    "white": "brand_image_white",
    "colored": "brand_image_colored",
    "favicon": "branded_favicon",
}
_ONE_AUTH = (
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
    "Signature query string parameter or the Authorization header should be specified"
)


def _s3_error(status: int, code: str, message: str) -> httpx.Response:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return httpx.Response(status, text=xml, headers={"content-type": "application/xml"})


def _form(request: httpx.Request) -> dict[str, bytes] | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload
    return fields


def _logo_problem(logo_type: str, data: bytes) -> str | None:
    size = png_size(data)
    if size is None:
        return "type"
    if len(data) > MAX_LOGO_BYTES:
        return "exceeds_size"
    width, height = size
    square = width == height and 16 <= width <= 32
    if (logo_type == "favicon" and not square) or max(width, height) > 300:
        return "dimensions"
    color_type = data[25] if len(data) > 25 else 0
    if color_type not in (4, 6) and b"tRNS" not in data:
        return "transparent_bg"
    return None


class ThemeRoutes(VonageSandboxBase):
    """``/themes…``, ``/applications`` and the S3 host of the logo forms."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.upload_forms: dict[str, dict[str, str]] = {}
        self.uploaded: dict[str, bytes] = {}
        self.route("GET", "/themes/logos-upload-urls", self._logo_forms)
        self.route("POST", "/themes", self._create_theme)
        self.route("GET", "/themes", self._list_themes)
        self.route("GET", "/themes/(?P<theme_id>[^/]+)", self._get_theme)
        self.route("PATCH", "/themes/(?P<theme_id>[^/]+)", self._update_theme)
        self.route("DELETE", "/themes/(?P<theme_id>[^/]+)", self._delete_theme)
        self.route("GET", "/themes/(?P<theme_id>[^/]+)/rooms", self._theme_rooms)
        self.route("PUT", "/themes/(?P<theme_id>[^/]+)/finalizeLogos", self._finalize)
        self.route("PATCH", "/applications", self._update_application)

    async def _dispatch(self, request: httpx.Request) -> httpx.Response:
        # the S3 host of the upload forms takes no Vonage credentials
        if request.url.host == S3_HOST:
            return self._s3_upload(request)
        return await super()._dispatch(request)

    def _theme(self, theme_id: str) -> dict[str, Any] | httpx.Response:
        if not is_guid(theme_id):
            return invalid('"theme_id" must be a valid GUID')
        theme = self.themes.get(theme_id)
        if theme is None:
            return bad(404, "NotFoundError", f"could not find theme {theme_id}")
        return theme

    def _conflict(self, fields: dict[str, Any], own_id: str | None = None) -> httpx.Response | None:
        for key in ("theme_name", "short_company_url"):
            value = fields.get(key)
            others = (t for t in self.themes.values() if t["theme_id"] != own_id)
            if value is not None and any(t.get(key) == value for t in others):
                return bad(409, "ConflictError", f"{key} already exists in application")
        return None

    def _create_theme(self, request: httpx.Request, _: dict[str, str]) -> httpx.Response:
        body = json_body(request)
        problem = check_object(body, THEME_FIELDS)
        for key in ("main_color", "brand_text"):
            if problem is None and key not in body:
                problem = f'"{key}" is required'
        if problem:
            return invalid(problem)
        if self.max_themes is not None and len(self.themes) >= self.max_themes:
            return bad(403, "ForbiddenError", "exceeded maximum theme limit")
        return self._conflict(body) or json_response(201, self._store_theme(body))

    def _store_theme(self, body: dict[str, Any]) -> dict[str, Any]:
        theme_id = str(uuid.uuid4())
        theme = {
            "theme_id": theme_id,
            "theme_name": body.get("theme_name") or theme_id,
            "domain": "VCP",
            "account_id": self.account_id,
            "application_id": self.application_id,
            "main_color": body["main_color"],
            "short_company_url": body.get("short_company_url"),
            "brand_text": body["brand_text"],
            **dict.fromkeys(_LOGO_FIELDS.values()),
            **{f"{field}_url": None for field in _LOGO_FIELDS.values()},
        }
        self.themes[theme_id] = theme
        return theme

    def _list_themes(self, _: httpx.Request, __: dict[str, str]) -> httpx.Response:
        # the API answers {} rather than [] when there are none
        return json_response(200, list(self.themes.values()) or {})

    def _get_theme(self, _: httpx.Request, args: dict[str, str]) -> httpx.Response:
        theme = self._theme(args["theme_id"])
        return theme if isinstance(theme, httpx.Response) else json_response(200, theme)

    def _update_theme(self, request: httpx.Request, args: dict[str, str]) -> httpx.Response:
        theme = self._theme(args["theme_id"])
        if isinstance(theme, httpx.Response):
            return theme
        details = update_details(request)
        if isinstance(details, httpx.Response):
            return details
        problem = check_object(details, THEME_FIELDS, "update_details")
        if problem:
            return invalid(problem)
        conflict = self._conflict(details, theme["theme_id"])
        if conflict:
            return conflict
        theme.update(details)
        return json_response(200, theme)

    def _delete_theme(self, request: httpx.Request, args: dict[str, str]) -> httpx.Response:
        theme = self._theme(args["theme_id"])
        if isinstance(theme, httpx.Response):
            return theme
        users = [r for r in self.rooms.values() if r.get("theme_id") == theme["theme_id"]]
        if users and request.url.params.get("force", "false") != "true":
            plural = "room" if len(users) == 1 else "rooms"
            used = f"Theme {theme['theme_id']} is used by {len(users)} {plural}"
            return bad(400, "BadRequestError", "could not delete theme", [used])
        for room in users:
            room["theme_id"] = None
        if self.default_theme_id == theme["theme_id"]:
            self.default_theme_id = None
        del self.themes[theme["theme_id"]]
        return httpx.Response(204)

    def _theme_rooms(self, request: httpx.Request, args: dict[str, str]) -> httpx.Response:
        theme_id = args["theme_id"]
        if theme_id not in self.themes:
            message = f"Failed to get rooms because theme id {theme_id} not found"
            return bad(404, "NotFoundError", message)
        rooms = [r for r in self.rooms.values() if r.get("theme_id") == theme_id]
        return self.room_page(request, f"themes/{theme_id}/rooms", rooms)

    def _update_application(self, request: httpx.Request, _: dict[str, str]) -> httpx.Response:
        details = update_details(request)
        if isinstance(details, httpx.Response):
            return details
        theme_id = details.get("default_theme_id")
        if set(details) != {"default_theme_id"} or not isinstance(theme_id, str):
            return invalid('"update_details.default_theme_id" is required')
        if theme_id not in self.themes:
            message = f"Failed to update application because theme id {theme_id} not found"
            return bad(400, "BadRequestError", message)
        self.default_theme_id = theme_id
        body = {
            "application_id": self.application_id,
            "account_id": self.account_id,
            "default_theme_id": theme_id,
        }
        return json_response(200, body)

    # logos
    def _logo_forms(self, _: httpx.Request, __: dict[str, str]) -> httpx.Response:
        stamp = self.now().strftime("%Y%m%dT%H%M%SZ")
        forms = []
        for logo_type in LOGO_TYPES:
            fields = {
                "Content-Type": "image/png",
                "key": f"auto-expiring-temp/logos/{logo_type}/{uuid.uuid4()}",
                "logoType": logo_type,
                "bucket": S3_URL.rsplit("/", 1)[1],
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Credential": f"ASIA{uuid.uuid4().hex[:16].upper()}/{stamp[:8]}/s3/aws4",
                "X-Amz-Date": stamp,
                "X-Amz-Security-Token": uuid.uuid4().hex,
                "Policy": uuid.uuid4().hex,
                "X-Amz-Signature": uuid.uuid4().hex + uuid.uuid4().hex,
            }
            self.upload_forms[fields["key"]] = fields
            forms.append({"url": S3_URL, "fields": fields})
        return json_response(200, forms)

    def _s3_upload(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or request.url.path != httpx.URL(S3_URL).path:
            return _s3_error(405, "MethodNotAllowed", "The specified method is not allowed")
        if "authorization" in request.headers:
            return _s3_error(400, "InvalidArgument", _ONE_AUTH)
        form = _form(request)
        if form is None or "file" not in form:
            return _s3_error(400, "InvalidArgument", "POST requires exactly one file upload")
        key = form.get("key", b"").decode()
        expected = self.upload_forms.get(key)
        sent = {name: value.decode() for name, value in form.items() if name != "file"}
        if expected is None or sent != expected:
            return _s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        self.uploaded[key] = form["file"]
        return httpx.Response(204)

    def _finalize(self, request: httpx.Request, args: dict[str, str]) -> httpx.Response:
        theme = self._theme(args["theme_id"])
        if isinstance(theme, httpx.Response):
            return theme
        body = json_body(request)
        keys = body.get("keys") if isinstance(body, dict) else None
        if not isinstance(keys, list) or not keys:
            return invalid('"keys" must contain at least 1 items')
        errors = [error for key in keys if (error := self._logo_error(str(key)))]
        if errors:
            return bad(400, "BadRequestError", "could not finalize logos", errors)
        for key in keys:
            self._apply_logo(theme, str(key))
        return httpx.Response(200, text="OK")

    def _logo_error(self, key: str) -> dict[str, str] | None:
        data, fields = self.uploaded.get(key), self.upload_forms.get(key)
        if data is None or fields is None:
            return {"logoKey": key, "code": "key_not_found"}
        problem = _logo_problem(fields["logoType"], data)
        if problem is None:
            return None
        return {"logoKey": key, "code": "invalid_logo_properties", "invalidProperty": problem}

    def _apply_logo(self, theme: dict[str, Any], key: str) -> None:
        logo_type = self.upload_forms[key]["logoType"]
        stored = key.replace("auto-expiring-temp/", "", 1)
        field = _LOGO_FIELDS[logo_type]
        theme[field] = stored
        theme[f"{field}_url"] = f"{LOGO_HOST}/{stored}"
