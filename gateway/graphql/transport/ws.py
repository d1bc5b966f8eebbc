"""GraphQL over WebSocket: ``graphql-transport-ws`` and the legacy ``graphql-ws``.

On top of Strawberry's protocol handlers the gateway adds, for both protocols:
authentication in the ``connection_init`` payload (no credentials: close 4401, refused
credentials: close 4403; ``graphql-ws`` sends ``connection_error`` first; close 4401 again
when the token expires), a limit on the wait
for ``connection_init`` (close 4408), server keepalive (``ping`` on graphql-transport-ws,
``ka`` on graphql-ws), a coded error (``RATE_LIMITED``) for an operation over the
per-connection limit, the client's request rate or its cap of running operations, and
close 4429 for a connection over the client's cap of connections (``client_caps``).
When the process shuts down, every subscription ends with ``SHUTTING_DOWN`` (and
``resumeAfter``) and ``complete``, then the socket is closed with 1012.
Browsers on other origins are refused at the handshake unless listed in
``GATEWAY_CORS_ORIGINS`` (clients that send no ``Origin`` are not browsers).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, cast

import jwt
import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected as SocketClosed
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http.async_base_view import AsyncWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionErrorMessage,
    StartMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyInitMessage,
)

from gateway import bounded_json
from gateway.auth import ANONYMOUS_ALL, NOBODY, Authenticator, AuthError
from gateway.client_caps import ClientCaps, Hold, OverCap
from gateway.graphql.context import Context
from gateway.graphql.errors import ErrorCode, GatewayError
from gateway.graphql.persisted import DocumentRefused, PersistedDocuments
from gateway.graphql.transport.delivery import (
    FRAME_DELIVERY,
    FrameDelivery,
    SharedPayloads,
    request_key,
)
from gateway.graphql.transport.media import RequestError, params_from_mapping
from gateway.observability.context import current_tenant
from gateway.observability.metrics import WEBSOCKETS
from gateway.ratelimit import RateLimited, RateLimits, client_key
from gateway.settings import EventSettings, LimitSettings, TrustedDocumentSettings
from gateway.shutdown import CLOSE_SERVICE_RESTART, END_SECONDS, Drain

__all__ = ["GraphQLWebSocket"]

log = logging.getLogger("gateway.graphql.transport.ws")

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INIT_TIMEOUT = 4408
CLOSE_OVER_CAP = 4429
CLIENT_GONE_GRACE_SECONDS = 30.0


def _close_code(error: AuthError) -> int:
    return CLOSE_UNAUTHENTICATED if error.missing else CLOSE_FORBIDDEN


def _limit_error(limit: int) -> GraphQLError:
    message = (
        f"subscription limit reached: at most {limit} operations per connection; "
        "complete one or open another connection"
    )
    return GraphQLError(message, extensions={"code": ErrorCode.RATE_LIMITED.value, "limit": limit})


async def _send_text(socket: WebSocket, text: str) -> None:
    try:
        await socket.send_text(text)
    except (WebSocketDisconnect, SocketClosed) as exc:
        # The connection's receive loop has the disconnect and cancels every operation on it.
        # Raising now would make the departed client a GraphQL error that Strawberry then
        # tries to send; the grace period only bounds a loop that never ends the operation.
        await asyncio.sleep(CLIENT_GONE_GRACE_SECONDS)
        raise WebSocketDisconnected from exc


@contextlib.contextmanager
def _given_back_on_error(hold: Hold) -> Iterator[None]:
    """Give ``hold`` back if starting the operation fails (a malformed payload, say): no
    task will run to give it back."""
    try:
        yield
    except BaseException:
        hold.release()
        raise


def _release_when_done(hold: Hold, task: asyncio.Task[Any] | None) -> None:
    """Give ``hold`` back when the operation's ``task`` ends (now, if it never started)."""
    if task is None:
        hold.release()
    else:
        task.add_done_callback(lambda _: hold.release())


Tasks = Callable[[], Collection[asyncio.Task[Any]]]


