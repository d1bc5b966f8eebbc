"""The committed ``schema.graphql``: no drift from the code, and it honours the public contract.

The contract (``contract/*.graphql``: the base and its meetings extension) is compared with
graphql-core type by type, field by field, argument by argument: names, nullability, list
wrapping, defaults, enum values, input fields, implemented interfaces. The schema may add
types, fields, enum values and *optional* arguments or input fields.

``PENDING`` lists contract entries not implemented yet (``Type``, ``Type.field`` or
``Enum.VALUE``). It only shrinks: an entry that is present in ``schema.graphql`` fails the test
until it is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_schema,
    is_non_null_type,
    specified_scalar_types,
)

from gateway.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schema.graphql"
CONTRACT = (ROOT / "contract" / "contract.graphql", ROOT / "contract" / "contract-meetings.graphql")
ROOT_TYPES = ("Query", "Mutation", "Subscription")

#: the meetings extension (contract-meetings.graphql) still to build
PENDING: frozenset[str] = frozenset()


def load(*paths: Path) -> GraphQLSchema:
    return build_schema("\n".join(path.read_text(encoding="utf-8") for path in paths))


@pytest.fixture(scope="module")
def contract() -> GraphQLSchema:
    return load(*CONTRACT)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return load(SCHEMA)


def named_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    """The schema's own types (no introspection types, no built-in scalars)."""
    return {
        name: named
        for name, named in schema.type_map.items()
        if not name.startswith("__") and name not in specified_scalar_types
    }


def _default(value: Any) -> str:
    return "no default" if value is Undefined else f"default {value!r}"


def compare_arguments(
    where: str, wanted: dict[str, GraphQLArgument], actual: dict[str, GraphQLArgument]
) -> list[str]:
    problems = []
    for name, argument in wanted.items():
        ours = actual.get(name)
        if ours is None:
            problems.append(f"{where}({name}:) is missing")
            continue
        if str(ours.type) != str(argument.type):
            problems.append(f"{where}({name}:) is {ours.type}, contract says {argument.type}")
        if ours.default_value != argument.default_value:
            problems.append(
                f"{where}({name}:) has {_default(ours.default_value)}, "
                f"contract says {_default(argument.default_value)}"
            )
    for name in actual.keys() - wanted.keys():
        extra = actual[name]
        if is_non_null_type(extra.type) and extra.default_value is Undefined:
            problems.append(f"{where}({name}:) is an added argument and must be optional")
    return problems


def compare_fields(
    type_name: str, wanted: dict[str, GraphQLField], actual: dict[str, GraphQLField]
) -> list[str]:
    problems = []
    for name, field in wanted.items():
        where = f"{type_name}.{name}"
        ours = actual.get(name)
        if where in PENDING:
            if ours is not None:
                problems.append(f"{where} is implemented: remove it from PENDING")
            continue
        if ours is None:
            problems.append(f"{where} is missing")
            continue
        if str(ours.type) != str(field.type):
            problems.append(f"{where} is {ours.type}, contract says {field.type}")
        problems += compare_arguments(where, field.args, ours.args)
    return problems


def compare_input_fields(
    type_name: str, wanted: dict[str, GraphQLInputField], actual: dict[str, GraphQLInputField]
) -> list[str]:
    problems = []
    for name, field in wanted.items():
        where = f"{type_name}.{name}"
        ours = actual.get(name)
        if ours is None:
            problems.append(f"{where} is missing")
            continue
        if str(ours.type) != str(field.type):
            problems.append(f"{where} is {ours.type}, contract says {field.type}")
        if ours.default_value != field.default_value:
            problems.append(
                f"{where} has {_default(ours.default_value)}, "
                f"contract says {_default(field.default_value)}"
            )
    for name in actual.keys() - wanted.keys():
        extra = actual[name]
        if is_non_null_type(extra.type) and extra.default_value is Undefined:
            problems.append(f"{type_name}.{name} is an added input field and must be optional")
    return problems


