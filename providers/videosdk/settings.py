"""VideoSDK settings: ``GATEWAY_PROVIDERS__VIDEOSDK__…``."""

from __future__ import annotations

from pydantic import SecretStr, field_validator

from providers.base import ProviderSettings
from providers.videosdk.webhooks import load_public_key

__all__ = ["VideoSDKSettings"]


class VideoSDKSettings(ProviderSettings):
    api_key: str | None = None
    secret: SecretStr | None = None
    base_url: str = "https://api.videosdk.live/v2"
    webhook_public_key: str | None = None
    """PEM of the key that signs webhooks; unset: fetched from ``/public/rsa-public-key``."""

    @field_validator("webhook_public_key")
    @classmethod
    def _readable_key(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                load_public_key(value)
            except ValueError as exc:
                raise ValueError("webhook_public_key is not an RSA public key in PEM") from exc
        return value

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.secret)

    @property
    def api_base_url(self) -> str:
        return self.base_url.rstrip("/")
