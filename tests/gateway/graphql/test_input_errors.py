"""Input values of the wrong type, as literals or variables: ``BAD_USER_INPUT`` naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.graphql.helpers import gateway

CREATE = "mutation($input: CreateRoomInput!) { createRoom(input: $input) { id } }"
ROOMS = "query($first: Int!) { rooms(first: $first) { nodes { id } } }"

VARIABLES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        CREATE,
        {"input": {"displayName": "x", "expiresAt": "tomorrow"}},
        "expiresAt",
        "at .expiresAt: expected an ISO-8601 date-time",
    ),
    (CREATE, {"input": {"displayName": "x", "kind": "NOPE"}}, "kind", "'NOPE'"),
    (
        CREATE,
        {"input": {"displayName": "x", "recording": {"autoRecord": "yes"}}},
        "recording.autoRecord",
        "Boolean",
    ),
    (CREATE, {"input": {"displayName": "x", "bogus": 1}}, "bogus", "unknown field 'bogus'"),
    (CREATE, {"input": {}}, "displayName", "required field 'displayName'"),
    (CREATE, {"input": "text"}, "input", "to be an object"),
    (CREATE, {}, "input", "to be provided"),
    (ROOMS, {"first": "many"}, "first", "non-integer"),
    (
        'mutation($at: DateTime) { createRoom(input: {displayName: "x", expiresAt: $at}) { id } }',
        {"at": "soon"},
        "expiresAt",
        "ISO-8601",
    ),
]


@pytest.mark.parametrize(("query", "variables", "field", "detail"), VARIABLES)
async def test_a_variable_of_the_wrong_type_names_its_field(
    query: str, variables: dict[str, Any], field: str, detail: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(query, variables)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert error["message"].startswith("Variable '$")
    assert detail in error["message"]


LITERALS: list[tuple[str, str, str]] = [
    ('createRoom(input: {displayName: "x", expiresAt: "tomorrow"}) { id }', "expiresAt", "ISO"),
    ('createRoom(input: {displayName: "x", kind: NOPE}) { id }', "kind", "NOPE"),
    (
        'createRoom(input: {displayName: "x", recording: {autoRecord: "yes"}}) { id }',
        "recording.autoRecord",
        "Boolean",
    ),
    ("createRoom(input: {kind: INSTANT}) { id }", "displayName", "required field"),
    ('createRoom(input: {displayName: "x", bogus: 1}) { id }', "bogus", "unknown field"),
    ("closeRoom(id: 42.5) { id }", "id", "ID cannot represent"),
]


@pytest.mark.parametrize(("selection", "field", "detail"), LITERALS)
async def test_a_literal_of_the_wrong_type_names_its_field(
    selection: str, field: str, detail: str
) -> None:
    async with gateway() as gw:
        error = await gw.error(f"mutation {{ {selection} }}")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert error["message"].startswith(f"Invalid value for '{field}': ")
    assert detail in error["message"]
    assert error["locations"]


async def test_a_query_argument_and_a_variable_default_name_their_field() -> None:
    async with gateway() as gw:
        argument = await gw.error('{ rooms(first: "many") { nodes { id } } }')
        default = await gw.error(
            'query($size: Int = "many") { rooms(first: $size) { nodes { id } } }'
        )
    assert argument["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
    assert default["extensions"] == {"code": "BAD_USER_INPUT", "field": "size"}


async def test_every_wrong_value_of_one_request_is_reported() -> None:
    variables = {"input": {"displayName": 1, "kind": "NOPE", "expiresAt": "soon"}}
    async with gateway() as gw:
        result = await gw.execute(CREATE, variables)
    fields = sorted(error["extensions"]["field"] for error in result["errors"])
    assert fields == ["displayName", "expiresAt", "kind"]
    assert "data" not in result