def compare_type(wanted: GraphQLNamedType, ours: GraphQLNamedType) -> list[str]:
    name = wanted.name
    if type(ours) is not type(wanted):
        return [f"{name} is a {type(ours).__name__}, contract says {type(wanted).__name__}"]
    if isinstance(wanted, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(ours, GraphQLObjectType | GraphQLInterfaceType)
        missing = {i.name for i in wanted.interfaces} - {i.name for i in ours.interfaces}
        problems = [f"{name} does not implement {i}" for i in sorted(missing)]
        return problems + compare_fields(name, wanted.fields, ours.fields)
    if isinstance(wanted, GraphQLInputObjectType):
        assert isinstance(ours, GraphQLInputObjectType)
        return compare_input_fields(name, wanted.fields, ours.fields)
    if isinstance(wanted, GraphQLEnumType):
        assert isinstance(ours, GraphQLEnumType)
        absent = sorted(wanted.values.keys() - ours.values)
        return [f"{name}.{v} enum value is missing" for v in absent if f"{name}.{v}" not in PENDING]
    if isinstance(wanted, GraphQLUnionType):
        assert isinstance(ours, GraphQLUnionType)
        missing = {t.name for t in wanted.types} - {t.name for t in ours.types}
        return [f"{name} union lacks {t}" for t in sorted(missing)]
    return []


def absent_type_problems(wanted: GraphQLNamedType) -> list[str]:
    """An absent type is fine when pending, or a root type whose every field is pending."""
    name = wanted.name
    if name in PENDING:
        return []
    if name in ROOT_TYPES and isinstance(wanted, GraphQLObjectType):
        missing = [f for f in wanted.fields if f"{name}.{f}" not in PENDING]
        return [f"{name}.{f} is missing" for f in missing]
    return [f"type {name} is missing"]


def contract_problems(contract: GraphQLSchema, schema: GraphQLSchema) -> list[str]:
    ours = named_types(schema)
    problems = []
    for name, wanted in named_types(contract).items():
        if name not in ours:
            problems += absent_type_problems(wanted)
        elif name in PENDING:
            problems.append(f"type {name} is implemented: remove it from PENDING")
        else:
            problems += compare_type(wanted, ours[name])
    return problems


def test_schema_file_has_no_drift(capsys: pytest.CaptureFixture[str]) -> None:
    main(["export-schema"])
    exported = capsys.readouterr().out
    assert SCHEMA.read_text(encoding="utf-8") == exported, (
        "schema.graphql is stale: run `gateway export-schema > schema.graphql` and commit it"
    )


def test_schema_honours_the_contract(contract: GraphQLSchema, schema: GraphQLSchema) -> None:
    problems = contract_problems(contract, schema)
    assert not problems, "schema.graphql breaks the contract:\n  " + "\n  ".join(problems)


def test_pending_entries_exist_in_the_contract(contract: GraphQLSchema) -> None:
    types = named_types(contract)
    unknown = []
    for entry in PENDING:
        type_name, _, field = entry.partition(".")
        wanted = types.get(type_name)
        members = getattr(wanted, "fields", None) or getattr(wanted, "values", {})
        if wanted is None or (field and field not in members):
            unknown.append(entry)
    assert not unknown, f"PENDING names what the contract does not have: {sorted(unknown)}"


def test_the_comparison_catches_breaking_changes(contract: GraphQLSchema) -> None:
    broken = build_schema(
        """
        enum Capability { ROOMS_CREATE }
        type ProviderInfo { id: Provider name: String! configured: Boolean!
          sandbox: Boolean! capabilities: [Capability] eventTypes: [EventType!]! }
        enum Provider { VONAGE METERED VIDEOSDK }
        enum EventType { PARTICIPANT_JOINED }
        type Query { providers(first: Int!): [ProviderInfo!]! }
        """
    )
    problems = contract_problems(contract, broken)
    assert "ProviderInfo.id is Provider, contract says Provider!" in problems
    assert "ProviderInfo.capabilities is [Capability], contract says [Capability!]!" in problems
    assert "Capability.THEMES enum value is missing" in problems
    assert "Query.providers(first:) is an added argument and must be optional" in problems
