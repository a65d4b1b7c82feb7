"""Refinement in the review app: MiniLM re-scores the queue's head in the background
from the moment the app opens; the status line says how far it got, rows refined are
marked, and the cursor stays on its pair when the queue re-sorts. A real MiniLM."""

from __future__ import annotations

import pytest

from swapview.store import open_db

from .fixtures import make_app
from .helpers import eventually, line_with, review_screen, screen_text, settle

SIZE = (160, 40)
pytestmark = pytest.mark.slow  # loads MiniLM and embeds every pair


def _refined(path) -> int:
    db = open_db(path, migrate=False)
    (n,) = db.execute("SELECT count(*) FROM scores WHERE refined_model IS NOT NULL").fetchone()
    db.close()
    return n


def _scores_current(path) -> None:
    """The fixture's scores name a placeholder hash: make them the pairs' current ones."""
    db = open_db(path, migrate=False)
    db.execute(
        "UPDATE scores SET content_hash = (SELECT content_hash FROM pairs WHERE id = pair_id)"
    )
    db.conn.commit()
    db.close()


async def test_the_app_refines_while_the_reviewer_reads(review_db):
    _scores_current(review_db)
    app = make_app(review_db)
    app.context.refine = "minilm"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        await pilot.pause()
        here = review_screen(app).pair_list.cursor_row.key
        await eventually(pilot, lambda: "all 45 refined by MiniLM" in screen_text(app), 120)
        await settle(pilot)
        assert _refined(review_db) == 45
        assert review_screen(app).pair_list.cursor_row.key == here  # re-sorted, same pair
        assert "*" in line_with(app, "▶")  # the row says which model placed it
        screen = review_screen(app)
        # The pair line shows the distance the row sorts by (the refined one).
        assert screen.detail.semantic == screen.pair_list.cursor_row.semantic
        assert screen.detail.embedding_model.startswith("all-MiniLM")


async def test_an_unscored_comparison_says_why_nothing_is_refined(review_db):
    db = open_db(review_db, migrate=False)
    db.execute("DELETE FROM scores")
    db.conn.commit()
    db.close()
    app = make_app(review_db)
    app.context.refine = "minilm"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notes = lambda: [str(n.message) for n in app._notifications]  # noqa: E731
        await eventually(pilot, lambda: any("refinement off" in n for n in notes()), 60)
        assert any("score the comparison first" in n for n in notes())
