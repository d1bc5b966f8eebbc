"""Which document a request runs: its own text, a trusted document named by its hash, or an
automatic persisted query (Apollo's APQ), and whether it may run at all.

A request names a document by hash with ``extensions.persistedQuery.sha256Hash`` (Apollo,
``version`` 1), ``documentId`` (GraphQL over HTTP's persisted documents, ``sha256:`` prefix
optional) or ``id``. With ``GATEWAY_TRUSTED_DOCUMENTS__MODE``:

- ``off``: no manifest; hashes are looked up in the APQ cache when APQ is on;
- ``log``: every document runs; one not in the manifest is logged (its hash, never its text)
  and counted;
- ``enforce``: only the manifest's documents run, sent in full or by hash.

APQ (``…__APQ``, never with ``enforce``): a hash alone that is unknown answers
``PERSISTED_QUERY_NOT_FOUND`` (HTTP 200, as Apollo Server answers), the client sends the
document with its hash, the gateway checks the hash and keeps the document in a per-process
LRU bounded in bytes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from graphql import GraphQLError

from gateway.graphql.errors import ErrorCode
from gateway.graphql.manifest import document_hash, is_document_hash, load_manifest
from gateway.graphql.transport.media import GraphQLParams, RequestError
from gateway.observability.metrics import PERSISTED_DOCUMENTS
from gateway.settings import TrustedDocumentSettings, TrustedDocumentsMode

__all__ = ["DocumentRefused", "PersistedDocuments", "RegisteredDocuments"]

log = logging.getLogger("gateway.trusted_documents")

#: Apollo Server's headers on "not found"/"not supported": the retry must not hit a cache
_UNCACHED = {"cache-control": "private, no-cache, must-revalidate"}
#: bytes an entry costs beyond its text (its key)
_ENTRY_OVERHEAD = 64


class DocumentRefused(RequestError):
    """A request whose document cannot or may not run: an HTTP status and a coded GraphQL error."""

    def __init__(
        self, message: str, code: ErrorCode, status: int, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status, message, headers=headers)
        self.code = code

    def error(self) -> GraphQLError:
        return GraphQLError(self.message, extensions={"code": self.code.value})


class RegisteredDocuments:
    """Documents registered by APQ clients, by hash: an LRU holding at most ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._documents: OrderedDict[str, str] = OrderedDict()

    def get(self, digest: str) -> str | None:
        document = self._documents.get(digest)
        if document is not None:
            self._documents.move_to_end(digest)
        return document

    def put(self, digest: str, document: str) -> bool:
        """Keep ``document``; ``False`` when it was known already or alone exceeds the bound."""
        size = _size(document)
        if digest in self._documents or size > self._max_bytes:
            return False
        self._documents[digest] = document
        self._bytes += size
        while self._bytes > self._max_bytes:
            _, evicted = self._documents.popitem(last=False)
            self._bytes -= _size(evicted)
        return True

    def __len__(self) -> int:
        return len(self._documents)


def _size(document: str) -> int:
    """What a kept document counts against the bound: its UTF-8 bytes and the entry."""
    return len(document.encode()) + _ENTRY_OVERHEAD


class PersistedDocuments:
    """The trusted documents and APQ policy of ``TrustedDocumentSettings``."""

    def __init__(self, settings: TrustedDocumentSettings) -> None:
        self.mode = settings.mode
        self.apq = settings.apq
        self._manifest: dict[str, str] = {}
        if settings.mode is not TrustedDocumentsMode.OFF and settings.file is not None:
            self._manifest = load_manifest(settings.file)
        self._registered = RegisteredDocuments(settings.apq_cache_bytes)

    def resolve(self, params: GraphQLParams) -> GraphQLParams:
        """``params`` with the document to run; ``DocumentRefused`` or ``RequestError``."""
        requested = _requested_hash(params)
        if params.query is None:
            if requested is None:
                raise RequestError(400, "missing 'query'")
            return replace(params, query=self._by_hash(requested))
        if requested is None and self.mode is TrustedDocumentsMode.OFF:
            return params  # nothing to check, nothing to register: no hash to compute
        digest = document_hash(params.query)
        if requested is not None and requested != digest:
            raise DocumentRefused(
                "provided sha does not match query", ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, 400
            )
        self._check_trusted(digest)
        if requested is not None and self.apq and self._registered.put(digest, params.query):
            PERSISTED_DOCUMENTS.labels("apq_stored").inc()
        return params

    def _by_hash(self, digest: str) -> str:
        document = self._manifest.get(digest)
        if document is not None:
            PERSISTED_DOCUMENTS.labels("trusted").inc()
            return document
        if self.mode is TrustedDocumentsMode.ENFORCE:
            raise self._refused(digest)
        document = self._registered.get(digest) if self.apq else None
        if document is not None:
            PERSISTED_DOCUMENTS.labels("apq_hit").inc()
            self._check_trusted(digest)
            return document
        if not self.apq and self.mode is TrustedDocumentsMode.OFF:
            code = ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED
            raise DocumentRefused("PersistedQueryNotSupported", code, 200, _UNCACHED)
        PERSISTED_DOCUMENTS.labels("apq_miss").inc()
        code = ErrorCode.PERSISTED_QUERY_NOT_FOUND
        raise DocumentRefused("PersistedQueryNotFound", code, 200, _UNCACHED)

    def _check_trusted(self, digest: str) -> None:
        if self.mode is TrustedDocumentsMode.OFF:
            return
        if digest in self._manifest:
            PERSISTED_DOCUMENTS.labels("trusted").inc()
        elif self.mode is TrustedDocumentsMode.ENFORCE:
            raise self._refused(digest)
        else:
            PERSISTED_DOCUMENTS.labels("untrusted").inc()
            log.warning("untrusted document ran: sha256 %s", digest)

    @staticmethod
    def _refused(digest: str) -> DocumentRefused:
        PERSISTED_DOCUMENTS.labels("refused").inc()
        log.info("untrusted document refused: sha256 %s", digest)
        return DocumentRefused(
            "this operation is not among the server's trusted documents",
            ErrorCode.PERSISTED_QUERY_NOT_ALLOWED,
            400,
        )


def _requested_hash(params: GraphQLParams) -> str | None:
    """The hash the request names, lowercase hex; ``DocumentRefused`` when malformed."""
    persisted = (params.extensions or {}).get("persistedQuery")
    if persisted is not None:
        return _persisted_query_hash(persisted)
    if params.document_id is None:
        return None
    digest = params.document_id.removeprefix("sha256:").lower()
    if not is_document_hash(digest):
        raise _bad_hash("'documentId' must be 'sha256:' and a SHA-256 in hex")
    return digest


def _persisted_query_hash(persisted: Any) -> str:
    if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
        raise _bad_hash("Unsupported persisted query version")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not is_document_hash(digest.lower()):
        raise _bad_hash("'persistedQuery.sha256Hash' must be a SHA-256 in hex")
    return digest.lower()


def _bad_hash(message: str) -> DocumentRefused:
    return DocumentRefused(message, ErrorCode.BAD_USER_INPUT, 400)
