"""The ``gateway`` command: ``serve``, ``dev`` and ``export-schema``."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NoReturn

import uvicorn
from pydantic import ValidationError
from pydantic_settings import SettingsError

from gateway.app import DEFAULT_DRAIN_SECONDS, create_app
from gateway.graphql.schema.build import build_schema
from gateway.http_protocol import HTTP_PROTOCOL
from gateway.observability.endpoint import MULTIPROC_ENV
from gateway.observability.logs import logging_config
from gateway.settings import (
    ENV_PREFIX,
    SERVE_CLIENT_RATE,
    AuthMode,
    LogFormat,
    Settings,
    describe_settings_error,
    describe_validation_error,
    unknown_variables,
)
from gateway.shutdown import END_SECONDS
from providers import REGISTRY

__all__ = ["main"]

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
#: seconds a worker process may take to answer its supervisor (imports included)
WORKER_HEALTHCHECK_SECONDS = 30

DEV_BANNER = """
==============================================================================
  DEVELOPMENT MODE: sandbox providers, in-process bus, NO AUTHENTICATION.
  Never expose this process to a network you do not control.
  GraphiQL: http://{host}:{port}/graphql
==============================================================================
"""

INSECURE_BANNER = """
==============================================================================
  NO CLIENT AUTHENTICATION ({reason}). Every caller holds every scope.
==============================================================================
"""

NO_PROVIDER_BANNER = """
==============================================================================
  NO PROVIDER IS CONFIGURED: every provider operation will fail.
  Configure one with GATEWAY_PROVIDERS__<NAME>__... ({names}),
  or try the sandboxes with `gateway dev`.
==============================================================================
"""

NO_AUTH = (
    "refusing to start without client authentication: set GATEWAY_AUTH__MODE=jwt "
    "(with GATEWAY_AUTH__JWT_SECRET or GATEWAY_AUTH__PUBLIC_KEY), or choose "
    "GATEWAY_AUTH__MODE=none explicitly, or pass --insecure"
)


def _version() -> str:
    try:
        return version("meetings-gateway")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway (production)")
    _add_server_options(serve)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (needs Redis)")
    serve.add_argument("--insecure", action="store_true", help="allow running without auth")
    dev = commands.add_parser("dev", help="sandbox providers, no auth, GraphiQL")
    _add_server_options(dev)
    commands.add_parser("export-schema", help="print the GraphQL SDL")
    return parser


def _add_server_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--port", type=int, default=8000)
    command.add_argument("--log-level", default="info", choices=LOG_LEVELS)


def _fail(message: str) -> NoReturn:
    """Exit with ``message``, each of its lines prefixed with the command's name."""
    sys.exit("\n".join(f"gateway: {line}" for line in message.splitlines()))


def _load_settings(**overrides: Any) -> Settings:
    unknown = unknown_variables(os.environ)
    if unknown:
        _fail("\n".join(unknown))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        _fail(describe_validation_error(exc))
    except SettingsError as exc:
        _fail(describe_settings_error(exc))


def _log_config(args: argparse.Namespace, settings: Settings, default: LogFormat) -> Any:
    """uvicorn's ``log_config``: every worker process applies it."""
    return logging_config(args.log_level, LogFormat(settings.log_format or default))


def _warn_without_providers(settings: Settings) -> None:
    if settings.sandbox:
        return
    if not any(settings.provider_settings(name).configured for name in REGISTRY):
        names = ", ".join(name.upper() for name in REGISTRY)
        sys.stderr.write(NO_PROVIDER_BANNER.format(names=names))


