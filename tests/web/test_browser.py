"""`swapview serve` in a real headless Chromium: name prompt, tags, undo and redo, a note,
help, search, the command palette, quitting. One browser session, as CI runs it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.tui.fixtures import make_db
from tests.tui.helpers import decision
from tests.web.browser import browser_page, open_app, require_browser
from tests.web.serving import serving

pytestmark = pytest.mark.slow  # a real Chromium against a real server process


def wait_for_decision(db_path: Path, key: str, want: tuple, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while (got := decision(db_path, key)) != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"{key}: database has {got}, expected {want}")
        time.sleep(0.05)


def test_tags_and_note_from_the_browser_reach_the_database(db_path: Path, tmp_path: Path) -> None:
    require_browser()
    make_db(db_path, n_extra=3)  # 8 pairs; most changed first: order-status, refund, password
    with serving(db_path) as served, browser_page(tmp_path / "profile") as page:
        url = served.url
        assert url.startswith("http://127.0.0.1:"), served.printed
        feed = open_app(page, url)
        feed.wait_for(page, "Who is reviewing?")
        page.keyboard.type("Dana Web")
        page.keyboard.press("Enter")
        feed.wait_for(page, "0 of 8 reviewed")
        feed.wait_for(page, "order-status")

        for key in "rin":
            page.keyboard.press(key)
        wait_for_decision(db_path, "order-status", ("regression", "Dana Web", None))
        wait_for_decision(db_path, "refund", ("improvement", "Dana Web", None))
        wait_for_decision(db_path, "password", ("neutral", "Dana Web", None))
        feed.wait_for(page, "3 of 8 reviewed, 1 regression")
        # ctrl+r is the browser's reload too: the terminal must get it (redo), not Chromium.
        page.keyboard.press("u")
        wait_for_decision(db_path, "password", (None, "Dana Web", None))
        page.keyboard.press("Control+r")
        wait_for_decision(db_path, "password", ("neutral", "Dana Web", None))
        feed.wait_for(page, "redone")  # the cursor is back on password

        # $EDITOR cannot open in a browser: `e` must land in the in-app editor.
        page.keyboard.press("e")
        feed.wait_for(page, "Note on password")
        page.keyboard.type("seen in the browser")
        page.keyboard.press("Control+s")
        wait_for_decision(db_path, "password", ("neutral", "Dana Web", "seen in the browser"))

        page.keyboard.press("?")
        feed.wait_for(page, "swapview keys")
        page.screenshot(path=str(tmp_path / "browser.png"))
        escape(page)

        page.keyboard.press("/")
        feed.wait_for(page, "Fuzzy search")
        page.keyboard.type("refund")
        page.keyboard.press("Enter")
        feed.wait_for(page, "matches for 'refund'")
        page.keyboard.press("Control+p")  # the browser's print: must reach the app
        feed.wait_for(page, "Search for commands")
        escape(page)

        page.keyboard.press("q")
        page.wait_for_selector("body.-closed", state="attached", timeout=10_000)
        assert page.is_visible("text=This review session has ended")
        served.wait_for_no_tabs()  # q ended the tab's app process
    origin = url.rstrip("/")
    foreign = [u for u in feed.requests if not u.startswith((origin, origin.replace("http", "ws")))]
    assert not foreign, f"the page fetched from elsewhere: {foreign}"
    assert any(u.endswith("/static/js/textual.js") for u in feed.requests), feed.requests
    assert (tmp_path / "browser.png").stat().st_size > 10_000


def escape(page) -> None:
    # A key right after escape would arrive as alt+key (the terminal's escape prefix),
    # in a browser as in any terminal: a person pauses, so does the test.
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
