"""GraphiQL served entirely by the gateway (no CDN), with subscriptions over WebSocket.

The page and its vendored assets live in ``gateway/static``; only the files listed in
``ASSETS`` are served, with a Content-Security-Policy that allows nothing from elsewhere.
The page opens with the given tabs (``gateway dev``: the README tour, see ``tour.py``).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from gateway.graphql.transport.tour import Tab, tabs_json

__all__ = ["ASSETS", "ASSET_PATH", "ENDPOINT_PATH", "GraphiQL"]

#: where the assets are served, below the endpoint path
ASSET_PATH = "/graphql/static"
ENDPOINT_PATH = "/graphql"

ASSETS: dict[str, str] = {
    "graphiql.min.js": "text/javascript",
    "graphiql.min.css": "text/css",
    "graphiql-page.css": "text/css",
    "graphiql-init.js": "text/javascript",
    "react.production.min.js": "text/javascript",
    "react-dom.production.min.js": "text/javascript",
    "graphql-ws.min.js": "text/javascript",
    "graphiql-plugin-explorer.min.js": "text/javascript",
    "graphiql-plugin-explorer.css": "text/css",
    "THIRD_PARTY_LICENSES.txt": "text/plain",
}

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def _static_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "static"


class GraphiQL:
    """The GraphiQL page and its assets."""

    def __init__(self, tabs: tuple[Tab, ...] = ()) -> None:
        self._dir = _static_dir()
        template = (self._dir / "graphiql.html").read_text(encoding="utf-8")
        self._template = template.replace("{tabs}", escape(tabs_json(tabs)))

    def page(self, request: Request) -> HTMLResponse:
        """The page, with asset URLs below the app's root path."""
        root = request.scope.get("root_path", "")
        html = self._template.replace("{assets}", escape(root + ASSET_PATH)).replace(
            "{endpoint}", escape(root + ENDPOINT_PATH)
        )
        headers = {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }
        return HTMLResponse(html, headers=headers)

    async def asset(self, name: str) -> Response:
        """One vendored file; 404 for anything not listed."""
        media_type = ASSETS.get(name)
        if media_type is None:
            return PlainTextResponse("not found", status_code=404)
        headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
        return FileResponse(self._dir / name, media_type=media_type, headers=headers)
