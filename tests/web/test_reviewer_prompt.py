"""The browser app's first screen: who is reviewing (Pilot, in process)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from swapview.tui import ReviewScreen
from swapview.web.app import BrowserReviewApp, ReviewerPrompt
from tests.tui.fixtures import make_app, make_db
from tests.tui.helpers import decision, screen_text, settle


def browser_app(db_path: Path, reviewer: str) -> BrowserReviewApp:
    app = make_app(db_path)
    context = dataclasses.replace(app.context, reviewer=reviewer)
    return BrowserReviewApp(context, theme="textual-dark")


async def test_asks_for_a_name_and_attributes_tags_to_it(db_path: Path) -> None:
    make_db(db_path, n_extra=2)
    app = browser_app(db_path, "")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewerPrompt)
        await pilot.press("enter")  # nothing typed: stays, says why
        assert isinstance(app.screen, ReviewerPrompt)
        assert "Type a name first" in screen_text(app)
        await pilot.press("r")  # a tag key while the prompt is up types, never tags
        await pilot.press("backspace", *"Ines", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.reviewer == "Ines"
        await pilot.press("r")
        await settle(pilot)
    assert decision(db_path, "order-status") == ("regression", "Ines", None)


async def test_a_given_name_opens_the_queue_at_once(db_path: Path) -> None:
    make_db(db_path, n_extra=0)
    app = browser_app(db_path, "Jo")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.reviewer == "Jo"