def _multiprocess_metrics() -> None:
    """Workers write their metrics to one directory that every scrape sums.

    An operator's ``PROMETHEUS_MULTIPROC_DIR`` is emptied of an earlier run's values;
    without one, a private temporary directory is made and removed at exit.
    """
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        return
    directory = Path(tempfile.mkdtemp(prefix="gateway-metrics-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    # spawned workers inherit it and read it when they import prometheus_client
    os.environ[MULTIPROC_ENV] = str(directory)


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options that follow from the settings.

    A WebSocket frame (before ``connection_init`` too) is no larger than an HTTP body;
    request headers have a deadline (``http_protocol``).
    """
    return {
        "http": HTTP_PROTOCOL,
        "ws_per_message_deflate": settings.events.websocket_compression,
        "ws_max_size": settings.limits.max_body_bytes,
        # requests still running this long after the drain are cancelled
        "timeout_graceful_shutdown": settings.shutdown.requests_seconds(
            DEFAULT_DRAIN_SECONDS, END_SECONDS
        ),
    }


REQUIRE_TENANT_ENV = f"{ENV_PREFIX}AUTH__REQUIRE_TENANT"
CLIENT_RATE_ENV = f"{ENV_PREFIX}LIMITS__CLIENT_RATE"


def serve_defaults(settings: Settings) -> Settings:
    """``settings`` with the defaults of ``gateway serve``: a client rate unless one is set
    (an empty value turns it off), and with JWT auth an unset ``REQUIRE_TENANT`` on."""
    limits, auth = settings.limits, settings.auth
    if limits.client_rate is None:
        limits = limits.model_copy(update={"client_rate": SERVE_CLIENT_RATE})
    if auth.require_tenant is None:
        auth = auth.model_copy(update={"require_tenant": auth.mode is AuthMode.JWT})
    return settings.model_copy(update={"limits": limits, "auth": auth})


def _exit_zero_after_shutdown() -> None:
    """Once shut down, uvicorn raises the signal that stopped it again, under the handler
    found at start: the default handler would end a clean shutdown with status 143."""
    signal.signal(signal.SIGTERM, lambda _signal, _frame: None)


def _serve(args: argparse.Namespace) -> None:
    settings = serve_defaults(_load_settings())
    if settings.auth.mode is None:
        if not args.insecure:
            _fail(NO_AUTH)
        sys.stderr.write(INSECURE_BANNER.format(reason="--insecure"))
    elif settings.auth.mode is AuthMode.NONE:
        sys.stderr.write(INSECURE_BANNER.format(reason="GATEWAY_AUTH__MODE=none"))
    if args.workers < 1:
        _fail("--workers must be at least 1")
    _warn_without_providers(settings)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "log_config": _log_config(args, settings, LogFormat.JSON),
        **server_options(settings),
    }
    _exit_zero_after_shutdown()
    if args.workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    if settings.redis_url is None:
        _fail("--workers > 1 needs GATEWAY_REDIS_URL: workers share events and caches there")
    if settings.metrics.enabled:
        _multiprocess_metrics()
    # workers read the environment, not these settings
    os.environ.setdefault(CLIENT_RATE_ENV, str(settings.limits.client_rate))
    os.environ.setdefault(REQUIRE_TENANT_ENV, str(settings.auth.require_tenant).lower())
    # each worker process builds its app (and reads the same environment) itself; a worker
    # still importing on a busy host must not be killed as hung (uvicorn allows 5 s)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        workers=args.workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **options,
    )


def _dev(args: argparse.Namespace) -> None:
    settings = _load_settings(
        sandbox=True, redis_url=None, auth={"mode": AuthMode.NONE, "require_tenant": False}
    )
    if settings.introspection is None:
        # GraphiQL's docs and completion need introspection
        settings = settings.model_copy(update={"introspection": True})
    if settings.shutdown.drain_seconds is None:
        # no load balancer to leave: Ctrl+C stops at once
        shutdown = settings.shutdown.model_copy(update={"drain_seconds": 0.0})
        settings = settings.model_copy(update={"shutdown": shutdown})
    sys.stderr.write(DEV_BANNER.format(host=args.host, port=args.port))
    _exit_zero_after_shutdown()
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=_log_config(args, settings, LogFormat.TEXT),
        **server_options(settings),
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``gateway`` command."""
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        sys.stdout.write(build_schema().as_str() + "\n")
        return
    if args.command == "dev":
        _dev(args)
    else:
        _serve(args)
