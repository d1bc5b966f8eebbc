"""The dedupe window covers the retention, so a retried event still in the log is a duplicate."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.settings import EventSettings, Settings, describe_validation_error


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"dedupe_seconds": 60, "retention_seconds": 3_600}, "DEDUPE_SECONDS"),
        ({"dedupe_max_entries": 10, "retention_count": 100}, "DEDUPE_MAX_ENTRIES"),
    ],
)
def test_a_dedupe_window_shorter_than_the_retention_is_refused(
    fields: dict[str, float], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        EventSettings(**fields)


def test_the_refusal_names_the_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_EVENTS__DEDUPE_SECONDS", "60")
    with pytest.raises(ValidationError) as refused:
        Settings()
    described = describe_validation_error(refused.value)
    assert "GATEWAY_EVENTS: " in described
    assert "DEDUPE_SECONDS must be at least RETENTION_SECONDS" in described


def test_equal_windows_are_accepted() -> None:
    settings = EventSettings(dedupe_seconds=60, retention_seconds=60)
    assert settings.dedupe_seconds == settings.retention_seconds
