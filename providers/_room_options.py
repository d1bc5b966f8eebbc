"""Refusing the common room options (``RoomSpec.options``) a provider has no field for.

A refused option is never dropped: the create fails, before any provider call, with
``InvalidRequest`` naming the GraphQL input field (e.g. ``maxParticipants``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from providers.errors import InvalidRequest
from providers.models import RoomOptions

__all__ = ["refuse_unhonoured"]

_WHAT = {
    "chat": "no switch for the chat",
    "screenSharing": "no switch for screen sharing",
    "maxParticipants": "no participant limit to set",
    "closeWhenIdleSeconds": "no idle timeout",
    "cameraOffAtStart": "no initial camera state",
    "microphoneOffAtStart": "no initial microphone state",
}


def refuse_unhonoured(
    options: RoomOptions,
    honoured: Collection[str],
    *,
    provider: str,
    label: str,
    reasons: Mapping[str, str] | None = None,
) -> None:
    """``InvalidRequest`` for the first given option not in ``honoured`` (GraphQL names).

    ``reasons`` replaces the stock explanation of an option (after ``"<label> rooms have "``).
    """
    for name in options.given():
        if name not in honoured:
            reason = (reasons or {}).get(name, _WHAT[name])
            raise InvalidRequest(provider, f"{name}: {label} rooms have {reason}", field=name)
