"""GraphQL multipart requests (file uploads), the request side.

The GraphQL multipart request spec (https://github.com/jaydenseric/graphql-multipart-request-spec):
a ``multipart/form-data`` POST whose parts are, in this order, ``operations`` (the JSON
request, with ``null`` where each file goes), ``map`` (JSON: file part name -> paths such as
``variables.logo``) and the files. Each file takes the place of the ``null`` at its paths.

- CSRF: any web page can POST a multipart form to any origin without a CORS preflight, so a
  multipart request must carry a non-empty ``Apollo-Require-Preflight``,
  ``X-Apollo-Operation-Name`` or ``GraphQL-Require-Preflight`` header (what Apollo Server and
  DGS require): a browser sends a custom header only after a preflight the CORS policy allows.
- Bounded: the body is parsed as it arrives. A file is refused (413) as soon as it crosses
  ``max_upload_file_bytes``, ``operations`` and ``map`` as soon as they cross
  ``max_body_bytes``, and ``map`` may name at most ``max_upload_files`` files;
  ``BodySizeLimit`` caps the whole body. Nothing executes before the request is read and checked.
- Malformed parts, part order, ``map`` or paths: 400 with the reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from gateway import bounded_json
from gateway.graphql.scalars import UploadedFile
from gateway.graphql.transport.media import GraphQLParams, RequestError, params_from_mapping
from gateway.settings import LimitSettings

if TYPE_CHECKING:  # defined for type checkers only
    from python_multipart.multipart import MultipartCallbacks

__all__ = [
    "PREFLIGHT_HEADERS",
    "UploadLimits",
    "check_preflight",
    "is_multipart",
    "params_from_multipart",
]

#: a non-empty one of these makes a browser preflight the request (lower case)
PREFLIGHT_HEADERS = (
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "graphql-require-preflight",
)

_OPERATIONS = "operations"
_MAP = "map"
_SPEC_ORDER = "the parts must be 'operations', then 'map', then the files"


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Caps of one multipart request, in bytes and files."""

    max_field_bytes: int = 1_048_576
    max_file_bytes: int = 1_048_576
    max_files: int = 3
    max_json_depth: int = bounded_json.DEFAULT_MAX_DEPTH

    @classmethod
    def from_settings(cls, limits: LimitSettings) -> UploadLimits:
        return cls(
            limits.max_body_bytes,
            limits.max_upload_file_bytes,
            limits.max_upload_files,
            limits.max_json_depth,
        )


def is_multipart(content_type: str | None) -> bool:
    """A ``multipart/form-data`` body."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "multipart/form-data"


def check_preflight(headers: Mapping[str, str]) -> None:
    """400 unless a header that forces a CORS preflight is present and non-empty."""
    if any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        return
    raise RequestError(
        400,
        "a multipart request must carry a non-empty 'Apollo-Require-Preflight' (or "
        "'X-Apollo-Operation-Name', 'GraphQL-Require-Preflight') header, so that a browser "
        "asks the CORS policy first",
    )


async def params_from_multipart(
    content_type: str | None, chunks: AsyncIterator[bytes], limits: UploadLimits
) -> GraphQLParams:
    """The request's parameters, with each file in place of its ``null``."""
    reader = _PartReader(limits)
    parser = MultipartParser(_boundary(content_type), reader.callbacks())
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except (MultipartParseError, FormParserError):
        raise RequestError(400, "the multipart body is malformed") from None
    return reader.params()


def _boundary(content_type: str | None) -> bytes:
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise RequestError(400, "a multipart/form-data body needs a 'boundary' parameter")
    return boundary


def _json_part(data: bytes | bytearray, name: str, max_depth: int) -> Any:
    try:
        return bounded_json.loads(data.decode("utf-8"), max_depth)
    except bounded_json.TooDeep as exc:
        raise RequestError(400, f"the '{name}' part is {exc}") from None
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, f"the '{name}' part is not valid JSON") from None


def _file_map(data: bytes | bytearray, max_files: int) -> dict[str, list[str]]:
    value = _json_part(data, _MAP, bounded_json.DEFAULT_MAX_DEPTH)
    valid = isinstance(value, dict) and all(
        isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths)
        for paths in value.values()
    )
    if not valid:
        raise RequestError(
            400, "'map' must be a JSON object of file part names to non-empty lists of paths"
        )
    if len(value) > max_files:
        raise RequestError(400, f"'map' names {len(value)} files; at most {max_files} are allowed")
    return {str(name): list(paths) for name, paths in value.items()}


