"""Loading the Vonage application's RSA private key (used by settings and auth)."""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = ["load_private_key"]


def load_private_key(pem: str, *, source: str = "private_key") -> RSAPrivateKey:
    """The RSA key in ``pem``; ``ValueError`` naming ``source`` (never the key) otherwise."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError(f"{source} is not a valid unencrypted PEM private key") from None
    if not isinstance(key, RSAPrivateKey):
        # ValueError, not TypeError: pydantic reports only ValueError as a validation error
        raise ValueError(f"{source} must be an RSA private key (Vonage signs with RS256)")  # noqa: TRY004
    return key
