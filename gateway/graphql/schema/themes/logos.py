"""``uploadThemeLogos``: files of a multipart request to the domain's ``ThemeLogos``."""

from __future__ import annotations

from gateway.graphql.errors import bad_input
from gateway.graphql.scalars import UploadedFile
from providers import LogoFile, ThemeLogos

__all__ = ["UPLOAD_LOGOS_DOC", "theme_logos"]

UPLOAD_LOGOS_DOC = (
    "Set a theme's logos from files sent with the GraphQL multipart request spec (at least "
    "one of `colored`, `white`, `favicon`; a logo left out stays as it is). The provider's "
    "image rules apply (Vonage: PNG, at most 1 MB, transparent background; logos 1 to 300 px "
    "a side, favicon square 16 to 32 px). All or nothing: the theme changes only once every "
    "file is stored, so after an error it is as it was."
)


def _logo(upload: UploadedFile | None) -> LogoFile | None:
    return None if upload is None else LogoFile(upload.content, upload.media_type)


def theme_logos(
    colored: UploadedFile | None, white: UploadedFile | None, favicon: UploadedFile | None
) -> ThemeLogos:
    """The logos to set; ``BAD_USER_INPUT`` when no file was given."""
    if colored is None and white is None and favicon is None:
        raise bad_input("give at least one file: colored, white or favicon")
    return ThemeLogos(colored=_logo(colored), white=_logo(white), favicon=_logo(favicon))
