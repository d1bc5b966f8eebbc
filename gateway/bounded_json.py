"""JSON from clients and providers, bounded in nesting before it is decoded.

``json.loads`` recurses once per level and raises ``RecursionError`` somewhere near the
interpreter's limit, which depends on how deep the caller already is; whatever decodes a
document a few hundred levels deep (variable coercion, ``json.dumps`` of a webhook's raw
payload) then fails the same way, far from the request. So the nesting is measured first,
mostly at C speed: strings are removed, the brackets kept, and the level followed run
by run of brackets.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["DEFAULT_MAX_DEPTH", "TooDeep", "check_depth", "loads"]

DEFAULT_MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
#: both kinds of bracket as one: a mismatch is the decoder's to report
_ONE_KIND = bytes.maketrans(b"[]{}", b"()()")
_OPEN = ord("(")
_RUNS = re.compile(rb"\(+|\)+")


class TooDeep(ValueError):
    """The JSON text nests arrays and objects deeper than allowed."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def check_depth(raw: bytes | str, max_depth: int) -> None:
    """Raise ``TooDeep`` when ``raw`` nests deeper than ``max_depth``.

    Unbalanced text is left to the decoder, which reports it as malformed.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    structure = _STRING.sub(b"", data).translate(_ONE_KIND, _NOT_BRACKETS)
    # the innermost pairs go first: what remains is one level shallower, in fewer runs
    inner = structure.replace(b"()", b"")
    if len(inner) != len(structure) and _deeper_than(inner, max_depth - 1):
        raise TooDeep(max_depth)


def _deeper_than(structure: bytes, max_depth: int) -> bool:
    if b"(" * (max_depth + 1) in structure:
        return True  # the common bomb, found by one search
    level = 0
    for run in _RUNS.findall(structure):
        if run[0] == _OPEN:
            level += len(run)
            if level > max_depth:
                return True
        else:
            level -= len(run)
    return False


def loads(raw: bytes | str, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``json.loads`` of ``raw`` after ``check_depth``; ``ValueError`` for anything invalid
    (``TooDeep`` among them), never ``RecursionError``."""
    check_depth(raw, max_depth)
    try:
        return json.loads(raw)
    except RecursionError:  # unreachable within the bound; kept as the last line of defence
        raise TooDeep(max_depth) from None
