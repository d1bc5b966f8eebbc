"""GraphQL over HTTP, the response side: ``GET``/``POST /graphql``.

Strawberry answers every result as ``application/json`` with ``"data": null`` on request
errors; the GraphQL-over-HTTP ``application/graphql-response+json`` media type needs more,
so the gateway runs the HTTP exchange itself:

- ``application/graphql-response+json``: request errors (parse, validation, variable
  coercion) answer 400 without a ``data`` entry;
- ``application/json``: request errors answer 200, still without ``data``;
- malformed requests answer 400, unsupported bodies 415, unacceptable ``Accept`` 406,
  mutations over ``GET`` 405, missing or invalid credentials 401 with a ``WWW-Authenticate``
  challenge.

A ``multipart/form-data`` POST is a file upload (``uploads.py``); it is read only after the
caller is authenticated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.auth import Authenticator, AuthError, Principal, www_authenticate
from gateway.bounded_json import DEFAULT_MAX_DEPTH
from gateway.client_caps import ClientCaps, OverCap
from gateway.graphql.context import Context
from gateway.graphql.errors import ErrorCode
from gateway.graphql.persisted import DocumentRefused, PersistedDocuments
from gateway.graphql.transport.ide import GraphiQL
from gateway.graphql.transport.media import (
    GraphQLParams,
    MediaType,
    RequestError,
    negotiate,
    params_from_body,
    params_from_query,
    wants_html,
)
from gateway.graphql.transport.sse import sse_response
from gateway.graphql.transport.uploads import (
    UploadLimits,
    check_preflight,
    is_multipart,
    params_from_multipart,
)
from gateway.observability.context import current_tenant
from gateway.ratelimit import RateLimited, RateLimits, client_key
from gateway.settings import TrustedDocumentSettings
from gateway.shutdown import Drain

__all__ = ["GraphQLHTTP", "error_body"]

_ACCEPTABLE = ", ".join(MediaType)


def error_body(message: str, code: ErrorCode | None = None) -> dict[str, Any]:
    """A GraphQL response carrying one request error (no ``data`` entry)."""
    error: dict[str, Any] = {"message": message}
    if code is not None:
        error["extensions"] = {"code": code.value}
    return {"errors": [error]}


def _json_response(
    body: Mapping[str, Any],
    media: MediaType,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    response = Response(content, status_code=status, headers=headers)
    response.headers["content-type"] = f"{media.value}; charset=utf-8"
    return response


def _is_request_error(result: ExecutionResult) -> bool:
    """Nothing was executed: the result has no ``data`` entry at all."""
    if isinstance(result, PreExecutionError):
        return True
    return result.data is None and all(error.path is None for error in result.errors or [])


def result_response(result: ExecutionResult, media: MediaType) -> Response:
    """The HTTP response for an execution result in ``media``."""
    body = dict(process_result(result))
    if not _is_request_error(result):
        return _json_response(body, media)
    body.pop("data", None)
    return _json_response(body, media, 400 if media is MediaType.GRAPHQL_RESPONSE else 200)


def _allowed_operations(method: str, media: MediaType) -> set[OperationType]:
    allowed = {OperationType.QUERY}
    if method == "POST":
        allowed.add(OperationType.MUTATION)
    if media is MediaType.EVENT_STREAM:
        allowed.add(OperationType.SUBSCRIPTION)
    return allowed


def _operation_type_error(error: InvalidOperationTypeError) -> RequestError:
    if error.operation_type is OperationType.MUTATION:
        message = "mutations are not allowed over GET; use POST"
        return RequestError(405, message, headers={"Allow": "POST"})
    return RequestError(
        400, "subscriptions need 'Accept: text/event-stream' or a WebSocket connection"
    )


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(refusal: RateLimited | OverCap, media: MediaType) -> Response:
    """429, the body a GraphQL error coded ``RATE_LIMITED``: over a rate, with
    ``Retry-After`` and ``retryAfter``; over a cap, with ``limit`` (one must end first)."""
    body = error_body(str(refusal), ErrorCode.RATE_LIMITED)
    extensions = body["errors"][0]["extensions"]
    if isinstance(refusal, OverCap):
        extensions["limit"] = refusal.limit
        return _json_response(body, media, 429)
    extensions["retryAfter"] = refusal.retry_after
    return _json_response(body, media, 429, {"Retry-After": str(refusal.retry_after)})


class GraphQLHTTP:
    """The ``/graphql`` HTTP endpoint over one schema."""

    def __init__(
        self,
        schema: strawberry.Schema,
        authenticator: Authenticator,
        *,
        graphiql: GraphiQL | None,
        heartbeat_seconds: float,
        uploads: UploadLimits | None = None,
        max_json_depth: int = DEFAULT_MAX_DEPTH,
        rate_limits: RateLimits | None = None,
        persisted: PersistedDocuments | None = None,
        caps: ClientCaps | None = None,
        drain: Drain | None = None,
    ) -> None:
        self._schema = schema
        self._persisted = persisted or PersistedDocuments(TrustedDocumentSettings())
        self._authenticator = authenticator
        self._graphiql = graphiql
        self._heartbeat_seconds = heartbeat_seconds
        self._uploads = uploads or UploadLimits()
        self._max_json_depth = max_json_depth
        self._rate_limits = rate_limits
        self._caps = caps
        self._drain = drain or Drain()

    async def handle(self, request: Request) -> Response:
        """Answer one ``GET`` or ``POST`` request."""
        accept = request.headers.get("accept")
        if self._graphiql and self._is_browser_visit(request, accept):
            return self._graphiql.page(request)
        media = negotiate(accept)
        if media is None:
            body = error_body(f"unacceptable 'Accept'; this endpoint serves {_ACCEPTABLE}")
            return _json_response(body, MediaType.JSON, 406)
        body_media = MediaType.JSON if media is MediaType.EVENT_STREAM else media
        try:
            return await self._answer(request, media)
        except (RateLimited, OverCap) as refusal:
            return _too_many(refusal, body_media)
        except AuthError as error:
            challenge = {"WWW-Authenticate": www_authenticate(error)}
            body = error_body(str(error), ErrorCode.UNAUTHENTICATED)
            return _json_response(body, body_media, 401, challenge)
        except RequestError as error:
            code = ErrorCode.BAD_USER_INPUT if error.status == 400 else None
            if isinstance(error, DocumentRefused):
                code = error.code
            body = error_body(error.message, code)
            return _json_response(body, body_media, error.status, error.headers)

    @staticmethod
    def _is_browser_visit(request: Request, accept: str | None) -> bool:
        return (
            request.method == "GET" and "query" not in request.query_params and wants_html(accept)
        )

    async def _answer(self, request: Request, media: MediaType) -> Response:
        limits = self._rate_limits
        authorization = request.headers.get("authorization")
        if limits is None:
            principal = await self._authenticator.authenticate(authorization)
        else:
            async with limits.authenticating(_ip(request)):
                principal = await self._authenticator.authenticate(authorization)
        current_tenant.set(principal.tenant)
        client = client_key(principal, _ip(request))
        if limits is not None:
            await limits.hit(limits.client, "requests", *client)
        params = self._persisted.resolve(await self._params(request))
        context = self._context(request, principal)
        allowed = _allowed_operations(request.method, media)
        if media is MediaType.EVENT_STREAM:
            hold = self._caps.operations.take(client) if self._caps is not None else None
            return sse_response(
                self._schema,
                params,
                context,
                allowed=allowed,
                heartbeat_seconds=self._heartbeat_seconds,
                hold=hold,
                drain=self._drain,
            )
        result = await self._execute(params, context, allowed)
        return result_response(result, media)

    async def _params(self, request: Request) -> GraphQLParams:
        if request.method == "GET":
            return params_from_query(request.query_params, self._max_json_depth)
        content_type = request.headers.get("content-type")
        if is_multipart(content_type):
            check_preflight(request.headers)
            return await params_from_multipart(content_type, request.stream(), self._uploads)
        return params_from_body(content_type, await request.body(), self._max_json_depth)

    @staticmethod
    def _context(request: Request, principal: Principal) -> Context:
        context = Context(services=request.app.state.services, principal=principal)
        context.request = request
        return context

    async def _execute(
        self,
        params: GraphQLParams,
        context: Context,
        allowed: set[OperationType],
    ) -> ExecutionResult:
        try:
            return await self._schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as error:
            raise _operation_type_error(error) from None
        except CannotGetOperationTypeError as error:
            raise RequestError(400, error.as_http_error_reason()) from None
        except MissingQueryError:
            raise RequestError(400, "missing 'query'") from None
