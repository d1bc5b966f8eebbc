"""Keep credentials that travel in URLs out of the logs.

Webhook tokens arrive in query strings (``/webhooks/vonage?token=…``) and uvicorn's access
log prints the whole request line; outbound URLs carry keys too (Metered's ``secretKey``),
as strings or as ``httpx.URL`` arguments. ``install`` makes every record of the
URL-printing logger families redacted as it is created: a logging filter would only see
records of the one logger it is attached to, not of its children created later
(``httpcore.http11`` appears with the first connection). The same factory marks the URLs
of calls answered by a provider's sandbox (``sandbox_logs.mark``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from gateway.observability import sandbox_logs
from providers import redact

__all__ = ["FAMILIES", "install", "scrub"]

#: the logger families that print URLs (a logger and all its children)
FAMILIES = ("uvicorn", "httpx", "httpcore", "gateway", "providers")
_PLAIN = (int, float, bool, type(None))


def _clean(value: Any) -> Any:
    """``value`` with credentials hidden; a non-string value that carries one becomes text."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, _PLAIN):
        return value
    text = str(value)
    hidden = redact(text)
    return value if hidden == text else hidden


def scrub(record: logging.LogRecord) -> None:
    """Replace credential values in ``record``'s message and arguments with ``***``."""
    record.msg = _clean(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_clean(a) for a in record.args)
    elif isinstance(record.args, Mapping):
        record.args = {key: _clean(a) for key, a in record.args.items()}


class _RedactingFactory:
    """The log record factory, scrubbing the records of ``FAMILIES`` (and marking sandbox
    calls' URLs in any record)."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if record.name.partition(".")[0] in FAMILIES:
            scrub(record)
        sandbox_logs.mark(record)
        return record


def install() -> None:
    """Redact every record of ``FAMILIES`` (once)."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(factory))
