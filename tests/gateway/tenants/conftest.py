"""Fixtures of the tenant tests: a unique Redis key prefix per test."""

from tests.gateway.events.conftest import redis_prefix

__all__ = ["redis_prefix"]
