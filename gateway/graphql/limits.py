"""Safety limits on operations: depth, aliases, tokens, and bounded parse/validation caches.

The validation rules are built once per schema, so the validation cache (keyed by the
rule classes) hits across requests while every request still gets fresh extensions.
"""

from __future__ import annotations

from collections.abc import Callable

from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from gateway.settings import LimitSettings

__all__ = ["limit_extensions"]

ExtensionFactory = Callable[[], SchemaExtension]


def limit_extensions(limits: LimitSettings) -> list[ExtensionFactory]:
    """Schema extension factories enforcing ``limits`` (order matters: tokens before parse)."""
    rules = [depth_rule(limits.max_query_depth, None), alias_rule(limits.max_aliases)]
    cache_size = limits.parser_cache_size

    def tokens() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=limits.max_tokens)

    def parser_cache() -> SchemaExtension:
        return ParserCache(maxsize=cache_size)

    def validation_rules() -> SchemaExtension:
        return AddValidationRules(list(rules))

    def validation_cache() -> SchemaExtension:
        return ValidationCache(maxsize=cache_size)

    return [tokens, parser_cache, validation_rules, validation_cache]
