"""Metered's credential: the ``secretKey`` query parameter on every call.

The key is added as late as possible, inside the transport, on a copy of the request:
the request that httpx logs (``HTTP Request: GET …`` at INFO), hands back on
``response.request`` and attaches to its exceptions never carries it. Transport errors
are re-raised as fresh exceptions with the key scrubbed from their message and with no
chain to the originals, whose messages may quote the full URL.
"""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from providers._http import redact

__all__ = ["SECRET_PARAM", "SecretKeyTransport", "scrub"]

SECRET_PARAM = "secretKey"  # noqa: S105 - the parameter's name, not a value


def scrub(text: str, secret: SecretStr | None) -> str:
    """``text`` without the key: query-string spellings and any literal occurrence."""
    cleaned = redact(text)
    value = secret.get_secret_value() if secret is not None else ""
    return cleaned.replace(value, "***") if value else cleaned


class SecretKeyTransport(httpx.AsyncBaseTransport):
    """Wraps ``inner``; sends every request with ``?secretKey=…`` added."""

    def __init__(self, inner: httpx.AsyncBaseTransport, secret_key: SecretStr | None) -> None:
        self._inner = inner
        self._secret = secret_key

    def __repr__(self) -> str:
        return f"SecretKeyTransport(inner={type(self._inner).__name__}, secret_key=***)"

    def _authorized(self, request: httpx.Request) -> httpx.Request:
        if self._secret is None:
            return request
        url = request.url.copy_merge_params({SECRET_PARAM: self._secret.get_secret_value()})
        return httpx.Request(
            request.method,
            url,
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(self._authorized(request))
        except httpx.TransportError as exc:
            error = type(exc)(scrub(str(exc), self._secret), request=request)
        # raised outside the handler so that the original (unscrubbed) error is not chained
        raise error

    async def aclose(self) -> None:
        await self._inner.aclose()
