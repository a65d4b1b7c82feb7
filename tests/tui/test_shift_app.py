"""The shift view in the review app (d): one row per measure and slice, and selecting a
row narrows the queue to the pairs behind it."""

from __future__ import annotations

from swapview.shift.view import BAR_CELLS, ShiftView, bars, shift_line
from swapview.store import open_db

from .fixtures import make_app
from .helpers import eventually, screen_text, settle

SIZE = (120, 40)


def _view(path) -> ShiftView:
    db = open_db(path, migrate=False)
    cid = db.execute("SELECT id FROM comparisons").fetchone()[0]
    view = ShiftView.build(db, cid)
    db.close()
    return view


def test_a_rows_pairs_are_its_scope_and_where_the_quirk_fired(review_db):
    view = _view(review_db)
    words = next(r for r in view.rows if r.measure == "words" and r.scope == "all")
    assert len(view.pair_ids(words)) == words.n == 45
    french = next(r for r in view.rows if r.measure == "words" and r.scope == "lang=fr")
    db = open_db(review_db, migrate=False)
    (fr,) = db.execute("SELECT id FROM pairs WHERE key = 'shipping'").fetchone()
    db.close()
    assert view.pair_ids(french) == [fr]
    old, new = bars(words)
    assert len(old) == len(new) == BAR_CELLS and "█" in old + new
    assert words.measure in shift_line(words)


async def test_selecting_a_row_filters_the_queue_and_escape_comes_back(review_db):
    expected = _view(review_db)
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await eventually(pilot, lambda: "What shifted" in screen_text(app))
        wanted = next(
            i for i, r in enumerate(expected.rows) if r.measure == "words" and r.scope == "lang=fr"
        )
        await pilot.press(*["down"] * wanted, "enter")
        await settle(pilot)
        await eventually(pilot, lambda: "shift: words in lang=fr" in screen_text(app))
        assert "1/1" in screen_text(app)
        assert "shipping" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await eventually(pilot, lambda: "1/45" in screen_text(app))
        # A second d reuses the measured view: the picker comes at once.
        await pilot.press("d")
        await pilot.pause()
        assert "What shifted" in screen_text(app)


async def test_a_database_without_stored_numbers_says_it_fills_them_then_shows_the_view(
    review_db,
):
    db = open_db(review_db, migrate=False)
    with db.conn:  # as a database made before the numbers were stored
        db.execute("DELETE FROM pair_fields")
        db.execute("DELETE FROM pair_facts")
    db.close()
    app = make_app(review_db)
    told: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        notify = screen.notify
        screen.notify = lambda message, **kw: (told.append(str(message)), notify(message, **kw))[1]  # type: ignore[method-assign]
        await pilot.press("d")
        await eventually(pilot, lambda: "What shifted" in screen_text(app))
    assert "storing per-pair numbers for shift (once): 45 of 45" in told
    db = open_db(review_db, migrate=False)
    assert db.execute("SELECT count(*) FROM pair_facts").fetchone()[0] == 45
    db.close()