@dataclass
class _Part:
    name: str
    filename: str | None
    media_type: str | None
    data: bytearray = field(default_factory=bytearray)


class _PartReader:
    """python-multipart callbacks that keep the parts, each within its cap."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.operations: Any = None
        self.file_map: dict[str, list[str]] | None = None
        self.files: dict[str, UploadedFile] = {}
        self.ended = False
        self._count = 0
        self._part: _Part | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header = bytearray()
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._header.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        self._headers[bytes(self._header).strip().lower()] = bytes(self._value).strip()
        self._header.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        expected = {0: _OPERATIONS, 1: _MAP}.get(self._count)
        if expected is not None and name != expected:
            raise RequestError(400, f"part {self._count + 1} is '{name}': {_SPEC_ORDER}")
        if expected is None:
            self._check_file_name(name)
        self._count += 1
        filename = options.get(b"filename")
        media, _ = parse_options_header(self._headers.get(b"content-type"))
        self._part = _Part(
            name,
            None if filename is None else filename.decode("utf-8", "replace"),
            media.decode("latin-1").lower() or None,
        )

    def _check_file_name(self, name: str) -> None:
        if self.file_map is None or name not in self.file_map:
            raise RequestError(400, f"the file part '{name}' is not named in 'map'")
        if name in self.files:
            raise RequestError(400, f"the file part '{name}' is sent twice")

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part is None:
            raise RequestError(400, "the multipart body is malformed")
        part.data.extend(data[start:end])
        is_file = part.name not in (_OPERATIONS, _MAP)
        cap = self.limits.max_file_bytes if is_file else self.limits.max_field_bytes
        if len(part.data) > cap:
            what = f"the file '{part.name}'" if is_file else f"the '{part.name}' part"
            raise RequestError(413, f"{what} exceeds {cap} bytes", headers={"Connection": "close"})

    def _part_end(self) -> None:
        part, self._part = self._part, None
        if part is None:
            raise RequestError(400, "the multipart body is malformed")
        if part.name == _OPERATIONS:
            self.operations = _json_part(part.data, _OPERATIONS, self.limits.max_json_depth)
        elif part.name == _MAP:
            self.file_map = _file_map(part.data, self.limits.max_files)
        else:
            content = bytes(part.data)
            self.files[part.name] = UploadedFile(part.name, part.filename, part.media_type, content)

    def _end(self) -> None:
        self.ended = True

    def params(self) -> GraphQLParams:
        """The parameters once the body is read: every mapped file in place."""
        if not self.ended or self.file_map is None:
            raise RequestError(400, f"the multipart body is incomplete: {_SPEC_ORDER}")
        if not isinstance(self.operations, dict):
            raise RequestError(
                400, "'operations' must be a JSON object (batches are not supported)"
            )
        for name, paths in self.file_map.items():
            upload = self.files.get(name)
            if upload is None:
                raise RequestError(400, f"'map' names the file '{name}' but no such part was sent")
            for path in paths:
                _place(self.operations, path, upload)
        return params_from_mapping(self.operations)


def _place(operations: dict[str, Any], path: str, upload: UploadedFile) -> None:
    """Put ``upload`` where ``path`` (``variables.a.0``) holds a ``null``."""
    *parents, last = path.split(".")
    container: Any = operations
    for key in parents:
        container = _child(container, key)
    if not parents or parents[0] != "variables" or _child(container, last) is not None:
        raise RequestError(400, f"the map path '{path}' does not lead to a null in the variables")
    if isinstance(container, list):
        container[int(last)] = upload
    else:
        container[last] = upload


_MISSING = object()


def _child(container: Any, key: str) -> Any:
    """``container[key]`` for an object or (with a decimal index) a list; ``_MISSING`` when
    there is none."""
    if isinstance(container, dict):
        return container.get(key, _MISSING)
    if isinstance(container, list) and key.isdigit() and int(key) < len(container):
        return container[int(key)]
    return _MISSING
