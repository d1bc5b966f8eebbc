"""Client tokens verified with the issuer's keys from a JWKS URL, served by a real loopback
server whose keys the tests rotate, break and count."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import ValidationError

from gateway.auth import Authenticator, AuthError
from gateway.jwks import JwksKeys, UnknownKey, parse_key_set
from gateway.settings import AuthSettings
from tests.gateway.probe_schema import probe_app
from tests.gateway.test_ws import PROTOCOLS, data_type, init, receive, send, socket, start
from tests.support import ManualClock, asgi_client, gateway_settings, live_server, until

ISSUER = "https://id.example"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class KeyServer:
    """A JWKS endpoint on loopback: the keys it publishes, whether it answers, and its hits."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.status = 200
        self.hits = 0
        self.url = ""
        #: seconds each answer waits before it is sent
        self.delay = 0.0

    def publish(self, *keys: tuple[str, PrivateKey]) -> None:
        self.keys = [public_jwk(kid, key) for kid, key in keys]


def public_jwk(kid: str, key: PrivateKey) -> dict[str, Any]:
    algorithm = jwt.get_algorithm_by_name(algorithm_of(key))
    jwk: dict[str, Any] = json.loads(algorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig"}


def algorithm_of(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "EdDSA"


@contextmanager
def key_server() -> Iterator[KeyServer]:
    state = KeyServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            time.sleep(state.delay)
            body = json.dumps({"keys": state.keys}).encode()
            self.send_response(state.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def token(kid: str | None, key: PrivateKey, algorithm: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "alice", "scope": "rooms:read", "iss": ISSUER, "exp": now + 60, **claims}
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(payload, key, algorithm=algorithm or algorithm_of(key), headers=headers)


def jwks_settings(url: str, **auth: Any) -> AuthSettings:
    return AuthSettings(mode="jwt", jwks_url=url, issuer=ISSUER, **auth)


@pytest.fixture(scope="module")
def key_a() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def key_b() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


async def test_a_rotated_key_is_fetched_without_restart(
    key_a: rsa.RSAPrivateKey, key_b: ec.EllipticCurvePrivateKey
) -> None:
    with key_server() as server:
        server.publish(("a", key_a))
        settings = gateway_settings(
            auth=jwks_settings(server.url, jwks_refresh_seconds=0.1).model_dump()
        )
        async with asgi_client(app=probe_app(settings)) as client:
            ask = {"query": "{ __typename }"}
            first = await client.post("/graphql", json=ask, headers=bearer(token("a", key_a)))
            assert first.json() == {"data": {"__typename": "Query"}}
            server.publish(("b", key_b))
            await asyncio.sleep(0.15)
            rotated = await client.post("/graphql", json=ask, headers=bearer(token("b", key_b)))
            assert rotated.json() == {"data": {"__typename": "Query"}}
            assert server.hits == 2


async def test_a_stale_key_set_is_refreshed_while_its_keys_keep_answering(
    key_a: rsa.RSAPrivateKey,
) -> None:
    with key_server() as server:
        server.publish(("a", key_a))
        auth = jwks_settings(server.url, jwks_refresh_seconds=0.1, jwks_max_age_seconds=0.1)
        settings = gateway_settings(auth=auth.model_dump())
        async with asgi_client(app=probe_app(settings)) as client:
            ask = {"query": "{ __typename }"}
            first = await client.post("/graphql", json=ask, headers=bearer(token("a", key_a)))
            assert first.json() == {"data": {"__typename": "Query"}}
            server.delay = 2.0  # the issuer answers slowly from now on
            await asyncio.sleep(0.15)
            started = time.monotonic()
            again = await client.post("/graphql", json=ask, headers=bearer(token("a", key_a)))
            waited = time.monotonic() - started
            assert again.json() == {"data": {"__typename": "Query"}}
            assert waited < 1.0  # the slow refresh runs beside it
            await until(lambda: server.hits == 2)


async def test_a_wrong_issuer_is_401(key_a: rsa.RSAPrivateKey) -> None:
    with key_server() as server:
        server.publish(("a", key_a))
        settings = gateway_settings(auth=jwks_settings(server.url).model_dump())
        async with asgi_client(app=probe_app(settings)) as client:
            forged = token("a", key_a, iss="https://evil.example")
            response = await client.post(
                "/graphql", json={"query": "{ __typename }"}, headers=bearer(forged)
            )
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "token issuer not accepted"


async def test_unknown_kids_fetch_at_most_once_per_interval(key_a: rsa.RSAPrivateKey) -> None:
    clock = ManualClock(1_000.0)
    with key_server() as server:
        server.publish(("a", key_a))
        keys = JwksKeys(server.url, refresh_seconds=60, max_age_seconds=300, clock=clock)
        assert (await keys.key("a")).key_id == "a"
        assert (await keys.key(None)).key_id == "a"  # no kid: the only key
        flood = [keys.key(f"random-{n}") for n in range(30)]
        results = await asyncio.gather(*flood, return_exceptions=True)
        assert all(isinstance(result, UnknownKey) for result in results)
        assert server.hits == 1
        clock.advance(61)
        with pytest.raises(UnknownKey):
            await asyncio.gather(*(keys.key(f"again-{n}") for n in range(30)))
        assert server.hits == 2


async def test_cached_keys_outlive_an_issuer_that_is_down(key_a: rsa.RSAPrivateKey) -> None:
    with key_server() as server:
        server.publish(("a", key_a))
        settings = jwks_settings(server.url, jwks_refresh_seconds=0.05, jwks_max_age_seconds=0.05)
        authenticator = Authenticator(settings)
        assert (await authenticator.authenticate(f"Bearer {token('a', key_a)}")).subject == "alice"
        server.status = 503
        await asyncio.sleep(0.1)
        # the set is stale: fetched again, that fails, the known key still verifies
        assert (await authenticator.authenticate(f"Bearer {token('a', key_a)}")).subject == "alice"
        await asyncio.sleep(0.1)
        with pytest.raises(AuthError, match="signing keys are unavailable"):
            await authenticator.authenticate(f"Bearer {token('new', key_a)}")
        assert server.hits == 3


async def test_an_unreachable_issuer_is_a_clear_401(key_a: rsa.RSAPrivateKey) -> None:
    with key_server() as server:
        url = server.url  # nothing listens there once the block ends
    settings = gateway_settings(auth=jwks_settings(url).model_dump())
    async with asgi_client(app=probe_app(settings)) as client:
        response = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers=bearer(token("a", key_a))
        )
    assert response.status_code == 401
    assert response.json()["errors"][0] == {
        "message": "the issuer's signing keys are unavailable; retry later",
        "extensions": {"code": "UNAUTHENTICATED"},
    }


async def test_only_the_keys_own_asymmetric_algorithm_verifies(key_a: rsa.RSAPrivateKey) -> None:
    pem = (
        key_a.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    edwards = ed25519.Ed25519PrivateKey.generate()
    with key_server() as server:
        server.publish(("a", key_a), ("ed", edwards))
        authenticator = Authenticator(jwks_settings(server.url))
        assert (await authenticator.authenticate(f"Bearer {token('ed', edwards)}")).subject
        claims = {"iss": ISSUER, "exp": int(time.time()) + 60}
        unsigned = jwt.encode(claims, "", "none", headers={"kid": "a"})
        with pytest.raises(AuthError, match="names no key"):
            await authenticator.authenticate(f"Bearer {token(None, edwards)}")
        rs512 = token("a", key_a, algorithm="RS512")
        for forged in (unsigned, rs512, _hs256_with_a_public_key("a", pem)):
            with pytest.raises(AuthError, match="invalid token"):
                await authenticator.authenticate(f"Bearer {forged}")


def _hs256_with_a_public_key(kid: str, pem: str) -> str:
    """The classic confusion: the public key used as an HMAC secret (PyJWT refuses to build it)."""
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": kid}).encode())
    claims = {"iss": ISSUER, "exp": int(time.time()) + 60, "sub": "mallory"}
    body = jwt.utils.base64url_encode(json.dumps(claims).encode())
    signature = hmac.new(pem.encode(), header + b"." + body, hashlib.sha256).digest()
    return b".".join([header, body, jwt.utils.base64url_encode(signature)]).decode()


def test_symmetric_and_encryption_keys_are_ignored(key_a: rsa.RSAPrivateKey) -> None:
    signing = public_jwk("a", key_a)
    keys = parse_key_set(
        {
            "keys": [
                {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
                {**signing, "kid": "enc", "use": "enc"},
                {"kty": "RSA", "kid": "broken"},
                "not a key",
                signing,
            ]
        }
    )
    assert list(keys) == ["a"]
    with pytest.raises(ValueError, match="no usable signing key"):
        parse_key_set({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_websocket_connection_init_uses_the_key_set(
    protocol: str, key_b: ec.EllipticCurvePrivateKey
) -> None:
    with key_server() as server:
        server.publish(("b", key_b))
        settings = gateway_settings(auth=jwks_settings(server.url).model_dump())
        with live_server(app=probe_app(settings)) as base:
            url = base.replace("http://", "ws://") + "/graphql"
            async with socket(url, protocol) as ws:
                granted = token("b", key_b, scope="events:read")
                assert (await init(ws, {"authorization": f"Bearer {granted}"}))["type"] == (
                    "connection_ack"
                )
                await send(ws, start(protocol, "1", "subscription { probeWhoami }"))
                message = await receive(ws)
                assert message["type"] == data_type(protocol)
                assert message["payload"] == {"data": {"probeWhoami": "alice:events:read"}}


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ({"jwks_url": "https://id.example/jwks"}, "needs ISSUER"),
        ({"jwks_url": "http://id.example/jwks", "issuer": ISSUER}, "http only on loopback"),
        (
            {"jwks_url": "https://id.example/jwks", "issuer": ISSUER, "jwt_secret": "x" * 32},
            "excludes JWT_SECRET",
        ),
    ],
)
def test_jwks_settings_are_checked(auth: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AuthSettings(mode="jwt", **auth)
    AuthSettings(mode="jwt", jwks_url="http://[::1]:8080/jwks", issuer=ISSUER)


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}
