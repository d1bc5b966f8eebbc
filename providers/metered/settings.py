"""Metered settings: ``GATEWAY_PROVIDERS__METERED__…``."""

from __future__ import annotations

from pydantic import SecretStr

from providers.base import ProviderSettings

__all__ = ["MeteredSettings"]


class MeteredSettings(ProviderSettings):
    app_name: str | None = None
    secret_key: SecretStr | None = None
    base_url: str | None = None
    webhook_token: SecretStr | None = None

    @property
    def configured(self) -> bool:
        return bool(self.app_name and self.secret_key)

    @property
    def api_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"https://{self.app_name or 'app'}.metered.live/api/v1"

    @property
    def join_base_url(self) -> str:
        """Where participants open a room: ``https://<app>.metered.live``."""
        return f"https://{self.app_name or 'app'}.metered.live"
