"""GraphiQL in chromium against ``gateway dev`` (and a JWT-protected gateway): the README tour."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("playwright", reason="playwright is not installed (make install-dev does it)")

from playwright.sync_api import Page, expect

from gateway.auth import ALL_SCOPES
from tests.e2e.graphiql import GraphiQLPage, deliver_join
from tests.gateway.test_cli import running
from tests.support import JWT_SECRET, make_token

SUBSCRIPTION = """subscription racing {
  roomEvents { type roomId ... on ParticipantEvent { participantName } }
}"""


@pytest.fixture(scope="module")
def dev() -> Iterator[str]:
    with running("dev") as (base, _):
        yield base


@pytest.fixture(scope="module")
def protected() -> Iterator[str]:
    """Sandbox providers behind JWT authentication (``gateway dev`` always runs without)."""
    variables = {
        "GATEWAY_SANDBOX": "true",
        "GATEWAY_INTROSPECTION": "true",
        "GATEWAY_AUTH__MODE": "jwt",
        "GATEWAY_AUTH__JWT_SECRET": JWT_SECRET,
    }
    with running("serve", **variables) as (base, _):
        yield base


def create_room(ide: GraphiQLPage) -> str:
    """Runs the tour's createRoom tab; the new room's native id."""
    ide.tab("createRoom")
    ide.run()
    ide.expect_response('"displayName": "Demo"')
    room = ide.response()["data"]["createRoom"]
    assert room["guestUrl"].startswith("https://meetings.vonage.com/")
    native_id: str = room["nativeId"]
    return native_id


def join_room(ide: GraphiQLPage, native_id: str) -> None:
    """Runs the tour's joinRoom tab with the room just created pasted in."""
    ide.tab("joinRoom")
    ide.replace_in_editor("PASTE-NATIVE-ID", native_id)
    ide.run()
    ide.expect_response('"url": "https://meetings.vonage.com/')


def follow_tour(ide: GraphiQLPage) -> None:
    ide.tab("rooms")
    ide.run()
    ide.expect_response('"failures": []')
    native_id = create_room(ide)
    join_room(ide, native_id)
    ide.tab("roomEvents")
    ide.run()
    assert ide.subscription()["payload"]["operationName"] == "roomEvents"
    deliver_join(ide, native_id, "Ann")
    ide.expect_response('"type": "PARTICIPANT_JOINED"')
    ide.expect_response(f'"roomId": "vonage:{native_id}"')
    assert not [post for post in ide.posts if "roomEvents {" in post.get("query", "")]
    ide.tab("roomState")
    ide.replace_in_editor("PASTE-NATIVE-ID", native_id)
    ide.run()
    ide.expect_response('"name": "Ann"')


def test_tour_tabs_run_and_the_event_reaches_the_result_pane(page: Page, dev: str) -> None:
    ide = GraphiQLPage(page, dev)
    ide.open()
    expect(page.locator(".graphiql-tab-button")).to_have_text(
        ["rooms", "createRoom", "joinRoom", "roomEvents", "roomState"]
    )
    follow_tour(ide)
    page.get_by_label("Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-explorer-root")).to_contain_text("participantEvents")


def test_token_given_once_serves_http_and_the_websocket(page: Page, protected: str) -> None:
    ide = GraphiQLPage(page, protected)
    ide.open()
    ide.tab("rooms")
    ide.run()
    ide.expect_response("UNAUTHENTICATED")
    token = make_token(" ".join(sorted(ALL_SCOPES)), tenant="acme")
    ide.use_token(token)
    follow_tour(ide)
    assert ide.connection_init()["payload"] == {"authorization": f"Bearer {token}"}


def test_a_subscription_run_right_after_an_edit_goes_over_the_websocket(
    page: Page, dev: str
) -> None:
    ide = GraphiQLPage(page, dev)
    ide.open()
    native_id = create_room(ide)
    ide.tab("rooms")
    ide.replace_and_run(SUBSCRIPTION)
    subscribe = ide.subscription()["payload"]
    assert subscribe["query"] == SUBSCRIPTION
    assert subscribe.get("operationName") == "racing"
    deliver_join(ide, native_id, "Bo")
    ide.expect_response('"participantName": "Bo"')
    assert not [post for post in ide.posts if "racing" in post.get("query", "")]
