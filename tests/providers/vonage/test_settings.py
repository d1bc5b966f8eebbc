"""Settings: the private key is checked at validation time and never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from providers.vonage import FakeVonage, VonageSettings

BROKEN_PEM = "-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----\n"


def _pem(fake: FakeVonage) -> str:
    key = fake.settings().private_key
    assert key is not None
    return key.get_secret_value()


def test_invalid_pem_fails_naming_the_field_without_the_key() -> None:
    with pytest.raises(ValidationError) as caught:
        VonageSettings(application_id="app", private_key=BROKEN_PEM)
    text = str(caught.value)
    assert "private_key" in text
    assert "TOPSECRETMATERIAL" not in text
    assert [error["loc"] for error in caught.value.errors()] == [("private_key",)]


def test_non_rsa_key_is_refused() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ValidationError, match="RSA private key"):
        VonageSettings(application_id="app", private_key=pem)


def test_escaped_newlines_from_an_environment_variable_are_accepted(fake: FakeVonage) -> None:
    escaped = _pem(fake).replace("\n", "\\n")
    settings = VonageSettings(application_id="app", private_key=escaped)
    assert settings.private_key is not None
    assert settings.private_key.get_secret_value() == _pem(fake)
    assert settings.configured


def test_key_file_is_loaded_and_checked(fake: FakeVonage, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.pem", tmp_path / "bad.pem"
    good.write_text(_pem(fake))
    bad.write_text(BROKEN_PEM)
    settings = VonageSettings(application_id="app", private_key_file=good)
    assert settings.private_key is not None
    assert settings.private_key.get_secret_value() == _pem(fake)
    with pytest.raises(ValidationError, match="private_key_file") as caught:
        VonageSettings(application_id="app", private_key_file=bad)
    assert "TOPSECRETMATERIAL" not in str(caught.value)


def test_secrets_stay_out_of_reprs(fake: FakeVonage) -> None:
    settings = fake.settings()
    assert "PRIVATE KEY" not in repr(settings)
    assert "sandbox-webhook-token" not in repr(settings)
    assert settings.api_base_url == "https://api-eu.vonage.com/v1/meetings"


def test_unconfigured_by_default() -> None:
    assert not VonageSettings().configured
