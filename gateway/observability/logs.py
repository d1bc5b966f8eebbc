"""Log output: JSON lines or text, for the gateway's loggers and uvicorn's alike.

A JSON line carries ``timestamp``, ``level``, ``logger``, ``message``, and where known the
``request_id``, the GraphQL ``operation``, the ``provider`` being called (with
``"sandbox": true`` when its in-memory sandbox answers), the caller's ``tenant`` and, while a
traced span is current, its ``trace_id`` and ``span_id``; uvicorn's access lines add
``method``, ``path`` and ``status``. Messages and exception texts pass through the same
redaction as every log record (credentials in URLs, JWTs).
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from gateway.observability.context import current_operation, current_request_id, current_tenant
from gateway.observability.tracing import log_ids
from gateway.settings import LogFormat
from providers import redact
from providers._observe import calling_sandbox, current_provider

__all__ = ["JsonFormatter", "LogFormat", "logging_config"]

#: the outbound client's loggers: httpx writes one INFO line per provider call
OUTBOUND_LOGGERS = ("httpx", "httpcore")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
_ACCESS_ARGS = 5


def _context() -> dict[str, str | bool]:
    values = {
        "request_id": current_request_id.get(),
        "operation": current_operation.get(),
        "provider": current_provider.get(),
        "tenant": current_tenant.get(),
    }
    context: dict[str, str | bool] = {k: v for k, v in values.items() if v is not None}
    ids = log_ids()
    if ids is not None:
        context["trace_id"], context["span_id"] = ids
    if calling_sandbox.get():
        context["sandbox"] = True
    return context


def _access_fields(record: logging.LogRecord) -> dict[str, Any]:
    """Method, path and status of a uvicorn access line (its arguments are redacted)."""
    args = record.args
    if record.name != "uvicorn.access" or not isinstance(args, tuple) or len(args) != _ACCESS_ARGS:
        return {}
    _, method, path, _, status = args
    return {"method": method, "path": path, "status": status}


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def __init__(self, use_colors: bool | None = None) -> None:
        del use_colors  # uvicorn passes it to every formatter it knows
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            **_context(),
            **_access_fields(record),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's ``log_config`` (every worker applies it).

    ``level`` for everything; the outbound client's per-call lines only at debug.
    """
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["root"] = {
        "formatter": "root",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    if log_format is LogFormat.JSON:
        formatter = f"{__name__}.JsonFormatter"
        config["formatters"] = {name: {"()": formatter} for name in ("default", "access", "root")}
    else:
        config["formatters"]["root"] = {"format": TEXT_FORMAT}
    config["root"] = {"handlers": ["root"], "level": level.upper()}
    outbound = "DEBUG" if level.lower() in {"debug", "trace"} else "WARNING"
    for name in OUTBOUND_LOGGERS:
        config["loggers"][name] = {"level": outbound}
    return config
