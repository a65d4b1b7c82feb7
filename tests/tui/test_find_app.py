"""Filters, search and jump in the review app, and undo inside a filtered queue."""

from __future__ import annotations

from .fixtures import make_app
from .helpers import (
    MORE_SIGNALS,
    add_signals,
    decision,
    line_with,
    screen_text,
    settle,
)

SIZE = (120, 40)


async def test_filter_dialog_scrolls_to_the_option_at_80x24(review_db):
    add_signals(review_db, "extra-001", MORE_SIGNALS)  # 20 options: more than fit
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f", "up")  # up from the first wraps to the last option
        await settle(pilot)
        text = screen_text(app)
        assert "enter to choose · escape cancel" in text
        last = app.screen.query_one("OptionList")
        assert last.highlighted == last.option_count - 1
        assert "comparison support (gpt-old → gpt-new)" in text
        await pilot.press("home")
        await settle(pilot)
        assert "all pairs (clear filters)" in screen_text(app)
        assert "enter to choose · escape cancel" in screen_text(app)


async def test_search_words_in_any_order_and_ids_exactly(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("/", *"canada ship", "enter")
        await settle(pilot)
        assert "1/1" in screen_text(app) and "shipping" in line_with(app, "▶")
        await pilot.press("/", "ctrl+u", *"extra-012", "enter")  # not extra-013 or 002
        await settle(pilot)
        assert "1/1" in screen_text(app) and "extra-012" in line_with(app, "▶")
        await pilot.press("/", "ctrl+u", *"refnud", "enter")  # a typo in a longer word
        await settle(pilot)
        assert "1/1" in screen_text(app) and "refund" in line_with(app, "▶")


async def test_jump_to_key_ignores_case_when_nothing_else_matches(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(":", *"EXTRA-007", "enter")
        await settle(pilot)
        assert "extra-007" in line_with(app, "▶")
        await pilot.press(":", *"Shipp", "enter")
        await settle(pilot)
        assert "shipping" in line_with(app, "▶")


async def test_undo_in_untagged_queue_brings_the_pair_back(review_db):
    app = make_app(review_db, untagged=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("R")  # the tagged pair leaves the untagged queue
        await settle(pilot)
        assert "1/44" in screen_text(app) and "refund" in line_with(app, "▶")
        await pilot.press("u")
        await settle(pilot)
        assert decision(review_db, "order-status")[0] is None
        assert "1/45" in screen_text(app)
        assert "order-status" in line_with(app, "▶")
