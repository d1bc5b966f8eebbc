"""Safety limits: depth, aliases, tokens, bounded caches, body size, masked errors."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from functools import _CacheInfo
from typing import Protocol, cast

import httpx
import pytest
from graphql import parse
from strawberry.extensions import ParserCache, ValidationCache

from gateway.graphql.analysis import analyse_document
from gateway.graphql.limits import limit_extensions
from gateway.settings import LimitSettings
from tests.gateway.probe_schema import SECRET_DETAIL, probe_app
from tests.support import asgi_client, gateway_settings, live_server

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    limits = {"max_query_depth": 3, "max_aliases": 2, "max_tokens": 40}
    settings = gateway_settings(limits=limits)
    async with asgi_client(app=probe_app(settings)) as client:
        yield client


async def refused(client: httpx.AsyncClient, query: str) -> str:
    response = await client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 400, response.text
    assert "data" not in response.json()
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    message: str = error["message"]
    return message


async def accepted(client: httpx.AsyncClient, query: str) -> None:
    response = await client.post("/graphql", json={"query": query}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json()


async def test_query_depth_is_limited(client: httpx.AsyncClient) -> None:
    await accepted(client, "{ probeNode { child { value } } }")
    message = await refused(client, "{ probeNode { child { child { child { value } } } } }")
    assert "exceeds maximum operation depth of 3" in message


async def test_depth_through_fragments_is_counted(client: httpx.AsyncClient) -> None:
    query = "{ probeNode { ...F } } fragment F on ProbeNode { child { child { child { value } } } }"
    assert "depth" in await refused(client, query)


async def test_aliases_are_limited(client: httpx.AsyncClient) -> None:
    await accepted(client, "{ a: __typename b: __typename }")
    message = await refused(client, "{ a: __typename b: __typename c: __typename }")
    assert "more than 2 aliases found. Allowed: 2" in message


async def test_syntax_errors_are_coded(client: httpx.AsyncClient) -> None:
    assert "Syntax Error" in await refused(client, "{ probeNode { ")


def fragment_chain(levels: int, leaf: str) -> str:
    """A document whose fragment ``F<n>`` spreads ``F<n-1>`` three times: 3^levels leaves."""
    fragments = [f"fragment F0 on ProbeNode {{ {leaf} }}"]
    for n in range(1, levels + 1):
        spread = f"...F{n - 1} "
        fragments.append(f"fragment F{n} on ProbeNode {{ {spread * 3}}}")
    return f"{{ probeNode {{ ...F{levels} }} }} " + " ".join(fragments)


def test_fragments_are_analysed_once_each() -> None:
    analysis = analyse_document(parse(fragment_chain(15, "a: value")), alias_ceiling=10**9)
    assert analysis.fragments_analysed == 16
    assert analysis.aliases == 3**15
    assert analysis.operations[0].depth == 1


def test_alias_count_saturates_at_the_ceiling() -> None:
    analysis = analyse_document(parse(fragment_chain(15, "a: value")), alias_ceiling=3)
    assert analysis.aliases == 3


@pytest.fixture
async def long_documents() -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(limits={"max_aliases": 2, "max_tokens": 1000})
    async with asgi_client(app=probe_app(settings)) as client:
        yield client


async def test_fragment_bomb_of_aliases_is_refused(long_documents: httpx.AsyncClient) -> None:
    message = await refused(long_documents, fragment_chain(15, "a: value"))
    assert "more than 2 aliases" in message


async def test_fragment_chain_within_the_limits_is_served(
    long_documents: httpx.AsyncClient,
) -> None:
    response = await long_documents.post("/graphql", json={"query": fragment_chain(15, "value")})
    assert response.json() == {"data": {"probeNode": {"value": 0}}}


def introspection_fragment(n: int) -> str:
    inner = f"...T{n - 1}"
    return (
        f"fragment T{n} on __Type {{ ofType {{ {inner} }} "
        f"fields {{ type {{ {inner} }} }} interfaces {{ {inner} }} }}"
    )


def test_introspection_fragment_bomb_is_cheap() -> None:
    fragments = [introspection_fragment(n) for n in range(1, 16)]
    fragments.append("fragment T0 on __Type { name }")
    document = parse("{ __schema { types { ...T15 } } } " + " ".join(fragments))
    analysis = analyse_document(document, alias_ceiling=3)
    assert analysis.fragments_analysed == 16
    assert analysis.operations[0].depth == 0


async def test_tokens_are_limited(client: httpx.AsyncClient) -> None:
    message = await refused(client, "{ " + "__typename " * 41 + "}")
    assert "more than 40 tokens" in message


class LruCached(Protocol):
    def cache_info(self) -> _CacheInfo: ...


def cache_info(function: object) -> _CacheInfo:
    return cast(LruCached, function).cache_info()


def test_parser_and_validation_caches_are_bounded() -> None:
    extensions = [factory() for factory in limit_extensions(LimitSettings(parser_cache_size=7))]
    parser = next(e for e in extensions if isinstance(e, ParserCache))
    validation = next(e for e in extensions if isinstance(e, ValidationCache))
    assert cache_info(parser.cached_parse_document).maxsize == 7
    assert cache_info(validation.cached_validate_document).maxsize == 7


async def test_parser_cache_stays_within_its_size() -> None:
    settings = gateway_settings(limits={"parser_cache_size": 5})
    async with asgi_client(app=probe_app(settings)) as client:
        for n in range(20):
            await accepted(client, f'{{ probeEcho(text: "{n}") }}')
    parser = next(
        e for e in (f() for f in limit_extensions(settings.limits)) if isinstance(e, ParserCache)
    )
    info = cache_info(parser.cached_parse_document)
    assert info.currsize <= 5
    assert info.misses >= 20


async def test_unexpected_errors_are_masked_and_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    response = await client.post("/graphql", json={"query": "{ probeCrash }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"probeCrash": None}
    assert body["errors"][0]["message"] == "Internal server error"
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL"}
    assert SECRET_DETAIL not in response.text
    logged = [r for r in caplog.records if r.name == "gateway.graphql"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert SECRET_DETAIL in str(logged[0].exc_info[1])
    assert not [r for r in caplog.records if r.name.startswith("strawberry")]


async def test_client_mistakes_are_not_logged_as_errors(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    for query in ("{", "{ noSuchField }", "{ a: __typename b: __typename c: __typename }"):
        await client.post("/graphql", json={"query": query})
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture(scope="module")
def small_body_server() -> Iterator[str]:
    settings = gateway_settings(limits={"max_body_bytes": 1024})
    with live_server(app=probe_app(settings)) as base:
        yield base


def test_declared_oversized_body_is_413(small_body_server: str) -> None:
    query = '{ probeEcho(text: "' + "x" * 2000 + '") }'
    response = httpx.post(f"{small_body_server}/graphql", json={"query": query})
    assert response.status_code == 413
    assert "exceeds 1024 bytes" in response.json()["errors"][0]["message"]


def test_chunked_oversized_body_is_413(small_body_server: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ probeEcho(text: \\"'
        for _ in range(40):
            yield b"x" * 100
        yield b'\\") }"}'

    response = httpx.post(
        f"{small_body_server}/graphql",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413


def test_chunked_body_within_the_limit_is_served(small_body_server: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ probeEcho(text: \\"'
        yield b"y" * 100
        yield b'\\") }"}'

    response = httpx.post(
        f"{small_body_server}/graphql",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"probeEcho": "y" * 100}}
