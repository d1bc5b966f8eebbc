"""Fixtures of the deployment tests."""

from tests.gateway.events.conftest import redis_prefix

__all__ = ["redis_prefix"]
