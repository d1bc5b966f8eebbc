"""Fixtures of the tenant tests: a unique Redis key prefix per test, stores of each kind."""

from tests.gateway.events.conftest import redis_prefix
from tests.providers.conftest import store_of_each_kind

__all__ = ["redis_prefix", "store_of_each_kind"]
