"""VideoSDK: adapter, settings, sandbox."""

from providers.base import ProviderEntry
from providers.videosdk.adapter import VideoSDKAdapter
from providers.videosdk.fake import FakeVideoSDK
from providers.videosdk.settings import VideoSDKSettings

__all__ = ["ENTRY", "VideoSDKAdapter", "FakeVideoSDK", "VideoSDKSettings"]

ENTRY = ProviderEntry(
    name="videosdk", adapter=VideoSDKAdapter, settings=VideoSDKSettings, sandbox=FakeVideoSDK
)
