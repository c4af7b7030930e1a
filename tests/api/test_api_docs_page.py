"""`/docs` (Swagger UI) in headless Chromium: the authentication help shows its `<token>`
placeholders (Swagger UI renders descriptions as Markdown, where a bare `<token>` vanishes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from wfq.api.app import create_app
from wfq.services.context import Services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


@pytest.fixture
def docs_url(make_services: Any) -> Iterator[str]:
    """`/docs` of an API with tokens configured, on a real loopback port."""
    services: Services = make_services(auth_tokens={"t0k3n": "ops"})
    server = make_server(
        "127.0.0.1", 0, create_app(services), threaded=True, request_handler=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/docs"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        p = browser.new_page()
        p.set_default_timeout(60_000)
        yield p
        browser.close()


def test_docs_show_the_token_placeholders(page: Any, docs_url: str) -> None:
    page.goto(docs_url)
    info = page.locator(".info .description")
    info.wait_for()
    assert "Authorization: Bearer <token>" in info.inner_text()
    assert "X-Auth-Token: <token>" in info.inner_text()
    page.click("button.authorize")  # the dialog that asks for the token
    dialog = page.locator(".dialog-ux")
    dialog.wait_for()
    assert "Bearer <token>" in dialog.inner_text()
