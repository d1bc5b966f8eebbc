"""The ``gateway`` command: ``serve``, ``dev`` and ``export-schema``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError

from gateway.app import create_app
from gateway.graphql.schema import build_schema
from gateway.settings import AuthMode, Settings, describe_validation_error

__all__ = ["main"]

DEV_BANNER = """
==============================================================================
  DEVELOPMENT MODE: sandbox providers, in-process bus, NO AUTHENTICATION.
  Never expose this process to a network you do not control.
  GraphiQL: http://{host}:{port}/graphql
==============================================================================
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("serve", "run the gateway (production)"),
        ("dev", "run with sandbox providers, no auth, GraphiQL"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        command.add_argument("--log-level", default="info")
        if name == "serve":
            command.add_argument("--workers", type=int, default=1)
            command.add_argument(
                "--insecure", action="store_true", help="allow running without client auth"
            )
    commands.add_parser("export-schema", help="print the GraphQL SDL")
    return parser


def _load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        sys.exit(f"gateway: {describe_validation_error(exc)}")


def _check_auth(settings: Settings, insecure: bool) -> None:
    mode = settings.auth.mode
    if mode is None and not insecure:
        sys.exit(
            "gateway: refusing to start without client authentication: set GATEWAY_AUTH__MODE=jwt "
            "(with GATEWAY_AUTH__JWT_SECRET or GATEWAY_AUTH__PUBLIC_KEY), or choose "
            "GATEWAY_AUTH__MODE=none explicitly, or pass --insecure"
        )
    if mode is AuthMode.JWT and settings.auth.jwt_secret is None and not settings.auth.public_key:
        sys.exit(
            "gateway: GATEWAY_AUTH__MODE=jwt needs "
            "GATEWAY_AUTH__JWT_SECRET or GATEWAY_AUTH__PUBLIC_KEY"
        )


def _run(settings: Settings, args: argparse.Namespace, workers: int = 1) -> None:
    if workers > 1:
        sys.exit("gateway: --workers > 1 needs GATEWAY_REDIS_URL and a process manager per worker")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        sys.stdout.write(build_schema().as_str() + "\n")
        return
    if args.command == "dev":
        settings = _load_settings(sandbox=True, auth={"mode": AuthMode.NONE})
        sys.stderr.write(DEV_BANNER.format(host=args.host, port=args.port))
        _run(settings, args)
        return
    settings = _load_settings()
    _check_auth(settings, args.insecure)
    _run(settings, args, args.workers)
