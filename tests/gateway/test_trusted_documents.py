"""Trusted documents (a manifest of allowed operations by hash) and Apollo's automatic
persisted queries, over HTTP GET/POST, SSE and both WebSocket protocols."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed

from gateway.graphql.manifest import load_manifest
from gateway.graphql.persisted import RegisteredDocuments
from gateway.settings import Settings, TrustedDocumentSettings, describe_validation_error
from tests.gateway.probe_schema import probe_app
from tests.gateway.test_ws import (
    PROTOCOLS,
    TRANSPORT_WS,
    data_type,
    first_error,
    init,
    receive,
    send,
    socket,
    ws_server,
)
from tests.support import asgi_client, gateway_settings

TRUSTED = "query Echo($text: String!) { probeEcho(text: $text) }"
TICKS = "subscription Ticks { probeTicks(count: 2) }"
UNTRUSTED = "{ probeWhoami }"
ECHO = {"text": "hi"}
ANOTHER = '{ probeEcho(text: "a") }'


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted_query(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    """An Apollo persisted query manifest with ``TRUSTED`` and ``TICKS``."""
    path = tmp_path / "persisted-query-manifest.json"
    operations = [
        {"id": sha256(TRUSTED), "body": TRUSTED, "name": "Echo", "type": "query"},
        {"id": sha256(TICKS), "body": TICKS, "name": "Ticks", "type": "subscription"},
    ]
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_text(json.dumps(manifest))
    return str(path)


def settings_with(**trusted: Any) -> Settings:
    return gateway_settings(trusted_documents=trusted)


def metric(outcome: str) -> float:
    labels = {"outcome": outcome}
    return REGISTRY.get_sample_value("gateway_persisted_documents_total", labels) or 0.0


# -- the manifest ----------------------------------------------------------------------


def test_both_manifest_formats_are_read(manifest: str, tmp_path: Path) -> None:
    apollo = load_manifest(manifest)
    plain = tmp_path / "persisted-documents.json"
    plain.write_text(json.dumps({sha256(TRUSTED): TRUSTED, sha256(TICKS): TICKS}))
    assert load_manifest(plain) == apollo == {sha256(TRUSTED): TRUSTED, sha256(TICKS): TICKS}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps({"0" * 64: TRUSTED}), "is not the SHA-256 of its document"),
        (json.dumps({"abc": TRUSTED}), "is not the SHA-256 of its document"),
        (json.dumps([TRUSTED]), "must map hashes to documents"),
        ("{not json", "not valid JSON"),
        (
            json.dumps({"format": "apollo-persisted-query-manifest", "version": 2}),
            "version 1",
        ),
    ],
)
def test_a_bad_manifest_stops_start_up_naming_the_variable(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({"trusted_documents": {"file": str(path), "mode": "enforce"}})
    description = describe_validation_error(caught.value)
    assert "GATEWAY_TRUSTED_DOCUMENTS__FILE:" in description
    assert message in description
    assert TRUSTED not in description


def test_modes_need_a_manifest_and_enforce_excludes_apq(manifest: str) -> None:
    with pytest.raises(ValidationError, match="MODE=log needs FILE"):
        TrustedDocumentSettings(mode="log")
    with pytest.raises(ValidationError, match="APQ cannot be on with MODE=enforce"):
        TrustedDocumentSettings(mode="enforce", file=manifest, apq=True)


# -- enforce ---------------------------------------------------------------------------


async def test_enforce_runs_manifest_documents_by_text_or_by_hash(manifest: str) -> None:
    requests: list[dict[str, Any]] = [
        {"query": TRUSTED, "variables": ECHO},
        {"extensions": persisted_query(TRUSTED), "variables": ECHO},
        {"documentId": f"sha256:{sha256(TRUSTED)}", "variables": ECHO},
        {"id": sha256(TRUSTED), "variables": ECHO},
    ]
    settings = settings_with(file=manifest, mode="enforce")
    async with asgi_client(app=probe_app(settings)) as client:
        for body in requests:
            response = await client.post("/graphql", json=body)
            assert response.json() == {"data": {"probeEcho": "hi"}}, body
        response = await client.get(
            "/graphql",
            params={
                "extensions": json.dumps(persisted_query(TRUSTED)),
                "variables": '{"text":"x"}',
            },
        )
        assert response.json() == {"data": {"probeEcho": "x"}}
        response = await client.get(
            "/graphql",
            params={"documentId": f"sha256:{sha256(TRUSTED)}", "variables": '{"text":"y"}'},
        )
        assert response.json() == {"data": {"probeEcho": "y"}}


NOT_ALLOWED = {
    "errors": [
        {
            "message": "this operation is not among the server's trusted documents",
            "extensions": {"code": "PERSISTED_QUERY_NOT_ALLOWED"},
        }
    ]
}


async def test_enforce_refuses_other_documents_and_hashes(
    manifest: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = metric("refused")
    settings = settings_with(file=manifest, mode="enforce")
    async with asgi_client(app=probe_app(settings)) as client:
        by_text = await client.post("/graphql", json={"query": UNTRUSTED})
        by_hash = await client.post("/graphql", json={"extensions": persisted_query(UNTRUSTED)})
        by_get = await client.get("/graphql", params={"query": UNTRUSTED})
        by_sse = await client.post(
            "/graphql", json={"query": UNTRUSTED}, headers={"accept": "text/event-stream"}
        )
    for response in (by_text, by_hash, by_get, by_sse):
        assert response.status_code == 400
        assert response.json() == NOT_ALLOWED
    assert metric("refused") == before + 4
    assert UNTRUSTED not in caplog.text


async def test_enforce_runs_a_manifest_subscription_over_sse_by_hash(manifest: str) -> None:
    settings = settings_with(file=manifest, mode="enforce")
    async with asgi_client(app=probe_app(settings)) as client:
        response = await client.post(
            "/graphql",
            json={"documentId": sha256(TICKS)},
            headers={"accept": "text/event-stream"},
        )
    assert response.status_code == 200
    events = [line for line in response.text.splitlines() if line.startswith("data:")]
    assert events[:2] == [
        'data: {"data":{"probeTicks":0}}',
        'data: {"data":{"probeTicks":1}}',
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_enforce_over_websocket(protocol: str, manifest: str) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    with ws_server(settings_with(file=manifest, mode="enforce")) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            trusted = {"extensions": persisted_query(TICKS)}
            await send(ws, {"id": "1", "type": kind, "payload": trusted})
            message = await receive(ws)
            assert message["type"] == data_type(protocol)
            assert message["payload"] == {"data": {"probeTicks": 0}}
            await send(ws, {"id": "2", "type": kind, "payload": {"query": UNTRUSTED}})
            while (message := await receive(ws))["id"] != "2":
                pass
            assert message["type"] == "error"
            assert first_error(message) == NOT_ALLOWED["errors"][0]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_refused_document_gives_back_its_operation_slot(
    protocol: str, manifest: str
) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    trusted_documents = {"file": manifest, "mode": "enforce"}
    limits = {"max_subscriptions_per_client": 2}
    settings = gateway_settings(trusted_documents=trusted_documents, limits=limits)
    with ws_server(settings) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            for op_id in ("1", "2", "3"):  # more refusals than the client's cap
                await send(ws, {"id": op_id, "type": kind, "payload": {"query": UNTRUSTED}})
                refused = await receive(ws)
                assert (refused["id"], first_error(refused)) == (op_id, NOT_ALLOWED["errors"][0])
            trusted = {"extensions": persisted_query(TICKS)}
            await send(ws, {"id": "4", "type": kind, "payload": trusted})
            message = await receive(ws)
            assert message["type"] == data_type(protocol), message
            assert message["payload"] == {"data": {"probeTicks": 0}}


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscribe_without_a_document_gives_back_its_operation_slot(
    protocol: str,
) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    settings = gateway_settings(limits={"max_subscriptions_per_client": 2})
    with ws_server(settings) as url:
        for op_id in ("1", "2", "3"):  # more malformed operations than the client's cap
            async with socket(url, protocol) as ws:
                assert (await init(ws))["type"] == "connection_ack"
                await send(ws, {"id": op_id, "type": kind, "payload": {}})
                with contextlib.suppress(ConnectionClosed):
                    await receive(ws)
        async with socket(url, protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await send(ws, {"id": "4", "type": kind, "payload": {"query": TICKS}})
            message = await receive(ws)
            assert message["type"] == data_type(protocol), message
            assert message["payload"] == {"data": {"probeTicks": 0}}


# -- log -------------------------------------------------------------------------------


async def test_log_mode_runs_untrusted_documents_and_logs_their_hash(
    manifest: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = metric("untrusted"), metric("trusted")
    settings = settings_with(file=manifest, mode="log")
    async with asgi_client(app=probe_app(settings)) as client:
        with caplog.at_level(logging.WARNING, "gateway.trusted_documents"):
            untrusted = await client.post("/graphql", json={"query": ANOTHER})
            trusted = await client.post("/graphql", json={"query": TRUSTED, "variables": ECHO})
    assert untrusted.json() == {"data": {"probeEcho": "a"}}
    assert trusted.json() == {"data": {"probeEcho": "hi"}}
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.trusted_documents"]
    assert lines == [f"untrusted document ran: sha256 {sha256(ANOTHER)}"]
    assert (metric("untrusted"), metric("trusted")) == (before[0] + 1, before[1] + 1)


# -- automatic persisted queries -------------------------------------------------------

NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


async def test_the_apollo_flow_registers_then_runs_by_hash() -> None:
    """Apollo Client's link: GET with the hash alone, then POST with the document."""
    query = "query Shout($text: String!) { probeEcho(text: $text) }"
    hashed = {
        "operationName": "Shout",
        "variables": json.dumps(ECHO),
        "extensions": json.dumps(persisted_query(query)),
    }
    accept = {"accept": "application/graphql-response+json,application/json;q=0.9"}
    async with asgi_client(app=probe_app(settings_with(apq=True))) as client:
        miss = await client.get("/graphql", params=hashed, headers=accept)
        assert miss.status_code == 200
        assert miss.json() == NOT_FOUND
        assert miss.headers["cache-control"] == "private, no-cache, must-revalidate"
        full = {"query": query, "operationName": "Shout", "variables": ECHO}
        registered = await client.post(
            "/graphql", json={**full, "extensions": persisted_query(query)}, headers=accept
        )
        assert registered.json() == {"data": {"probeEcho": "hi"}}
        hit = await client.get("/graphql", params=hashed, headers=accept)
        assert hit.status_code == 200
        assert hit.json() == {"data": {"probeEcho": "hi"}}


