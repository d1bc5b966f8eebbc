"""GraphiQL as a user drives it: tabs, the run button, the token field, the result pane."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
from playwright.sync_api import Page, Request, WebSocket, expect

RESPONSE = ".graphiql-response .CodeMirror"
QUERY = ".graphiql-query-editor .CodeMirror"
WAIT_SECONDS = 10


class GraphiQLPage:
    """One GraphiQL page of the gateway at ``base``, with what it sent recorded."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.frames: list[dict[str, Any]] = []
        self.posts: list[dict[str, Any]] = []
        page.on("websocket", self._watch)
        page.on("request", self._record_post)

    def open(self) -> None:
        self.page.goto(f"{self.base}/graphql")
        expect(self.page.locator(".graphiql-tab").first).to_be_visible()

    def use_token(self, token: str) -> None:
        self.page.fill("#gateway-token", token)
        self.page.press("#gateway-token", "Enter")
        expect(self.page.locator(".gateway-token-state")).to_have_attribute("data-state", "set")

    def tab(self, name: str) -> None:
        exactly = re.compile(f"^{re.escape(name)}$")  # has_text alone: "rooms" ~ "roomState"
        self.page.locator(".graphiql-tab-button", has_text=exactly).click()
        expect(self.page.locator(".graphiql-tab-active")).to_contain_text(name)

    def run(self) -> None:
        self.page.locator(".graphiql-execute-button").click()

    def replace_and_run(self, document: str) -> None:
        """Put ``document`` in the editor and run it in the same instant (a quick Ctrl+Enter)."""
        self.page.evaluate(
            """([editor, document_]) => {
                document.querySelector(editor).CodeMirror.setValue(document_);
                document.querySelector(".graphiql-execute-button").click();
            }""",
            [QUERY, document],
        )

    def replace_in_editor(self, old: str, new: str) -> None:
        """Edit the current tab's document as a user pasting ``new`` over ``old`` would."""
        self.page.evaluate(
            """([editor, old, new_]) => {
                const cm = document.querySelector(editor).CodeMirror;
                cm.setValue(cm.getValue().replace(old, new_));
            }""",
            [QUERY, old, new],
        )

    def expect_response(self, text: str, timeout: float = WAIT_SECONDS * 1000) -> None:
        expect(self.page.locator(RESPONSE)).to_contain_text(text, timeout=timeout)

    def response(self) -> Any:
        script = f"document.querySelector({json.dumps(RESPONSE)}).CodeMirror.getValue()"
        return json.loads(self.page.evaluate(script))

    def subscription(self) -> dict[str, Any]:
        """The first ``subscribe`` message sent over the WebSocket (waits for it)."""
        return self._frame("subscribe")

    def connection_init(self) -> dict[str, Any]:
        return self._frame("connection_init")

    def _frame(self, kind: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            for frame in self.frames:
                if frame.get("type") == kind:
                    return frame
            self.page.wait_for_timeout(20)  # lets Playwright deliver the frame events
        raise AssertionError(f"no {kind} message on the WebSocket; sent: {self.frames}")

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framesent", self._record_frame)

    def _record_frame(self, payload: str | bytes) -> None:
        self.frames.append(json.loads(payload))

    def _record_post(self, request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/graphql"):
            self.posts.append(json.loads(request.post_data or "{}"))


def deliver_join(ide: GraphiQLPage, native_id: str, name: str) -> None:
    """The sandbox delivers a join for the room until the result pane shows it.

    The page has sent ``subscribe``, but the server may not have registered the subscription
    yet: an event published before that is not for this subscriber, so it is sent again.
    """
    body = {"type": "PARTICIPANT_JOINED", "participantName": name}
    url = f"{ide.base}/sandbox/vonage/rooms/{native_id}/events"
    for _ in range(5):
        answer = httpx.post(url, json=body)
        assert answer.status_code == 202, answer.text
        try:
            ide.expect_response(name, timeout=2000)
        except AssertionError:
            continue
        return
    ide.expect_response(name)
