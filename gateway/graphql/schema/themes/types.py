"""GraphQL types of branding themes, and their conversions from and to the domain."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.graphql.enums import Provider, provider_enum
from gateway.graphql.errors import bad_input
from gateway.graphql.scalars import JSON
from gateway.graphql.targets import present
from providers import UNSET, ThemeSpec, ThemeUpdate
from providers import Theme as DomainTheme

__all__ = ["CreateThemeInput", "Theme", "UpdateThemeInput", "theme_spec", "theme_update"]


@strawberry.type(description="A branding theme for rooms (a provider with the THEMES capability).")
class Theme:
    id: strawberry.ID = strawberry.field(description='Gateway id, "<provider>:<themeId>".')
    provider: Provider
    native_id: str = strawberry.field(description="The provider's own theme id.")
    name: str | None
    main_color: str
    brand_text: str
    short_company_url: str | None
    brand_image_colored_url: str | None
    brand_image_white_url: str | None
    branded_favicon_url: str | None
    raw: JSON = strawberry.field(description="The provider's record as received.")

    @classmethod
    def from_domain(cls, theme: DomainTheme) -> Theme:
        return cls(
            id=strawberry.ID(theme.id),
            provider=provider_enum(theme.provider),
            native_id=theme.native_id,
            name=theme.name,
            main_color=theme.main_color,
            brand_text=theme.brand_text,
            short_company_url=theme.short_company_url,
            brand_image_colored_url=theme.brand_image_colored_url,
            brand_image_white_url=theme.brand_image_white_url,
            branded_favicon_url=theme.branded_favicon_url,
            raw=JSON(dict(theme.raw)),
        )


@strawberry.input(description="A new theme.")
class CreateThemeInput:
    provider: Provider = Provider.VONAGE
    name: str | None = strawberry.UNSET
    main_color: str
    brand_text: str
    short_company_url: str | None = strawberry.UNSET


@strawberry.input(description="Changes to a theme; fields left out stay as they are.")
class UpdateThemeInput:
    name: str | None = strawberry.UNSET
    main_color: str | None = strawberry.UNSET
    brand_text: str | None = strawberry.UNSET
    short_company_url: str | None = strawberry.UNSET


def _required_text(value: str, field: str) -> str:
    if not value.strip():
        raise bad_input(f"{field} must not be blank", field=field)
    return value


def theme_spec(data: CreateThemeInput) -> ThemeSpec:
    """The domain spec; blank required texts are refused naming their field."""
    return ThemeSpec(
        main_color=_required_text(data.main_color, "mainColor"),
        brand_text=_required_text(data.brand_text, "brandText"),
        name=present(data.name),
        short_company_url=present(data.short_company_url),
    )


def _change(value: Any, field: str, *, required: bool) -> Any:
    """``UNSET`` stays unset; a required field may be neither null nor blank."""
    if value is strawberry.UNSET:
        return UNSET
    if required and (value is None or not value.strip()):
        raise bad_input(f"{field} must not be null or blank", field=field)
    return value


def theme_update(data: UpdateThemeInput) -> ThemeUpdate:
    """The domain update; ``UNSET`` marks the fields that were left out."""
    return ThemeUpdate(
        name=_change(data.name, "name", required=False),
        main_color=_change(data.main_color, "mainColor", required=True),
        brand_text=_change(data.brand_text, "brandText", required=True),
        short_company_url=_change(data.short_company_url, "shortCompanyUrl", required=False),
    )
