"""Fixtures of the outbound webhook tests: the unique Redis key prefix of the event tests."""

from tests.gateway.events.conftest import redis_prefix

__all__ = ["redis_prefix"]
