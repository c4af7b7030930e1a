"""Browser fixtures of the web page tests: the API of the integration services on a real HTTP
port, headless Chromium from Debian (`scripts/install-browser.sh`) driven by Playwright, and the
screenshots every page test leaves under test-artifacts/ui/.

The test modules import the fixtures: `from web_browser import browser, live_url, page`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "ui"
TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1440, "height": 900}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


def serve(app: Any) -> tuple[str, Any]:
    """Serve `app` on a free loopback port; returns (base URL, stop function)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture(scope="module")
def live_url(services: Any) -> Iterator[str]:
    """The API (and the page) of the integration services on a real HTTP port."""
    from wfq.api.app import create_app

    url, stop = serve(create_app(services))
    yield url
    stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make test does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[test]'")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab (its own storage) that fails the test on any JavaScript error or console
    error (a Content-Security-Policy refusal is one), except the browser's own line for an HTTP
    error answer, which the pages show on purpose."""
    context = browser.new_context(viewport=VIEWPORT, timezone_id="UTC")
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield p
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def screenshot(page: Any, name: str, selector: str | None = None) -> Path:
    """Save what the reader sees as test-artifacts/ui/<name>.png (the whole page, or one part)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(300)  # let the last transition (colours fade in 0.4 s) settle
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, path
    return path


def rows(page: Any, table: str) -> list[str]:
    """The data-id (or data-name) of each row of a table, in order."""
    return page.eval_on_selector_all(
        f"#{table} tbody tr[data-id], #{table} tbody tr[data-name]",
        "els => els.map(e => e.dataset.id || e.dataset.name)",
    )
