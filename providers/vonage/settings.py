"""Vonage Meetings settings: ``GATEWAY_PROVIDERS__VONAGE__…``."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, model_validator

from providers.base import ProviderSettings

__all__ = ["VonageSettings"]


class VonageSettings(ProviderSettings):
    application_id: str | None = None
    private_key: SecretStr | None = None
    private_key_file: Path | None = None
    base_url: str = "https://api-eu.vonage.com/v1/meetings"
    webhook_token: SecretStr | None = None
    signature_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _load_key_file(self) -> VonageSettings:
        if self.private_key is None and self.private_key_file is not None:
            try:
                text = self.private_key_file.read_text()
            except OSError as exc:
                raise ValueError(f"private_key_file cannot be read: {exc.strerror}") from None
            object.__setattr__(self, "private_key", SecretStr(text))
        return self

    @property
    def configured(self) -> bool:
        return bool(self.application_id and self.private_key)

    @property
    def api_base_url(self) -> str:
        return self.base_url.rstrip("/")
