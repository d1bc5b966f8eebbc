"""Keep credentials that travel in URLs out of the logs.

Webhook tokens arrive in query strings (``/webhooks/vonage?token=…``) and uvicorn's access
log prints the whole request line; outbound URLs can carry keys too. ``RedactSecrets``
rewrites every record of the loggers it is installed on before it is formatted.
"""

from __future__ import annotations

import logging

from providers import redact

__all__ = ["LOGGERS", "RedactSecrets", "install"]

#: the loggers that print URLs
LOGGERS = ("uvicorn.access", "uvicorn.error", "httpx", "gateway")


class RedactSecrets(logging.Filter):
    """Replaces credential values in a record's message and arguments with ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Add the filter to every URL-printing logger (once; later calls change nothing)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
