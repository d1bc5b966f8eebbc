"""``uploadThemeLogos`` over the GraphQL multipart request spec, against the sandboxes."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from providers.vonage.fake_base import S3_HOST
from tests.gateway.graphql.helpers import Gateway, gateway
from tests.gateway.graphql.test_themes import create_theme
from tests.providers.vonage.helpers import png
from tests.support import gateway_settings, jwt_settings, live_server, make_token

UPLOAD = """
mutation($id: ID!, $colored: Upload, $white: Upload, $favicon: Upload) {
  uploadThemeLogos(id: $id, colored: $colored, white: $white, favicon: $favicon) {
    id brandImageColoredUrl brandImageWhiteUrl brandedFaviconUrl
  }
}
"""
READ = """
query($id: ID!) { theme(id: $id) { brandImageColoredUrl brandImageWhiteUrl brandedFaviconUrl } }
"""
CREATE = 'mutation { createTheme(input: {mainColor: "#fff", brandText: "x"}) { id } }'
PREFLIGHT = {"Apollo-Require-Preflight": "true"}
BOUNDARY = "test-boundary-7d1f"

#: logo kind -> a valid image of that kind
LOGOS = {"colored": png(120, 40), "white": png(100, 30), "favicon": png(32, 32)}

Part = tuple[str, str | None, str | None, bytes]


def logo_parts(theme_id: str, logos: dict[str, tuple[bytes, str]]) -> list[Part]:
    """``operations``, ``map`` and one file part per logo (``kind -> (bytes, media type)``)."""
    variables: dict[str, Any] = {"id": theme_id, **dict.fromkeys(logos)}
    operations = json.dumps({"query": UPLOAD, "variables": variables}).encode()
    file_map = {str(n): [f"variables.{kind}"] for n, kind in enumerate(logos)}
    files = [
        (str(n), f"{kind}.png", media, data)
        for n, (kind, (data, media)) in enumerate(logos.items())
    ]
    return [
        ("operations", None, None, operations),
        ("map", None, None, json.dumps(file_map).encode()),
        *files,
    ]


def encode(parts: list[Part], *, closed: bool = True) -> bytes:
    body = b""
    for name, filename, media, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        if media is not None:
            head += f"Content-Type: {media}\r\n"
        body += head.encode() + b"\r\n" + data + b"\r\n"
    return body + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


async def post(
    gw: Gateway, body: bytes | AsyncIterator[bytes], headers: dict[str, str] | None = None
) -> httpx.Response:
    content_type = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return await gw.client.post(
        "/graphql", content=body, headers={**content_type, **PREFLIGHT, **(headers or {})}
    )


async def upload(
    gw: Gateway, theme_id: str, kinds: list[str], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    logos = {kind: (LOGOS[kind], "image/png") for kind in kinds}
    response = await post(gw, encode(logo_parts(theme_id, logos)), headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def sent_upstream(gw: Gateway) -> list[httpx.Request]:
    """Requests that would change a theme: S3 uploads and ``finalizeLogos``."""
    return [
        r
        for r in gw.sandbox("vonage").requests
        if r.url.host == S3_HOST or r.url.path.endswith("/finalizeLogos")
    ]


async def test_one_logo_then_the_theme_shows_it() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        result = await upload(gw, theme["id"], ["colored"])
        read = await gw.data(READ, {"id": theme["id"]})
    logos = result["data"]["uploadThemeLogos"]
    assert logos["brandImageColoredUrl"].startswith("https://")
    assert "/logos/colored/" in logos["brandImageColoredUrl"]
    assert logos["brandImageWhiteUrl"] is None
    assert logos["brandedFaviconUrl"] is None
    assert read["theme"] == {key: value for key, value in logos.items() if key != "id"}


async def test_every_logo_at_once() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        result = await upload(gw, theme["id"], ["colored", "white", "favicon"])
        read = await gw.data(READ, {"id": theme["id"]})
        stored = list(gw.sandbox("vonage").uploaded.values())  # type: ignore[attr-defined]
    assert stored == [LOGOS["colored"], LOGOS["white"], LOGOS["favicon"]]
    assert "/logos/white/" in read["theme"]["brandImageWhiteUrl"]
    assert "/logos/favicon/" in read["theme"]["brandedFaviconUrl"]
    assert (
        read["theme"]["brandImageColoredUrl"]
        == (result["data"]["uploadThemeLogos"]["brandImageColoredUrl"])
    )


async def test_one_file_mapped_to_two_variables() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        operations = {
            "query": UPLOAD,
            "variables": {"id": theme["id"], "colored": None, "white": None},
        }
        parts: list[Part] = [
            ("operations", None, None, json.dumps(operations).encode()),
            ("map", None, None, b'{"logo": ["variables.colored", "variables.white"]}'),
            ("logo", "logo.png", "image/png", LOGOS["white"]),
        ]
        response = await post(gw, encode(parts))
    logos = response.json()["data"]["uploadThemeLogos"]
    assert logos["brandImageColoredUrl"] is not None
    assert logos["brandImageWhiteUrl"] is not None


async def test_over_loopback_http() -> None:
    app_settings = gateway_settings()
    with live_server(app_settings) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            created = await client.post(
                "/graphql",
                json={"query": CREATE},
            )
            theme_id = created.json()["data"]["createTheme"]["id"]
            operations = {"query": UPLOAD, "variables": {"id": theme_id, "favicon": None}}
            response = await client.post(
                "/graphql",
                data={"operations": json.dumps(operations), "map": '{"0": ["variables.favicon"]}'},
                files={"0": ("favicon.png", LOGOS["favicon"], "image/png")},
                headers=PREFLIGHT,
            )
    assert response.status_code == 200, response.text
    assert "/logos/favicon/" in response.json()["data"]["uploadThemeLogos"]["brandedFaviconUrl"]


@pytest.mark.parametrize(
    ("kind", "data", "media"),
    [
        ("colored", LOGOS["colored"], "image/jpeg"),
        ("white", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        ("favicon", LOGOS["colored"], "image/png"),
    ],
)
async def test_a_wrong_image_is_bad_input_naming_its_argument(
    kind: str, data: bytes, media: str
) -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        response = await post(gw, encode(logo_parts(theme["id"], {kind: (data, media)})))
        sent = sent_upstream(gw)
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == kind
    assert sent == []


async def test_no_file_is_bad_input() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        without = await gw.error(UPLOAD, {"id": theme["id"]})
        empty_map = await post(gw, encode(logo_parts(theme["id"], {})))
    assert without["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "at least one file" in without["message"]
    assert empty_map.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


async def test_an_upload_is_never_a_plain_json_value() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        error = await gw.error(UPLOAD, {"id": theme["id"], "colored": "iVBORw0KGgo="})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "multipart" in error["message"]


async def test_an_oversized_file_is_refused_while_it_streams() -> None:
    settings = gateway_settings(limits={"max_upload_file_bytes": 65_536})
    chunk = 16_384
    head = encode(logo_parts("vonage:x", {"colored": (b"", "image/png")}), closed=False)
    head = head.removesuffix(b"\r\n")  # the file part's data follows
    read: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield head
        for n in range(64):  # 1 MiB of file data, well under the request limit
            read.append(n)
            yield b"\x00" * chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    async with gateway(settings) as gw:
        response = await post(gw, body())
        sandbox_calls = gw.sandbox("vonage").requests
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == "the file '0' exceeds 65536 bytes"
    assert len(read) <= 65_536 // chunk + 2
    assert sandbox_calls == []


async def test_a_body_over_the_upload_limit_is_refused_before_reading() -> None:
    limits = {"max_upload_body_bytes": 100_000, "max_upload_file_bytes": 50_000}
    settings = gateway_settings(limits=limits)
    async with gateway(settings) as gw:
        theme = await create_theme(gw)
        big = encode(logo_parts(theme["id"], {"white": (b"\x00" * 200_000, "image/png")}))
        response = await post(gw, big)
        sent = sent_upstream(gw)
    assert response.status_code == 413
    assert "exceeds 100000 bytes" in response.json()["errors"][0]["message"]
    assert sent == []


async def test_the_upload_limit_is_for_multipart_only() -> None:
    settings = gateway_settings(limits={"max_body_bytes": 2_000})
    padding = " " * 3_000
    async with gateway(settings) as gw:
        response = await gw.client.post("/graphql", json={"query": "{ __typename }" + padding})
    assert response.status_code == 413


async def test_without_a_preflight_header_nothing_runs() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        body = encode(logo_parts(theme["id"], {"white": (LOGOS["white"], "image/png")}))
        response = await gw.client.post(
            "/graphql",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        empty = await post(gw, body, {"Apollo-Require-Preflight": ""})
        other = await post(
            gw, body, {"Apollo-Require-Preflight": "", "X-Apollo-Operation-Name": "x"}
        )
        sent = sent_upstream(gw)
    for refused in (response, empty):
        assert refused.status_code == 400
        assert "Apollo-Require-Preflight" in refused.json()["errors"][0]["message"]
    assert other.status_code == 200
    assert len([r for r in sent if r.url.host == S3_HOST]) == 1


def _theme_parts() -> list[Part]:
    return logo_parts("vonage:" + str(uuid.uuid4()), {"white": (LOGOS["white"], "image/png")})


def _with(index: int, part: Part) -> list[Part]:
    parts = _theme_parts()
    parts[index] = part
    return parts


OPS = _theme_parts()[0]
WHITE = _theme_parts()[2]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (_with(1, ("map", None, None, b"{not json")), "the 'map' part is not valid JSON"),
        (_with(1, ("map", None, None, b'{"0": "variables.white"}')), "'map' must be a JSON object"),
        (_with(1, ("map", None, None, b'{"0": []}')), "'map' must be a JSON object"),
        (_with(1, ("map", None, None, b'["variables.white"]')), "'map' must be a JSON object"),
        (
            _with(1, ("map", None, None, b'{"0": ["variables.nothing"]}')),
            "the map path 'variables.nothing' does not lead to a null in the variables",
        ),
        (
            _with(1, ("map", None, None, b'{"0": ["query"]}')),
            "the map path 'query' does not lead to a null",
        ),
        (
            _with(1, ("map", None, None, b'{"0": ["variables.id"]}')),
            "the map path 'variables.id' does not lead to a null",
        ),
        (
            _with(
                1, ("map", None, None, b'{"0": ["variables.white"], "1": ["variables.colored"]}')
            ),
            "'map' names the file '1' but no such part was sent",
        ),
        (
            _with(
                1,
                (
                    "map",
                    None,
                    None,
                    json.dumps({str(n): [f"variables.v{n}"] for n in range(4)}).encode(),
                ),
            ),
            "'map' names 4 files; at most 3 are allowed",
        ),
        (_with(0, ("operations", None, None, b"{")), "the 'operations' part is not valid JSON"),
        (_with(0, ("operations", None, None, b"[]")), "'operations' must be a JSON object"),
        ([_theme_parts()[1], OPS, WHITE], "part 1 is 'map'"),
        ([OPS, WHITE], "part 2 is '0'"),
        (
            [*_theme_parts(), ("extra", "x.png", "image/png", b"x")],
            "the file part 'extra' is not named",
        ),
        ([*_theme_parts(), WHITE], "the file part '0' is sent twice"),
        ([OPS], "the multipart body is incomplete"),
    ],
)
async def test_a_malformed_request_is_400_with_the_reason(parts: list[Part], message: str) -> None:
    async with gateway() as gw:
        response = await post(gw, encode(parts))
        calls = gw.sandbox("vonage").requests
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["message"].startswith(message)
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert calls == []


async def test_a_truncated_or_garbled_body_is_400() -> None:
    async with gateway() as gw:
        truncated = await post(gw, encode(_theme_parts(), closed=False))
        garbled = await post(gw, b"no boundary anywhere")
        no_boundary = await gw.client.post(
            "/graphql",
            content=encode(_theme_parts()),
            headers={"Content-Type": "multipart/form-data", **PREFLIGHT},
        )
    assert truncated.status_code == garbled.status_code == no_boundary.status_code == 400
    assert "incomplete" in truncated.json()["errors"][0]["message"]
    assert "boundary" in no_boundary.json()["errors"][0]["message"]


async def test_an_unknown_theme_is_not_found_before_any_upload() -> None:
    async with gateway() as gw:
        result = await upload(gw, f"vonage:{uuid.uuid4()}", ["white"])
        sent = sent_upstream(gw)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert sent == []


@pytest.mark.parametrize("theme_id", ["metered:some-room", "videosdk:abcd-efgh-ijkl"])
async def test_providers_without_themes_are_unsupported(theme_id: str) -> None:
    async with gateway() as gw:
        result = await upload(gw, theme_id, ["white"])
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "UNSUPPORTED"
    assert error["extensions"]["provider"] == theme_id.split(":", maxsplit=1)[0]


async def test_missing_scope_and_missing_token() -> None:
    async with gateway(jwt_settings()) as gw:
        theme = (await gw.data(CREATE, token=make_token("themes:write")))["createTheme"]
        body = encode(logo_parts(theme["id"], {"white": (LOGOS["white"], "image/png")}))
        read_only = await post(gw, body, {"Authorization": f"Bearer {make_token('themes:read')}"})
        anonymous = await post(gw, body)
        allowed = await post(gw, body, {"Authorization": f"Bearer {make_token('themes:write')}"})
    (error,) = read_only.json()["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "scope": "themes:write"}
    assert anonymous.status_code == 401
    assert allowed.json()["data"]["uploadThemeLogos"]["brandImageWhiteUrl"] is not None


async def test_a_failed_finalize_is_a_provider_error_and_changes_nothing() -> None:
    async with gateway(gateway_settings(cache_ttl_seconds=0)) as gw:
        theme = await create_theme(gw)
        gw.sandbox("vonage").inject(status=503, times=10, path_contains="/finalizeLogos")
        result = await upload(gw, theme["id"], ["colored", "white"])
        read = await gw.data(READ, {"id": theme["id"]})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "PROVIDER_UNAVAILABLE"
    assert error["extensions"]["provider"] == "vonage"
    assert result["data"] is None
    assert read["theme"] == dict.fromkeys(
        ("brandImageColoredUrl", "brandImageWhiteUrl", "brandedFaviconUrl")
    )


async def test_a_logo_the_provider_refuses_is_a_provider_error() -> None:
    async with gateway() as gw:
        theme = await create_theme(gw)
        opaque = png(50, 50, alpha=False)
        response = await post(gw, encode(logo_parts(theme["id"], {"white": (opaque, "image/png")})))
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "PROVIDER_ERROR"
    assert "transparent_bg" in error["message"]


async def test_cors_preflight_allows_the_preflight_headers() -> None:
    settings = gateway_settings(cors_origins=["https://app.example"])
    async with gateway(settings) as gw:
        response = await gw.client.options(
            "/graphql",
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "apollo-require-preflight, content-type",
            },
        )
    assert response.status_code == 200
    assert "apollo-require-preflight" in response.headers["access-control-allow-headers"].lower()
