"""Vonage Meetings settings: ``GATEWAY_PROVIDERS__VONAGE__…``."""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, SecretStr, field_validator, model_validator

from providers.base import ProviderSettings
from providers.vonage.keys import load_private_key

__all__ = ["VonageSettings"]


def _normalized_pem(text: str) -> str:
    """PEM text as given in an environment variable, where newlines often arrive as ``\\n``."""
    if "\n" not in text and "\\n" in text:
        return text.replace("\\n", "\n")
    return text


class VonageSettings(ProviderSettings):
    # the inputs hold the private key: validation errors must not repeat them
    model_config = ConfigDict(hide_input_in_errors=True)

    application_id: str | None = None
    private_key: SecretStr | None = None
    private_key_file: Path | None = None
    base_url: str = "https://api-eu.vonage.com/v1/meetings"
    webhook_token: SecretStr | None = None
    signature_secret: SecretStr | None = None

    @field_validator("private_key")
    @classmethod
    def _check_private_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        pem = _normalized_pem(value.get_secret_value())
        load_private_key(pem, source="private_key")
        return SecretStr(pem)

    @model_validator(mode="after")
    def _load_key_file(self) -> VonageSettings:
        if self.private_key is None and self.private_key_file is not None:
            try:
                text = self.private_key_file.read_text()
            except OSError as exc:
                raise ValueError(f"private_key_file cannot be read: {exc.strerror}") from None
            load_private_key(text, source="private_key_file")
            object.__setattr__(self, "private_key", SecretStr(text))
        return self

    @property
    def configured(self) -> bool:
        return bool(self.application_id and self.private_key)

    @property
    def api_base_url(self) -> str:
        return self.base_url.rstrip("/")
