"""Trusted-document manifests: the operations a deployment allows, by the SHA-256 of their text.

Two formats are read, both JSON:

- a map of hash to document, ``{"<sha256 hex>": "<document>", …}``, as GraphQL Code
  Generator's client preset writes ``persisted-documents.json`` (with ``hashAlgorithm:
  "sha256"``);
- Apollo's persisted query manifest, ``{"format": "apollo-persisted-query-manifest",
  "version": 1, "operations": [{"id", "body", "name", "type"}, …]}``, as
  ``@apollo/generate-persisted-query-manifest`` writes it.

Every hash must be the SHA-256 (hex) of its document's UTF-8 text, the hash Apollo's
automatic persisted queries send: a manifest with another hash (Relay's MD5 ids, a custom
one) is refused when it is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["APOLLO_FORMAT", "document_hash", "is_document_hash", "load_manifest"]

APOLLO_FORMAT = "apollo-persisted-query-manifest"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def document_hash(document: str) -> str:
    """The SHA-256 of ``document``'s UTF-8 text, lowercase hex."""
    return hashlib.sha256(document.encode()).hexdigest()


def is_document_hash(value: str) -> bool:
    return _SHA256_HEX.match(value) is not None


def load_manifest(path: str | Path) -> dict[str, str]:
    """The documents of the manifest at ``path`` by hash; ``ValueError`` saying what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the manifest: {exc.strerror}") from None
    except ValueError:
        raise ValueError("the manifest is not valid JSON") from None
    entries = _apollo_entries(data) if _is_apollo(data) else _map_entries(data)
    documents: dict[str, str] = {}
    for key, document in entries:
        digest = key.lower()
        if not is_document_hash(digest) or document_hash(document) != digest:
            raise ValueError(f"manifest entry {key[:80]!r} is not the SHA-256 of its document")
        documents[digest] = document
    return documents


def _is_apollo(data: object) -> bool:
    return isinstance(data, Mapping) and data.get("format") == APOLLO_FORMAT


def _apollo_entries(data: Mapping[str, object]) -> list[tuple[str, str]]:
    operations = data.get("operations")
    if data.get("version") != 1 or not isinstance(operations, list):
        raise ValueError("an Apollo manifest needs version 1 and an 'operations' list")
    entries = [_id_and_body(operation) for operation in operations]
    valid = [entry for entry in entries if entry is not None]
    if len(valid) != len(entries):
        raise ValueError("every Apollo manifest operation needs a string 'id' and 'body'")
    return valid


def _id_and_body(operation: object) -> tuple[str, str] | None:
    if not isinstance(operation, Mapping):
        return None
    key, body = operation.get("id"), operation.get("body")
    return (key, body) if isinstance(key, str) and isinstance(body, str) else None


def _map_entries(data: object) -> list[tuple[str, str]]:
    if not isinstance(data, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise ValueError(
            'the manifest must map hashes to documents ({"<sha256>": "<document>"}) or be an '
            "Apollo persisted query manifest"
        )
    return list(data.items())
