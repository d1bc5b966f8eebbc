"""One signed POST of one event to one endpoint (Standard Webhooks headers)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
from standardwebhooks import Webhook

from gateway.events.model import StoredEvent
from gateway.outbound.addresses import GuardedResolver, UrlPolicy, UrlRefused
from gateway.outbound.model import Endpoint, event_body
from gateway.settings import OutboundSettings

__all__ = ["Sender", "signed_headers"]

USER_AGENT = "meetings-gateway-webhooks/1"


def signed_headers(endpoint: Endpoint, message_id: str, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of ``body``, signed with the endpoint's secret now."""
    now = datetime.now(UTC)
    signature = Webhook(endpoint.secret).sign(message_id, now, body)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


class Sender:
    """POSTs deliveries: no redirects, a timeout on each, at most ``max_in_flight`` at once,
    only to addresses the URL policy allows at that moment."""

    def __init__(self, settings: OutboundSettings) -> None:
        self._settings = settings
        self._policy = UrlPolicy.of(settings)
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._session: aiohttp.ClientSession | None = None
        self.in_flight = 0

    async def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self._policy),
                limit=self._settings.max_in_flight,
                use_dns_cache=False,
            )
            timeout = aiohttp.ClientTimeout(total=self._settings.timeout_seconds)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def send(self, endpoint: Endpoint, stored: StoredEvent) -> str | None:
        """``None`` when the endpoint answered 2xx, else why the delivery failed."""
        if self._session is None:
            raise RuntimeError("Sender.start() was not awaited")
        try:
            self._policy.check_url(endpoint.url)
        except UrlRefused as exc:
            return str(exc)
        body = event_body(stored)
        headers = signed_headers(endpoint, stored.event.id, body)
        async with self._slots:
            self.in_flight += 1
            try:
                return await self._post(self._session, endpoint.url, body, headers)
            finally:
                self.in_flight -= 1

    @staticmethod
    async def _post(
        session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
    ) -> str | None:
        try:
            async with session.post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                status = response.status
        except TimeoutError:
            return "timed out"
        except (aiohttp.ClientError, OSError) as exc:
            # the class only: messages can carry the URL, and URLs can carry tokens
            return f"connection failed ({type(exc).__name__})"
        return None if 200 <= status < 300 else f"answered HTTP {status}"
