"""Credentials in logged URLs are hidden, whichever logger prints them and in whatever form."""

from __future__ import annotations

import logging

import httpx
import jwt
import pytest

import gateway.app  # noqa: F401 - the app's modules create their loggers, as when served
from gateway import log_redaction
from gateway.graphql.errors import from_provider_error
from gateway.observability.logs import OUTBOUND_LOGGERS, logging_config
from gateway.settings import LogFormat
from providers import ProviderUnavailable
from tests.support import asgi_client

URL = "https://app.metered.live/api/v1/rooms?secretKey=s3cr3t-value"


@pytest.fixture(autouse=True)
def installed() -> None:
    log_redaction.install()


@pytest.mark.parametrize("name", ["httpcore.http11", "httpx", "gateway.graphql", "uvicorn.access"])
def test_a_url_argument_is_redacted_in_every_family(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger=name):
        logging.getLogger(name).warning("sent %s", httpx.URL(URL))
    assert "s3cr3t-value" not in caplog.text
    assert "secretKey=***" in caplog.text


def test_numbers_and_messages_keep_their_types(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").warning("%s %d %.1f", URL, 200, 1.5)
    assert caplog.records[0].getMessage().endswith("secretKey=*** 200 1.5")


def test_a_mapping_of_arguments_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gateway"):
        logging.getLogger("gateway").warning("%(url)s", {"url": URL})
    assert "s3cr3t-value" not in caplog.text


@pytest.mark.parametrize("log_format", list(LogFormat))
@pytest.mark.parametrize(("level", "shown"), [("info", False), ("warning", False), ("debug", True)])
def test_outbound_request_lines_show_only_when_debugging(
    level: str, shown: bool, log_format: LogFormat
) -> None:
    loggers = logging_config(level, log_format)["loggers"]
    for name in OUTBOUND_LOGGERS:
        assert loggers[name]["level"] == ("DEBUG" if shown else "WARNING")


JOIN_TOKEN = jwt.encode({"apikey": "k", "roomId": "abc-defg-hijk", "roles": ["rtc"]}, "s" * 32)
HOST_URL = "https://meetings.vonage.com/?room_token=123456789&participant_token=" + JOIN_TOKEN


@pytest.mark.parametrize("value", [JOIN_TOKEN, HOST_URL, {"token": JOIN_TOKEN}])
def test_join_credentials_are_redacted(value: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="gateway.graphql"):
        logging.getLogger("gateway.graphql").warning("issued %s", value)
        logging.getLogger("providers.metered").warning(f"answer {value}")
    assert JOIN_TOKEN not in caplog.text
    assert caplog.text.count("***") >= 2


def test_a_join_token_in_an_error_message_is_redacted() -> None:
    error = from_provider_error(ProviderUnavailable("videosdk", f"refused {JOIN_TOKEN}"))
    assert JOIN_TOKEN not in error.message
    assert "refused ***" in error.message


async def test_apps_started_one_after_another_wrap_the_record_factory_once() -> None:
    for _ in range(3):
        async with asgi_client():
            pass
    factory = logging.getLogRecordFactory()
    wrappers = 0
    while hasattr(factory, "inner"):
        wrappers += 1
        factory = factory.inner
    assert wrappers == 1
