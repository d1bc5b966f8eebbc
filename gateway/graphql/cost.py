"""What a field may cost in provider calls: the table the query cost limit reads.

A listing that fans out (``rooms``, ``recordings``, ``themes``, ``dialInNumbers``) costs
one call per provider asked: one when an argument naming a provider or a resource (hence
its provider) is given as a literal, every registered provider otherwise (a variable may
be null, so it counts as absent). A field that reads or changes one resource costs one
(``deleteRecording`` two: a tenant's delete first reads the recording to learn its room).
A nested lookup (``Room.theme``) is memoized per request, so it counts once wherever it
appears in the document, not once per listed room. Fields not listed cost nothing: they
read the event log, the room state or the gateway's own store.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import FieldNode, NullValueNode, VariableNode

from providers import REGISTRY

__all__ = ["FIELD_COSTS", "FieldCost", "field_calls"]


@dataclass(frozen=True, slots=True)
class FieldCost:
    """Provider calls of one field: one, or one per provider unless ``narrowed_by``."""

    per_provider: bool = False
    #: arguments that, given, leave one provider to ask
    narrowed_by: tuple[str, ...] = ()
    #: calls to that one provider
    calls: int = 1


_ONE = FieldCost()


def _fan_out(*narrowed_by: str) -> FieldCost:
    return FieldCost(per_provider=True, narrowed_by=narrowed_by)


FIELD_COSTS: dict[str, FieldCost] = {
    "Query.rooms": _fan_out("provider"),
    "Query.themes": _fan_out("provider"),
    "Query.recordings": _fan_out("provider", "roomId", "sessionId"),
    "Query.dialInNumbers": _fan_out("provider"),
    **dict.fromkeys(
        (
            "Query.room",
            "Query.theme",
            "Query.themeRooms",
            "Query.recording",
            "Query.sessions",
            "Query.session",
            "Query.roomState",
            "Room.theme",
        ),
        _ONE,
    ),
    **{
        f"Mutation.{name}": _ONE
        for name in (
            "createRoom",
            "updateRoom",
            "closeRoom",
            "createTheme",
            "updateTheme",
            "deleteTheme",
            "setDefaultTheme",
            "uploadThemeLogos",
            "startRecording",
            "stopRecording",
            "endSession",
            "removeParticipant",
            "joinRoom",
        )
    },
    "Mutation.deleteRecording": FieldCost(calls=2),
}


def _narrowed(node: FieldNode, names: tuple[str, ...]) -> bool:
    return any(
        argument.name.value in names
        and not isinstance(argument.value, NullValueNode | VariableNode)
        for argument in node.arguments or ()
    )


def field_calls(parent: str, node: FieldNode) -> int:
    """Provider calls that ``node``, a field of type ``parent``, may cause by itself."""
    cost = FIELD_COSTS.get(f"{parent}.{node.name.value}")
    if cost is None:
        return 0
    if cost.per_provider and not _narrowed(node, cost.narrowed_by):
        return len(REGISTRY)
    return cost.calls
