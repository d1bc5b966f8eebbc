"""The event tests' buses and Redis prefixes, for projections of their logs."""

from tests.gateway.events.conftest import make_bus, redis_prefix

__all__ = ["make_bus", "redis_prefix"]
