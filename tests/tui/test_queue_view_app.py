"""The queue list and the status line: keys, columns, the cursor row in view, an empty queue."""

from __future__ import annotations

import pytest

from .fixtures import make_app, make_db
from .helpers import (
    add_signals,
    eventually,
    line_with,
    option_index,
    rename_keys,
    screen_text,
    settle,
    tag_key,
)

SIZE = (120, 40)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.fixture
def big_db(tmp_path):
    path = tmp_path / "big.db"
    make_db(path, n_extra=295)
    return path


async def test_keys_that_differ_at_the_end_stay_distinct(review_db):
    rename_keys(
        review_db,
        {
            "order-status": "alpaca_eval-639",
            "refund": "alpaca_eval-62",
            "password": "alpaca_eval-628",
            "hostile": "conversation-2024-06-alpha-0001",
            "shipping": "conversation-2024-06-alpha-0002",
        },
    )
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for key in ("alpaca_eval-639", "alpaca_eval-62 ", "alpaca_eval-628"):
            assert key in text
        assert "…4-06-alpha-0001 " in text and "…4-06-alpha-0002 " in text
        head = line_with(app, "quirks")
        row = line_with(app, "alpaca_eval-639")
        # Titles line up with the columns: the scores start under "sem".
        assert row.index("0.900") == head.index("sem")


async def test_quirks_get_room_on_a_wide_terminal(review_db):
    add_signals(review_db, "order-status", ["refusal_appeared", "truncated", "much_shorter"])
    app = make_app(review_db)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        assert "keys,short,refusal,trunc " in line_with(app, "order-status")
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "keys,shor…" in line_with(app, "order-status")


async def test_resume_far_down_shows_the_cursor_row(big_db):
    tag_key(big_db, "extra-240")  # row 246 of 300 in semantic order; resume goes one past
    app = make_app(big_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "247/300" in screen_text(app)
        await eventually(pilot, lambda: "▶" in screen_text(app))
        assert "extra-241" in line_with(app, "▶")


async def test_clear_filters_keeps_the_cursor_row_in_view(big_db):
    app = make_app(big_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await pilot.press(*"extra-240", "enter")
        await settle(pilot)
        assert "extra-240" in line_with(app, "▶")
        await pilot.press("/", *"extra-240", "enter")  # a short queue: the list shrinks
        await settle(pilot)
        assert "extra-240" in line_with(app, "▶")
        await pilot.press("F")
        await settle(pilot)
        assert "246/300" in screen_text(app)
        await eventually(pilot, lambda: "▶" in screen_text(app))
        assert "extra-240" in line_with(app, "▶")


async def test_narrow_status_keeps_filter_and_reviewer(review_db):
    app = make_app(review_db, untagged=True, signal="refusal_appeared")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = screen_text(app).splitlines()[0].rstrip()
        assert "signal=refusal_appeared │ ana" in status, status


async def test_an_empty_queue_shows_no_pair(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"a note to forget", "ctrl+s")
        await settle(pilot)
        assert "a note to forget" in screen_text(app)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*["down"] * option_index(app.screen, "meta"), "enter")
        await settle(pilot)
        await pilot.press(*"lang=xx", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "0/0" in text and "No pairs in this queue." in text
        for stale in ("a note to forget", "Where is my order", "no note", "(no prompt)"):
            assert stale not in text


async def test_wrap_and_whitespace_toggles_say_so(review_db):
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w", "W")
        await settle(pilot)
        assert notes(app)[-2:] == [
            "wrap off (h/l scroll sideways)",
            "whitespace and reflow ignored",
        ]
        await pilot.press("w", "W")
        await settle(pilot)
        assert notes(app)[-2:] == ["wrap on", "whitespace shown"]
