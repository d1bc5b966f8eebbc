"""GraphQL errors with the codes of the external interface (``extensions.code``).

Provider errors are translated here, once; anything else that escapes a resolver is
masked as ``INTERNAL`` by ``MaskUnexpectedErrors`` (details only in the log).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from gateway.events.model import SubscriberTooSlow
from providers import (
    CircuitOpen,
    InvalidRequest,
    NotConfigured,
    ProviderAuthError,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    ResourceNotFound,
    UnsupportedOperation,
    WebhookError,
    redact,
)

__all__ = [
    "ErrorCode",
    "GatewayError",
    "MaskUnexpectedErrors",
    "bad_input",
    "code_for_provider_error",
    "from_provider_error",
    "retry_after",
    "too_slow",
]

log = logging.getLogger("gateway.graphql")


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    UNSUPPORTED = "UNSUPPORTED"
    PROVIDER_ERROR = "PROVIDER_ERROR"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    PROVIDER_TIMEOUT = "PROVIDER_TIMEOUT"
    PROVIDER_AUTH = "PROVIDER_AUTH"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL = "INTERNAL"
    #: a subscriber that could not keep up was ended; ``extensions.resumeAfter`` says where
    SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW"
    #: Apollo's codes for persisted queries: a hash alone the gateway does not know (the
    #: client sends the document with it next) / a gateway without persisted queries
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
    #: a document (or hash) that is not among the trusted documents, in enforce mode
    PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
    #: a document sent with a hash that is not its SHA-256
    PERSISTED_QUERY_HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    #: the server is shutting down; ``extensions.resumeAfter`` says where to resume
    SHUTTING_DOWN = "SHUTTING_DOWN"


class GatewayError(GraphQLError):
    """A GraphQL error that carries one of the documented codes."""

    def __init__(self, message: str, code: ErrorCode, **extensions: Any) -> None:
        ext = {"code": code.value, **{k: v for k, v in extensions.items() if v is not None}}
        super().__init__(message, extensions=ext)
        self.code = code


def too_slow(exc: SubscriberTooSlow) -> GatewayError:
    """``SUBSCRIBER_TOO_SLOW`` with the cursor to resume after."""
    return GatewayError(str(exc), ErrorCode.SUBSCRIBER_TOO_SLOW, resumeAfter=exc.resume_after)


def bad_input(message: str, field: str | None = None) -> GatewayError:
    """``BAD_USER_INPUT``, naming the offending field when known."""
    return GatewayError(message, ErrorCode.BAD_USER_INPUT, field=field)


_PROVIDER_CODES: tuple[tuple[type[ProviderError], ErrorCode], ...] = (
    (UnsupportedOperation, ErrorCode.UNSUPPORTED),
    (NotConfigured, ErrorCode.UNSUPPORTED),
    (ResourceNotFound, ErrorCode.NOT_FOUND),
    (ProviderAuthError, ErrorCode.PROVIDER_AUTH),
    (RateLimited, ErrorCode.RATE_LIMITED),
    (ProviderTimeout, ErrorCode.PROVIDER_TIMEOUT),
    (ProviderUnavailable, ErrorCode.PROVIDER_UNAVAILABLE),
    (WebhookError, ErrorCode.BAD_USER_INPUT),
)


def code_for_provider_error(error: ProviderError) -> ErrorCode:
    """The interface code for a provider error (``BAD_USER_INPUT`` for our own validation)."""
    if isinstance(error, InvalidRequest):
        return ErrorCode.BAD_USER_INPUT if error.status is None else ErrorCode.PROVIDER_ERROR
    for kind, code in _PROVIDER_CODES:
        if isinstance(error, kind):
            return code
    return ErrorCode.PROVIDER_ERROR


def from_provider_error(error: ProviderError) -> GatewayError:
    """Translate a provider error; the message is redacted and names the provider."""
    extra: dict[str, Any] = {
        "provider": error.provider,
        "retryable": error.retryable,
        "field": error.field,
    }
    extra["retryAfter"] = retry_after(error)
    return GatewayError(redact(str(error)), code_for_provider_error(error), **extra)


def retry_after(error: ProviderError) -> float | None:
    """Seconds the caller should wait before trying again, when known."""
    if isinstance(error, RateLimited | CircuitOpen):
        return error.retry_after
    return None


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


class MaskUnexpectedErrors(SchemaExtension):
    """Turn provider errors into coded errors and hide everything unexpected."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._translate(error) for error in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each subscription event is translated too (``on_operation`` sees only the last)."""
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [self._translate(error) for error in result.errors]
        yield

    @staticmethod
    def _translate(error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, ProviderError):
            translated = from_provider_error(original)
            return GraphQLError(
                translated.message,
                nodes=error.nodes,
                path=error.path,
                extensions=translated.extensions,
            )
        if isinstance(original, GraphQLError) and original.extensions:
            # the outer message keeps what graphql-core added (a variable's name and path),
            # and the original error stays for the input error translation
            return GraphQLError(
                error.message,
                nodes=error.nodes,
                path=error.path,
                original_error=original,
                extensions=original.extensions,
            )
        if _is_expected(error):
            return error
        log.error("unexpected error at %s", error.path, exc_info=original)
        return GraphQLError(
            "Internal server error",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.INTERNAL.value},
        )
