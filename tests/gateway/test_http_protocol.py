"""GraphQL over HTTP on ``/graphql``: media types, status codes, methods, request errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.gateway.probe_schema import probe_app
from tests.support import asgi_client, gateway_settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings()
    async with asgi_client(app=probe_app(settings)) as client:
        yield client


async def post(
    client: httpx.AsyncClient, body: Any, accept: str | None = None, **headers: str
) -> httpx.Response:
    if accept is not None:
        headers["accept"] = accept
    return await client.post("/graphql", json=body, headers=headers)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def test_json_by_default_and_for_wildcards(client: httpx.AsyncClient) -> None:
    for accept in (None, "*/*", "application/*", JSON, "text/html;q=0.9, */*;q=0.8"):
        response = await post(client, {"query": "{ __typename }"}, accept)
        assert response.status_code == 200, accept
        assert media_type(response) == JSON
        assert response.headers["content-type"].endswith("charset=utf-8")
        assert response.json() == {"data": {"__typename": "Query"}}


async def test_graphql_response_json_when_asked(client: httpx.AsyncClient) -> None:
    accept = f"{GRAPHQL_RESPONSE}, {JSON};q=0.9"
    response = await post(client, {"query": '{ probeEcho(text: "hé 🏊") }'}, accept)
    assert response.status_code == 200
    assert media_type(response) == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"probeEcho": "hé 🏊"}}


async def test_json_preferred_by_quality(client: httpx.AsyncClient) -> None:
    response = await post(client, {"query": "{ __typename }"}, f"{GRAPHQL_RESPONSE};q=0.5, {JSON}")
    assert media_type(response) == JSON


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"query": "{"}, "parse"),
        ({"query": "{ noSuchField }"}, "validation"),
        ({"query": "query Q($id: ID!) { __typename }", "variables": {"id": None}}, "coercion"),
        ({"query": "query Q($t: String!) { probeEcho(text: $t) }", "variables": {"t": 5}}, "type"),
    ],
)
async def test_request_errors_by_media_type(
    client: httpx.AsyncClient, body: dict[str, Any], reason: str
) -> None:
    strict = await post(client, body, GRAPHQL_RESPONSE)
    assert strict.status_code == 400, reason
    assert media_type(strict) == GRAPHQL_RESPONSE
    assert "data" not in strict.json()
    assert strict.json()["errors"][0]["message"]

    legacy = await post(client, body, JSON)
    assert legacy.status_code == 200, reason
    assert "data" not in legacy.json()
    assert legacy.json()["errors"]


async def test_field_error_keeps_data_and_200(client: httpx.AsyncClient) -> None:
    response = await post(client, {"query": "{ probeCrash __typename }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"probeCrash": None, "__typename": "Query"}
    assert body["errors"][0]["path"] == ["probeCrash"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b'{ "not a JSON', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[]", "batched"),
        (b'"query"', "JSON object"),
        (b"{}", "missing 'query'"),
        (b'{"query": null}', "missing 'query'"),
        (b'{"qeury": "{ __typename }"}', "missing 'query'"),
        (b'{"query": 0}', "'query' must be a string"),
        (b'{"query": ["{ __typename }"]}', "'query' must be a string"),
        (b'{"query": "{ __typename }", "operationName": false}', "'operationName'"),
        (b'{"query": "{ __typename }", "variables": "{}"}', "'variables'"),
        (b'{"query": "{ __typename }", "variables": []}', "'variables'"),
        (b'{"query": "{ __typename }", "extensions": 0}', "'extensions'"),
        (b'{"query": "query A { __typename }", "operationName": "B"}', "operation"),
    ],
)
async def test_malformed_requests_are_400(
    client: httpx.AsyncClient, content: bytes, message: str
) -> None:
    for accept in (GRAPHQL_RESPONSE, JSON):
        response = await client.post(
            "/graphql",
            content=content,
            headers={"content-type": "application/json", "accept": accept},
        )
        assert response.status_code == 400, (content, accept)
        assert media_type(response) == accept
        error = response.json()["errors"][0]
        assert message in error["message"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "data" not in response.json()


async def test_null_optional_parameters_are_accepted(client: httpx.AsyncClient) -> None:
    body = {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None}
    response = await post(client, body, GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"],
)
async def test_unsupported_content_type_is_415(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"accept": GRAPHQL_RESPONSE}
    if content_type is not None:
        headers["content-type"] = content_type
    body = json.dumps({"query": "{ __typename }"}).encode()
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 415
    assert media_type(response) == GRAPHQL_RESPONSE


async def test_utf8_charset_is_accepted(client: httpx.AsyncClient) -> None:
    body = json.dumps({"query": "{ __typename }"}).encode()
    headers = {"content-type": "application/json; charset=UTF-8"}
    response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize("accept", ["text/plain", "application/xml", f"{JSON};q=0, text/csv"])
async def test_unacceptable_accept_is_406(client: httpx.AsyncClient, accept: str) -> None:
    response = await post(client, {"query": "{ __typename }"}, accept)
    assert response.status_code == 406
    assert "application/graphql-response+json" in response.json()["errors"][0]["message"]


async def test_get_runs_queries(client: httpx.AsyncClient) -> None:
    params = {
        "query": "query Q($t: String!) { probeEcho(text: $t) }",
        "variables": json.dumps({"t": "via GET"}),
        "operationName": "Q",
    }
    response = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert response.json() == {"data": {"probeEcho": "via GET"}}


async def test_get_with_bad_variables_is_400(client: httpx.AsyncClient) -> None:
    params = {"query": "{ __typename }", "variables": "{oops"}
    response = await client.get("/graphql", params=params)
    assert response.status_code == 400


async def test_get_refuses_mutations_with_405(client: httpx.AsyncClient) -> None:
    params = {"query": "mutation { __typename }"}
    response = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "POST" in response.json()["errors"][0]["message"]


async def test_get_without_query_from_an_api_client_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": JSON})
    assert response.status_code == 400


async def test_subscription_needs_a_streaming_transport(client: httpx.AsyncClient) -> None:
    response = await post(client, {"query": "subscription { probeTicks }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "text/event-stream" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_other_methods_are_405(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405


async def test_cors_for_listed_origins_only() -> None:
    settings = gateway_settings(cors_origins=["https://app.example"])
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }
    async with asgi_client(app=probe_app(settings)) as client:
        allowed = await client.options(
            "/graphql", headers={"origin": "https://app.example", **preflight}
        )
        refused = await client.options(
            "/graphql", headers={"origin": "https://evil.example", **preflight}
        )
        post = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://app.example"}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
    assert post.headers["access-control-allow-origin"] == "https://app.example"


async def test_no_cors_headers_by_default(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://app.example"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


DEEP_JSON = "[" * 100_000 + "]" * 100_000


async def test_deeply_nested_body_is_400(client: httpx.AsyncClient) -> None:
    headers = {"content-type": JSON, "accept": GRAPHQL_RESPONSE}
    response = await client.post("/graphql", content=DEEP_JSON, headers=headers)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error == {
        "message": "the request body is nested deeper than 64 levels",
        "extensions": {"code": "BAD_USER_INPUT"},
    }


async def test_deeply_nested_get_variables_are_400(client: httpx.AsyncClient) -> None:
    params = {"query": "{ __typename }", "variables": DEEP_JSON[:20_000]}
    response = await client.get("/graphql", params=params, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    message = "'variables' is nested deeper than 64 levels"
    assert response.json()["errors"][0]["message"] == message
