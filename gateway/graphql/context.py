"""The typed GraphQL context: process services, the caller, request-scoped loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.auth import Principal
from gateway.services import Services

__all__ = ["Context", "Info"]


@dataclass
class Context(BaseContext):
    """Built once per HTTP request or WebSocket connection."""

    services: Services
    principal: Principal
    #: per-request (and per subscription event) DataLoaders, keyed by name; never shared
    loaders: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()


Info = StrawberryInfo[Context, None]