async def _close_when_drained(drain: Drain, socket: AsyncWebSocketAdapter, running: Tasks) -> None:
    """Once subscriptions are told to end, wait for their last message, then close 1012.

    Each operation sends its ``SHUTTING_DOWN`` result and ``complete`` as it ends; a client
    then reconnects elsewhere rather than subscribing again on a process that stops.
    """
    await drain.ending.wait()
    operations = running()
    if operations:
        await asyncio.wait(operations, timeout=END_SECONDS)
    with contextlib.suppress(RuntimeError, WebSocketDisconnected, SocketClosed):
        await socket.close(CLOSE_SERVICE_RESTART, "server shutting down")


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _payload(message: dict[str, Any]) -> object:
    payload = message.get("payload")
    return {} if payload is None else payload


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with authentication, server pings and a coded limit error."""

    keepalive_task: asyncio.Task[None] | None = None
    expiry_task: asyncio.Task[None] | None = None
    connection_hold: Hold | None = None
    drain_task: asyncio.Task[None] | None = None
    client_left = False

    @property
    def gateway(self) -> GraphQLWebSocket:
        return cast("GraphQLWebSocket", self.view)

    async def handle(self) -> None:
        self.drain_task = asyncio.create_task(
            _close_when_drained(self.gateway.drain, self.websocket, self._operation_tasks)
        )
        await super().handle()

    def _operation_tasks(self) -> list[asyncio.Task[Any]]:
        return [op.task for op in self.operations.values() if op.task is not None]

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = _payload(cast(dict[str, Any], message))
        if isinstance(payload, dict) and not self.connection_init_received:
            try:
                await self.gateway.authenticate(self.context, payload)
                self.connection_hold = self.gateway.hold_connection(self.context)
            except AuthError as error:
                await self._refuse(_close_code(error), str(error))
                return
            except (OverCap, RateLimited) as over:
                await self._refuse(CLOSE_OVER_CAP, str(over))
                return
            self.expiry_task = self.gateway.close_at_expiry(self.websocket, payload)
        normalized = cast(ConnectionInitMessage, {"type": "connection_init", "payload": payload})
        await super().handle_connection_init(normalized)
        if self.connection_acknowledged and self.keepalive_task is None:
            self.keepalive_task = asyncio.create_task(self._keepalive())

    async def _refuse(self, code: int, reason: str) -> None:
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        await self.websocket.close(code=code, reason=reason[:100])

    async def _keepalive(self) -> None:
        with contextlib.suppress(WebSocketDisconnected):
            while True:
                await asyncio.sleep(self.gateway.keepalive_seconds)
                await self.send_message({"type": "ping"})

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)  # closes the socket
            return
        try:
            hold, resolved = await self.gateway.prepare(self.context, message, len(self.operations))
        except GraphQLError as error:
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        message = cast(SubscribeMessage, resolved)
        with _given_back_on_error(hold), self.gateway.delivering(self.websocket, message, "next"):
            await super().handle_subscribe(message)
        operation = self.operations.get(message["id"])
        _release_when_done(hold, operation.task if operation is not None else None)

    async def handle_task_exception(self, error: Exception) -> None:
        """A send to a client that has left ends its operations: one debug line, not an error."""
        if not isinstance(error, WebSocketDisconnected):
            await super().handle_task_exception(error)
        elif not self.client_left:
            self.client_left = True
            log.debug("client left while its subscriptions were sending")

    async def shutdown(self) -> None:
        for task in (self.keepalive_task, self.expiry_task, self.drain_task):
            await _cancel(task)
        if self.connection_hold is not None:
            self.connection_hold.release()
        await super().shutdown()


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """graphql-ws with authentication, an init wait limit and a coded limit error."""

    init_received = False
    client_left = False
    expiry_task: asyncio.Task[None] | None = None
    connection_hold: Hold | None = None

    @property
    def gateway(self) -> GraphQLWebSocket:
        return cast("GraphQLWebSocket", self.view)

    async def handle(self) -> None:
        timer = asyncio.create_task(self._init_timeout())
        drained = asyncio.create_task(
            _close_when_drained(self.gateway.drain, self.websocket, self._operation_tasks)
        )
        try:
            await super().handle()
        finally:
            for task in (timer, self.expiry_task, drained):
                await _cancel(task)
            if self.connection_hold is not None:
                self.connection_hold.release()

    async def _init_timeout(self) -> None:
        await asyncio.sleep(self.gateway.init_wait_seconds)
        if not self.init_received:
            with contextlib.suppress(RuntimeError, WebSocketDisconnected):
                await self.websocket.close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")

    def _operation_tasks(self) -> list[asyncio.Task[Any]]:
        return list(self.tasks.values())

    async def handle_connection_init(self, message: LegacyInitMessage) -> None:
        self.init_received = True
        payload = _payload(cast(dict[str, Any], message))
        if isinstance(payload, dict) and self.connection_hold is None:
            try:
                await self.gateway.authenticate(self.context, payload)
                self.connection_hold = self.gateway.hold_connection(self.context)
            except AuthError as error:
                await self._refuse(_close_code(error), str(error), ErrorCode.UNAUTHENTICATED)
                return
            except (OverCap, RateLimited) as over:
                await self._refuse(CLOSE_OVER_CAP, str(over), ErrorCode.RATE_LIMITED)
                return
            self.expiry_task = self.gateway.close_at_expiry(self.websocket, payload)
        await super().handle_connection_init(message)

    async def _refuse(self, close_code: int, message: str, code: ErrorCode) -> None:
        payload: dict[str, object] = {"message": message, "extensions": {"code": code.value}}
        await self.send_message(ConnectionErrorMessage(type="connection_error", payload=payload))
        await self.websocket.close(code=close_code, reason=message[:100])

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """A client that has left ends the operation: one debug line, not a task error.

        Strawberry lets the failed send end the task, whose exception nobody retrieves: it
        is logged with a traceback when the task is collected, and keeps the operation's
        stream (and its place on the event bus) alive until then.
        """
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        except WebSocketDisconnected:
            if not self.client_left:
                self.client_left = True
                log.debug("client left while its subscriptions were sending")

    async def handle_start(self, message: StartMessage) -> None:
        if not self.connection_acknowledged:
            await super().handle_start(message)  # closes the socket
            return
        if message["id"] in self.tasks:  # a restart: the operation it replaces ends first
            await self.cleanup_operation(message["id"])
        try:
            hold, resolved = await self.gateway.prepare(self.context, message, len(self.tasks))
        except GraphQLError as error:
            payload = error.formatted
            await self.send_message({"type": "error", "id": message["id"], "payload": payload})
            return
        message = cast(StartMessage, resolved)
        with _given_back_on_error(hold), self.gateway.delivering(self.websocket, message, "data"):
            await super().handle_start(message)
        _release_when_done(hold, self.tasks.get(message["id"]))


def _address(context: Context) -> str:
    request = context.request
    return request.client.host if request is not None and request.client else "unknown"


def _token_expiry(payload: Mapping[str, object]) -> float | None:
    """The ``exp`` of the token just verified from ``payload`` (not verified again)."""
    value = next((v for k, v in payload.items() if k.lower() == "authorization"), None)
    if not isinstance(value, str):
        return None
    token = value.partition(" ")[2].strip() or value
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    expiry = claims.get("exp")
    return float(expiry) if isinstance(expiry, int | float) else None


async def _close_after(socket: AsyncWebSocketAdapter, delay: float) -> None:
    await asyncio.sleep(max(delay, 0.0))
    log.info("WebSocket closed: its token expired")
    with contextlib.suppress(RuntimeError, WebSocketDisconnected, SocketClosed):
        await socket.close(CLOSE_UNAUTHENTICATED, "token expired")


class GraphQLWebSocket(GraphQL[Context, None]):
    """The WebSocket side of ``/graphql``."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(
        self,
        schema: strawberry.Schema,
        authenticator: Authenticator,
        events: EventSettings,
        allowed_origins: Sequence[str] = (),
        payloads: SharedPayloads | None = None,
        limits: LimitSettings | None = None,
        leeway_seconds: float = 0.0,
        persisted: PersistedDocuments | None = None,
        rate_limits: RateLimits | None = None,
        caps: ClientCaps | None = None,
        drain: Drain | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            keep_alive=True,
            keep_alive_interval=events.keepalive_seconds,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            connection_init_wait_timeout=timedelta(seconds=events.connection_init_wait_seconds),
            max_subscriptions_per_connection=events.max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.authenticator = authenticator
        #: a token is accepted this long past its ``exp``: the connection is kept as long
        self.leeway_seconds = leeway_seconds
        self.payloads = payloads or SharedPayloads()
        self.keepalive_seconds = events.keepalive_seconds
        self.init_wait_seconds = events.connection_init_wait_seconds
        self.limits = limits or LimitSettings()
        self.persisted = persisted or PersistedDocuments(TrustedDocumentSettings())
        self.rate_limits = rate_limits
        self.caps = caps or ClientCaps(self.limits)
        self.drain = drain or Drain()

    async def handle(self, websocket: WebSocket) -> None:
        """Serve one WebSocket connection."""
        WEBSOCKETS.inc()
        try:
            with self.drain.stream():
                await self.run(websocket)
        finally:
            WEBSOCKETS.dec()

    def decode_json(self, data: str | bytes) -> object:
        """A message larger than an HTTP body or nested too deeply is invalid JSON (close
        4400, one log line), not a server error."""
        if len(data) > self.limits.max_body_bytes:
            log.warning("WebSocket message refused: over %d bytes", self.limits.max_body_bytes)
            raise json.JSONDecodeError("message too large", "", 0)
        try:
            return bounded_json.loads(data, self.limits.max_json_depth)
        except bounded_json.TooDeep:
            log.warning(
                "WebSocket message refused: nested deeper than %d levels",
                self.limits.max_json_depth,
            )
            raise json.JSONDecodeError("nested too deeply", "", 0) from None

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        principal = NOBODY if self.authenticator.enabled else ANONYMOUS_ALL
        context = Context(services=request.app.state.services, principal=principal)
        context.request = request
        return context

    @contextlib.contextmanager
    def delivering(
        self, socket: AsyncWebSocketAdapter, message: Mapping[str, Any], frame_type: str
    ) -> Iterator[None]:
        """Operations started inside send shared payloads on ``socket`` (their task inherits it)."""
        adapter = cast(ASGIWebSocketAdapter, socket)
        token = FRAME_DELIVERY.set(self._frame_delivery(adapter, message, frame_type))
        try:
            yield
        finally:
            FRAME_DELIVERY.reset(token)

    def _frame_delivery(
        self, socket: ASGIWebSocketAdapter, message: Mapping[str, Any], frame_type: str
    ) -> FrameDelivery | None:
        payload = message.get("payload")
        if not isinstance(payload, Mapping) or not isinstance(payload.get("query"), str):
            return None
        head = json.dumps({"id": message["id"], "type": frame_type})
        return FrameDelivery(
            send=functools.partial(_send_text, socket.ws),
            prefix=head[:-1] + ',"payload":',
            suffix="}",
            request_key=request_key(
                payload["query"], payload.get("operationName"), payload.get("variables")
            ),
            payloads=self.payloads,
        )

    async def prepare(
        self, context: Context, message: Mapping[str, Any], running: int
    ) -> tuple[Hold, dict[str, Any]]:
        """A slot for the operation (``admit``) and ``message`` with the document its
        payload names; ``GraphQLError`` when either is refused (no slot is kept then)."""
        hold = await self.admit(context, running)
        try:
            return hold, self.resolve_document(message)
        except GraphQLError:
            hold.release()
            raise

    def resolve_document(self, message: Mapping[str, Any]) -> dict[str, Any]:
        """``message`` with the document its payload names (trusted documents, APQ);
        ``GraphQLError`` refusing it. A malformed payload is left to the protocol handler."""
        payload = message.get("payload")
        if not isinstance(payload, Mapping):
            return dict(message)
        try:
            params = self.persisted.resolve(params_from_mapping(payload))
        except DocumentRefused as refused:
            raise refused.error() from None
        except RequestError:
            return dict(message)
        return {**message, "payload": {**payload, "query": params.query}}

    @staticmethod
    def client_of(context: Context) -> tuple[str, str]:
        """The key the connection's client is counted by (``ratelimit.client_key``)."""
        return client_key(context.principal, _address(context))

    def hold_connection(self, context: Context) -> Hold:
        """The connection's place in its client's cap; ``OverCap`` when it is full."""
        try:
            return self.caps.connections.take(self.client_of(context))
        except OverCap:
            log.info("WebSocket closed: its client holds too many connections")
            raise

    async def admit(self, context: Context, running: int) -> Hold:
        """A slot for one more operation of a connection running ``running`` already.

        ``GraphQLError`` coded ``RATE_LIMITED`` over the per-connection limit, the client's
        request rate (with ``retryAfter``) or its cap of running operations (with ``limit``).
        """
        limit = self.max_subscriptions_per_connection
        if limit and running >= limit:
            raise _limit_error(limit)
        key = self.client_of(context)
        limits = self.rate_limits
        if limits is not None:
            try:
                await limits.hit(limits.client, "requests", *key)
            except RateLimited as limited:
                code = ErrorCode.RATE_LIMITED
                raise GatewayError(str(limited), code, retryAfter=limited.retry_after) from None
        try:
            return self.caps.operations.take(key)
        except OverCap as over:
            raise GatewayError(str(over), ErrorCode.RATE_LIMITED, limit=over.limit) from None

    async def authenticate(self, context: Context, payload: dict[str, object]) -> None:
        """Set the connection's principal from a ``connection_init`` payload; failures count
        against the address as over HTTP (``RateLimited`` once it failed too often)."""
        limits = self.rate_limits
        if limits is None:
            context.principal = await self.authenticator.authenticate_init(payload)
        else:
            async with limits.authenticating(_address(context)):
                context.principal = await self.authenticator.authenticate_init(payload)
        current_tenant.set(context.principal.tenant)

    def close_at_expiry(
        self, socket: AsyncWebSocketAdapter, payload: Mapping[str, object]
    ) -> asyncio.Task[None] | None:
        """Close ``socket`` with 4401 when the accepted token expires (leeway included)."""
        expires_at = _token_expiry(payload)
        if expires_at is None or not self.authenticator.enabled:
            return None
        delay = expires_at + self.leeway_seconds - time.time()
        return asyncio.create_task(_close_after(socket, delay))
