"""The likely-regression order in the review app: refit in a worker after each tag."""

from __future__ import annotations

import pytest

from swapview.store import open_db

from .fixtures import make_app, make_db
from .helpers import line_with, review_screen, screen_text, settle

SIZE = (120, 40)


@pytest.fixture
def review_db(tmp_path):
    path = tmp_path / "review.db"
    make_db(path)
    return path


def _model(path) -> tuple[int, int] | None:
    db = open_db(path, migrate=False)
    row = db.execute("SELECT n_tags, n_regressions FROM triage_models").fetchone()
    db.close()
    return row


async def test_learned_order_refits_after_each_tag(review_db):
    app = make_app(review_db, order="regression")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The first refit ran on mount: the prior puts the new refusal on top, with why.
        assert _model(review_db) == (0, 0)
        screen = review_screen(app)
        assert screen.pair_list.cursor_row.key == "refund"
        info = line_with(app, "likely")
        assert "refusal" in info
        await pilot.press("r")
        await settle(pilot)
        assert _model(review_db) == (1, 1)
        # The tagged pair stays where the reviewer left it; the cursor moved on.
        assert screen.pair_list.cursor_row.key != "refund"
        assert "1 of 45 reviewed, 1 regression" in screen_text(app)
        await pilot.press("n", "n")
        await settle(pilot)
        assert _model(review_db) == (3, 1)


async def test_other_orders_do_not_refit(review_db):
    app = make_app(review_db)  # semantic order
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert _model(review_db) is None
