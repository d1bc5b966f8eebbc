"""VideoSDK settings: ``GATEWAY_PROVIDERS__VIDEOSDK__…``."""

from __future__ import annotations

from pydantic import SecretStr

from providers.base import ProviderSettings

__all__ = ["VideoSDKSettings"]


class VideoSDKSettings(ProviderSettings):
    api_key: str | None = None
    secret: SecretStr | None = None
    base_url: str = "https://api.videosdk.live/v2"
    webhook_public_key: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.secret)

    @property
    def api_base_url(self) -> str:
        return self.base_url.rstrip("/")
