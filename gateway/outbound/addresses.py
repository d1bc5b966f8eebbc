"""Which URLs an outbound webhook may call: https only, and never an internal address.

The URL is checked when an endpoint is created and again at every delivery, on the
addresses its host resolves to at that moment: ``GuardedResolver`` hands aiohttp only
addresses that passed the check, so a name re-pointed at an internal address after
creation (DNS rebinding) is refused instead of called.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from gateway.settings import OutboundSettings

__all__ = ["GuardedResolver", "UrlPolicy", "UrlRefused"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
#: private ranges (allowed by ``allow_private_networks``); ``is_private`` would also
#: cover link-local, loopback and documentation ranges
_PRIVATE = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


class UrlRefused(ValueError):
    """The URL may not be called; the message says why (safe to show)."""


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """The rules of ``OutboundSettings`` for endpoint URLs."""

    allow_loopback: bool = False
    allow_private_networks: bool = False

    @classmethod
    def of(cls, settings: OutboundSettings) -> UrlPolicy:
        return cls(settings.allow_loopback, settings.allow_private_networks)

    def check_url(self, url: str) -> SplitResult:
        """The parsed URL when its form is acceptable; ``UrlRefused`` otherwise.

        An IP literal host is checked here; a name is checked by ``resolve``."""
        parts = _parse(url)
        host = parts.hostname or ""
        literal = _ip_literal(host)
        loopback = host == "localhost" or (literal is not None and literal.is_loopback)
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise UrlRefused("url must use https (http only for loopback)")
        if loopback and not self.allow_loopback:
            raise UrlRefused("url must not point to loopback")
        if literal is not None:
            self.check_address(literal)
        return parts

    def check_address(self, address: IPAddress) -> None:
        """``UrlRefused`` unless ``address`` may be called."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback:
            if not self.allow_loopback:
                raise UrlRefused("url resolves to a loopback address")
            return
        if any(address in net for net in _PRIVATE):
            if not self.allow_private_networks:
                raise UrlRefused("url resolves to a private address")
            return
        if not address.is_global or address.is_multicast:
            raise UrlRefused("url resolves to a link-local or reserved address")

    async def resolve(self, url: str) -> None:
        """Check the URL and every address its host resolves to now."""
        parts = self.check_url(url)
        host = parts.hostname or ""
        if _ip_literal(host) is not None:
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, parts.port or 443, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError):
            raise UrlRefused("url host does not resolve") from None
        for info in infos:
            self.check_address(ipaddress.ip_address(info[4][0]))


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, keeping only the addresses ``policy`` allows."""

    def __init__(self, policy: UrlPolicy) -> None:
        self._policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self._allowed(r["host"])]
        if not allowed:
            raise OSError(f"{host} resolves to no address a webhook may reach")
        return allowed

    def _allowed(self, host: str) -> bool:
        try:
            self._policy.check_address(ipaddress.ip_address(host.partition("%")[0]))
        except (UrlRefused, ValueError):
            return False
        return True

    async def close(self) -> None:
        await self._inner.close()


def _parse(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"url must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UrlRefused("url is not a valid URL") from None
    if not parts.hostname:
        raise UrlRefused("url must be absolute, with a host")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("url must not carry credentials")
    if parts.fragment:
        raise UrlRefused("url must not have a fragment")
    return parts


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
