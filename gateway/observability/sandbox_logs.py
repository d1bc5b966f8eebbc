"""Log lines written during a call to a provider's sandbox say so.

A sandbox serves the real adapter under the real provider's base URL, so without a mark
``HTTP Request: GET https://api-eu.vonage.com/…`` in ``gateway dev`` reads as a call to
Vonage. ``mark`` makes every URL argument of such a record ``sandbox:https://…`` (the log
record factory of ``gateway.log_redaction`` applies it to every record); JSON lines carry
``"sandbox": true`` as well (``logs.JsonFormatter``).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from providers._observe import calling_sandbox

__all__ = ["PREFIX", "mark"]

PREFIX = "sandbox:"


def _marked(value: Any) -> Any:
    if isinstance(value, httpx.URL) or (
        isinstance(value, str) and value.startswith(("http://", "https://"))
    ):
        return PREFIX + str(value)
    return value


def mark(record: logging.LogRecord) -> None:
    """During a sandbox call, make every URL argument of ``record`` ``sandbox:<url>``."""
    if calling_sandbox.get() and isinstance(record.args, tuple):
        record.args = tuple(_marked(arg) for arg in record.args)
