"""Branding themes: offered by the providers with the THEMES capability."""

from __future__ import annotations

import asyncio

import strawberry

from gateway.auth import Scope
from gateway.graphql.context import Info
from gateway.graphql.enums import Provider, provider_name
from gateway.graphql.fanout import Deadline
from gateway.graphql.loaders import resource_cache
from gateway.graphql.permissions import requires
from gateway.graphql.scalars import UploadedFile
from gateway.graphql.schema.rooms.types import RoomConnection
from gateway.graphql.schema.themes.logos import UPLOAD_LOGOS_DOC, theme_logos
from gateway.graphql.schema.themes.rooms import THEME_ROOMS_DOC, theme_rooms
from gateway.graphql.schema.themes.types import (
    CreateThemeInput,
    Theme,
    UpdateThemeInput,
    theme_spec,
    theme_update,
)
from gateway.graphql.targets import adapter_for, capable_adapters, present, target
from providers import Capability, ResourceNotFound
from providers import Theme as DomainTheme

__all__ = ["ThemeMutation", "ThemeQuery"]

_READ = [requires(Scope.THEMES_READ)]
_WRITE = [requires(Scope.THEMES_WRITE)]
_READ_ROOMS = [requires(Scope.THEMES_READ), requires(Scope.ROOMS_READ)]


async def _themes(info: Info, provider: Provider | None) -> list[DomainTheme]:
    services = info.context.services
    adapters = capable_adapters(services, provider, Capability.THEMES)
    deadline = Deadline(services.settings.limits.fanout_budget_seconds)
    lists = await asyncio.gather(*(deadline.run(a.name, a.list_themes()) for a in adapters))
    return [theme for themes in lists for theme in themes]


@strawberry.type
class ThemeQuery:
    @strawberry.field(
        description="Themes of one provider, or of every configured provider with themes.",
        permission_classes=_READ,
    )
    async def themes(self, info: Info, provider: Provider | None = strawberry.UNSET) -> list[Theme]:
        return [Theme.from_domain(theme) for theme in await _themes(info, present(provider))]

    @strawberry.field(
        description="One theme by gateway id; null when the provider does not know it.",
        permission_classes=_READ,
    )
    async def theme(self, info: Info, id: strawberry.ID) -> Theme | None:
        found = target(info, id, "id", Capability.THEMES)
        cache = resource_cache(info.context.services)
        try:
            theme = await cache.theme(
                found.provider, found.native_id, lambda: found.adapter.get_theme(found.native_id)
            )
        except ResourceNotFound:
            return None
        return Theme.from_domain(theme)

    @strawberry.field(description=THEME_ROOMS_DOC, permission_classes=_READ_ROOMS)
    async def theme_rooms(
        self,
        info: Info,
        theme_id: strawberry.ID,
        first: int = 20,
        after: str | None = strawberry.UNSET,
    ) -> RoomConnection:
        found = target(info, theme_id, "themeId", Capability.THEMES)
        return await theme_rooms(info, found, first, present(after))


@strawberry.type
class ThemeMutation:
    @strawberry.mutation(description="Create a theme.", permission_classes=_WRITE)
    async def create_theme(self, info: Info, input: CreateThemeInput) -> Theme:
        adapter = adapter_for(
            info.context.services, provider_name(input.provider), Capability.THEMES
        )
        theme = await adapter.create_theme(theme_spec(input))
        await resource_cache(info.context.services).remember_theme(theme, changed=False)
        return Theme.from_domain(theme)

    @strawberry.mutation(description="Change a theme.", permission_classes=_WRITE)
    async def update_theme(
        self,
        info: Info,
        id: strawberry.ID,
        input: UpdateThemeInput,
    ) -> Theme:
        found = target(info, id, "id", Capability.THEMES)
        theme = await found.adapter.update_theme(found.native_id, theme_update(input))
        await resource_cache(info.context.services).remember_theme(theme)
        return Theme.from_domain(theme)

    @strawberry.mutation(
        description="Delete a theme; `force` also removes it from the rooms that use it.",
        permission_classes=_WRITE,
    )
    async def delete_theme(
        self,
        info: Info,
        id: strawberry.ID,
        force: bool = False,
    ) -> bool:
        found = target(info, id, "id", Capability.THEMES)
        await found.adapter.delete_theme(found.native_id, force=force)
        await resource_cache(info.context.services).invalidate(found.provider)
        return True

    @strawberry.mutation(
        description="Make a theme the provider's default for new rooms.",
        permission_classes=_WRITE,
    )
    async def set_default_theme(self, info: Info, id: strawberry.ID) -> Theme:
        found = target(info, id, "id", Capability.THEMES)
        theme = await found.adapter.set_default_theme(found.native_id)
        await resource_cache(info.context.services).remember_theme(theme)
        return Theme.from_domain(theme)

    @strawberry.mutation(description=UPLOAD_LOGOS_DOC, permission_classes=_WRITE)
    async def upload_theme_logos(
        self,
        info: Info,
        id: strawberry.ID,
        colored: UploadedFile | None = strawberry.UNSET,
        white: UploadedFile | None = strawberry.UNSET,
        favicon: UploadedFile | None = strawberry.UNSET,
    ) -> Theme:
        found = target(info, id, "id", Capability.THEMES)
        logos = theme_logos(present(colored), present(white), present(favicon))
        theme = await found.adapter.upload_theme_logos(found.native_id, logos)
        await resource_cache(info.context.services).remember_theme(theme)
        return Theme.from_domain(theme)
