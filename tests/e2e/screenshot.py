"""The README's GraphiQL picture: ``python -m tests.e2e.screenshot [PATH]``.

Follows the README tour in chromium against ``gateway dev`` (createRoom, then roomEvents,
then a join from the sandbox) and saves what the page shows then.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.graphiql import GraphiQLPage, deliver_join
from tests.gateway.test_cli import running

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "graphiql-room-event.png"


def main(path: Path) -> None:
    with running("dev") as (base, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        ide = GraphiQLPage(page, base)
        ide.open()
        ide.tab("createRoom")
        ide.run()
        ide.expect_response('"displayName": "Demo"')
        native_id = ide.response()["data"]["createRoom"]["nativeId"]
        ide.tab("roomEvents")
        ide.run()
        ide.subscription()
        deliver_join(ide, native_id, "Ann")
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH)
