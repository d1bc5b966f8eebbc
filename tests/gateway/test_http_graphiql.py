"""GraphiQL from a browser: the page and its vendored assets come from the gateway itself."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest

from gateway.graphql.transport.ide import ASSETS
from gateway.graphql.transport.tour import TOUR
from tests.support import asgi_client, gateway_settings, live_server

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def local_references(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_page_and_every_asset_load_over_http() -> None:
    with live_server() as base:
        page = httpx.get(f"{base}/graphql", headers={"accept": BROWSER_ACCEPT})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "http://" not in page.text
        assert "https://" not in page.text
        references = local_references(page.text)
        assert len(references) == 9
        for reference in references:
            assert reference.startswith("/graphql/static/")
            asset = httpx.get(f"{base}{reference}")
            assert asset.status_code == 200, reference
            assert asset.headers["content-type"].startswith(("text/javascript", "text/css"))
            assert asset.content.strip()


async def test_page_locks_content_to_this_origin() -> None:
    async with asgi_client() as client:
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert 'data-endpoint="/graphql"' in page.text


async def test_fetcher_uses_websocket_for_subscriptions_and_sends_authorization() -> None:
    async with asgi_client() as client:
        script = (await client.get("/graphql/static/graphiql-init.js")).text
    assert "graphqlWs.createClient" in script
    assert '"subscription"' in script
    assert "connectionParams" in script
    assert "authorization" in script.lower()


async def test_sandbox_gateways_open_with_the_tour_tabs() -> None:
    async with asgi_client() as client:
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    match = re.search(r'data-tabs="([^"]*)"', page.text)
    assert match is not None
    tabs = json.loads(unescape(match.group(1)))
    assert [tab["document"] for tab in tabs] == [tab.document for tab in TOUR]
    names = [re.match(r"(?:query|mutation|subscription) (\w+)", t["document"]) for t in tabs]
    assert [name.group(1) for name in names if name] == [
        "rooms",
        "createRoom",
        "joinRoom",
        "roomEvents",
        "roomState",
    ]


async def test_gateways_without_sandboxes_open_without_tabs() -> None:
    async with asgi_client(gateway_settings(sandbox=False)) as client:
        page = await client.get("/graphql", headers={"accept": BROWSER_ACCEPT})
    assert 'data-tabs="[]"' in page.text


async def test_every_vendored_package_has_its_license() -> None:
    async with asgi_client() as client:
        licenses = (await client.get("/graphql/static/THIRD_PARTY_LICENSES.txt")).text
    for package in ("graphiql 3.9.0", "@graphiql/plugin-explorer 3.2.6", "graphiql-explorer 0.9.0"):
        assert f"==== {package} " in licenses


async def test_only_listed_assets_are_served() -> None:
    async with asgi_client() as client:
        for name in ("graphiql.html", "..%2Fapp.py", "nope.js"):
            response = await client.get(f"/graphql/static/{name}")
            assert response.status_code == 404, name
        for name in ASSETS:
            assert (await client.get(f"/graphql/static/{name}")).status_code == 200


async def test_query_in_a_browser_get_is_executed() -> None:
    async with asgi_client() as client:
        response = await client.get(
            "/graphql", params={"query": "{ __typename }"}, headers={"accept": BROWSER_ACCEPT}
        )
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("path", ["/graphql", "/graphql/static/graphiql.min.js"])
async def test_graphiql_can_be_turned_off(path: str) -> None:
    async with asgi_client(gateway_settings(graphiql=False)) as client:
        response = await client.get(path, headers={"accept": "text/html"})
    assert response.status_code in (404, 406)
    assert "<html" not in response.text
