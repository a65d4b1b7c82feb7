"""A real headless Chromium (Debian's) driven by Playwright, and what the page's terminal
receives, as text, so a test can wait for the app to draw something."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SWAPVIEW_CHROMIUM", "/usr/bin/chromium")
# Without these Chromium tries to reach the network at every start (updates, sync,
# field trials); the sandbox needs user namespaces CI (root) does not give it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def require_browser() -> None:
    """Skip with the reason printed when no browser is installed here; in CI (CI=true)
    the missing browser is a failure, since scripts/install-test-tools installs it."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not shutil.which(CHROMIUM):
        missing.append(f"{CHROMIUM} (scripts/install-test-tools installs Debian's chromium)")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


class TerminalFeed:
    """Everything the app sent to the page over the websocket, as plain text."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.requests: list[str] = []

    def received(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            self.chunks.append(payload.decode("utf-8", "replace"))

    def text(self) -> str:
        return _ESCAPES.sub("", "".join(self.chunks))

    def wait_for(self, page, needle: str, timeout: float = 30.0) -> None:
        """Wait until the app has drawn ``needle`` (events are delivered while waiting)."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > deadline:
                tail = self.text()[-1500:]
                raise AssertionError(f"the page never showed {needle!r}; last text:\n{tail}")
            page.wait_for_timeout(50)


@contextmanager
def browser_page(profile: Path, width: int = 1280, height: int = 800) -> Iterator:
    """One page of a fresh headless Chromium profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def open_app(page, url: str) -> TerminalFeed:
    """Open the served page and collect what its terminal receives."""
    feed = TerminalFeed()
    page.on("websocket", lambda ws: ws.on("framereceived", feed.received))
    page.on("request", lambda request: feed.requests.append(request.url))
    page.goto(url)
    page.wait_for_selector("body.-first-byte", state="attached", timeout=30_000)
    page.click("#terminal")  # keyboard focus into the terminal, as a user would
    return feed
