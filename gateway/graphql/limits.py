"""Safety limits on operations: depth, aliases, provider calls, tokens, and bounded
parse/validation caches.

Depth, aliases and provider calls (``gateway.graphql.cost``) are checked by one validation
rule that analyses the document once, fragments memoized (``gateway.graphql.analysis``).
The rule is built once per schema, so the validation cache (keyed by the parsed document
and the rule classes) keeps each document's verdict: a document is analysed once while it
stays in the cache, and every request still gets fresh extensions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import GraphQLError, GraphQLSyntaxError, ValidationContext, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)

from gateway.graphql.analysis import OperationAnalysis, analyse_document
from gateway.graphql.errors import ErrorCode
from gateway.settings import LimitSettings

__all__ = ["limit_extensions", "limits_rule"]

ExtensionFactory = Callable[[], SchemaExtension]
_CODED = {"code": ErrorCode.BAD_USER_INPUT.value}


class CodedParserCache(ParserCache):
    """The parser cache, with syntax errors (the token limit's too) as ``BAD_USER_INPUT``.

    The parser raises them while the parsing hooks are being entered, where no other
    extension sees them, so they are coded where the parsing happens.
    """

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except GraphQLSyntaxError as error:
            coded = GraphQLError(
                error.message, source=error.source, positions=error.positions, extensions=_CODED
            )
            raise coded from None


def _too_costly(operation: OperationAnalysis, max_calls: int) -> GraphQLError:
    message = (
        f"'{operation.name}' may cause more than {max_calls} provider calls; "
        "ask fewer lists at once, name a provider, or split the operation"
    )
    extensions = {**_CODED, "maxProviderCalls": max_calls}
    return GraphQLError(message, operation.node, extensions=extensions)


def limits_rule(max_depth: int, max_aliases: int, max_calls: int = 10) -> type[ValidationRule]:
    """A validation rule refusing documents deeper than ``max_depth``, with too many aliases,
    or whose operation may cause more than ``max_calls`` provider calls."""

    class OperationLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            analysis = analyse_document(
                context.document,
                alias_ceiling=max_aliases + 1,
                schema=context.schema,
                calls_ceiling=max_calls + 1,
            )
            for operation in analysis.operations:
                if operation.depth > max_depth:
                    message = f"'{operation.name}' exceeds maximum operation depth of {max_depth}"
                    self.report_error(GraphQLError(message, operation.node, extensions=_CODED))
                if operation.provider_calls > max_calls:
                    self.report_error(_too_costly(operation, max_calls))
            if analysis.aliases > max_aliases:
                message = f"more than {max_aliases} aliases found. Allowed: {max_aliases}"
                self.report_error(GraphQLError(message, extensions=_CODED))

    return OperationLimits


def limit_extensions(limits: LimitSettings) -> list[ExtensionFactory]:
    """Schema extension factories enforcing ``limits`` (order matters: tokens before parse)."""
    rules = [limits_rule(limits.max_query_depth, limits.max_aliases, limits.max_provider_calls)]
    cache_size = limits.parser_cache_size

    def tokens() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=limits.max_tokens)

    def parser_cache() -> SchemaExtension:
        return CodedParserCache(maxsize=cache_size)

    def validation_rules() -> SchemaExtension:
        return AddValidationRules(list(rules))

    def validation_cache() -> SchemaExtension:
        return ValidationCache(maxsize=cache_size)

    return [tokens, parser_cache, validation_rules, validation_cache]
