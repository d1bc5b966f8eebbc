"""Provider stand-ins on loopback: the three sandboxes, each on its own port.

``python -m bench.standins ROOMS`` seeds ``ROOMS`` rooms per sandbox, serves them and prints
one JSON line: the ``GATEWAY_…`` environment of a gateway that uses them. ``GET
/_bench/credentials`` on a port answers how many distinct credentials that provider saw
(minted tokens, or Metered's key).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from typing import Any

import httpx
import uvicorn
from pydantic import BaseModel, SecretStr
from starlette.types import Receive, Scope, Send

from providers import REGISTRY
from providers._fake import FakeAPI

__all__ = ["Served", "environment"]


def environment(name: str, settings: BaseModel, base_url: str) -> dict[str, str]:
    """``GATEWAY_PROVIDERS__<NAME>__…`` variables for ``settings``, pointed at ``base_url``."""
    env: dict[str, str] = {}
    for field, value in settings:
        if value is None or isinstance(value, BaseModel):
            continue
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        env[f"GATEWAY_PROVIDERS__{name.upper()}__{field.upper()}"] = text
    env[f"GATEWAY_PROVIDERS__{name.upper()}__BASE_URL"] = base_url
    return env


def _credential(request: httpx.Request) -> str:
    header: str = request.headers.get("authorization", "")
    return header or str(request.url.params.get("secretKey", ""))


async def _body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


class Served:
    """One sandbox as an ASGI app, counting the credentials it is sent."""

    def __init__(self, fake: FakeAPI, port: int) -> None:
        self.fake = fake
        self.port = port
        self.seen: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        if scope["path"] == "/_bench/credentials":
            await _send(send, httpx.Response(200, json={"credentials": len(self.seen)}))
            return
        url = httpx.URL(f"http://127.0.0.1:{self.port}{scope['path']}")
        request = httpx.Request(
            scope["method"],
            url.copy_with(query=scope["query_string"]),
            headers=[(k.decode(), v.decode()) for k, v in scope["headers"]],
            content=body,
        )
        self.seen.add(_credential(request))
        await _send(send, await self.fake.handle(request))


async def _send(send: Send, response: httpx.Response) -> None:
    content = await response.aread()
    headers = [
        (k.lower().encode(), v.encode())
        for k, v in response.headers.items()
        if k.lower() not in {"content-length", "transfer-encoding"}
    ]
    headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def _socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


async def main(rooms: int) -> None:
    servers, env = [], dict[str, str]()
    for name, entry in REGISTRY.items():
        fake: Any = entry.sandbox()
        fake.seed_rooms(rooms)
        sock = _socket()
        port = sock.getsockname()[1]
        env |= environment(name, fake.settings(), f"http://127.0.0.1:{port}{fake.prefix}")
        config = uvicorn.Config(
            Served(fake, port), log_level="warning", lifespan="off", backlog=4096
        )
        servers.append(uvicorn.Server(config).serve(sockets=[sock]))
    print(json.dumps(env), flush=True)
    await asyncio.gather(*servers)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