async def test_a_hash_that_does_not_match_its_document_is_refused() -> None:
    async with asgi_client(app=probe_app(settings_with(apq=True))) as client:
        response = await client.post(
            "/graphql", json={"query": UNTRUSTED, "extensions": persisted_query(TRUSTED)}
        )
        after = await client.post("/graphql", json={"extensions": persisted_query(TRUSTED)})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": "provided sha does not match query",
            "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
        }
    ]
    assert after.json() == NOT_FOUND


async def test_without_apq_a_hash_alone_is_not_supported() -> None:
    async with asgi_client(app=probe_app(gateway_settings())) as client:
        response = await client.post("/graphql", json={"extensions": persisted_query(UNTRUSTED)})
        malformed = await client.post(
            "/graphql", json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "x"}}}
        )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["message"] == "Unsupported persisted query version"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_apq_over_websocket(protocol: str) -> None:
    kind = "subscribe" if protocol == TRANSPORT_WS else "start"
    with ws_server(settings_with(apq=True)) as url:
        async with socket(url, protocol) as ws:
            assert (await init(ws))["type"] == "connection_ack"
            await send(
                ws, {"id": "1", "type": kind, "payload": {"extensions": persisted_query(TICKS)}}
            )
            miss = await receive(ws)
            assert miss["type"] == "error"
            assert first_error(miss) == NOT_FOUND["errors"][0]
            full = {"query": TICKS, "extensions": persisted_query(TICKS)}
            await send(ws, {"id": "2", "type": kind, "payload": full})
            assert (await receive(ws))["payload"] == {"data": {"probeTicks": 0}}
            await send(
                ws, {"id": "3", "type": kind, "payload": {"extensions": persisted_query(TICKS)}}
            )
            while (message := await receive(ws))["id"] != "3":
                pass
            assert message["payload"] == {"data": {"probeTicks": 0}}


def test_registered_documents_are_bounded_in_bytes() -> None:
    registered = RegisteredDocuments(max_bytes=3 * (64 + 10))
    for n in range(5):
        registered.put(f"h{n}", f"document-{n}")
    assert len(registered) == 3
    assert registered.get("h0") is None
    assert registered.get("h4") == "document-4"
    assert not registered.put("huge", "x" * 1_000)
    # bytes, not characters: ten 4-byte characters take 40 of them
    assert not RegisteredDocuments(max_bytes=64 + 39).put("wide", "\U0001f600" * 10)
    assert RegisteredDocuments(max_bytes=64 + 40).put("wide", "\U0001f600" * 10)
