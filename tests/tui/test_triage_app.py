"""The likely-regression order in the review app: refit in a worker after each tag."""

from __future__ import annotations

import asyncio
import threading

from swapview.store import open_db
from swapview.tui.gate import CoalescingGate as RefitGate

from .fixtures import make_app
from .helpers import line_with, review_screen, screen_text, settle

SIZE = (120, 40)


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


def test_refit_gate_never_leaves_a_request_unserved():
    gate = RefitGate()
    assert gate.request() is True  # starts the worker
    covered = gate.begin()
    assert gate.request() is False  # the tag lands after the refit read the tags
    assert gate.finish(covered) is False  # so the worker refits again
    covered = gate.begin()
    assert gate.finish(covered) is True  # idle now
    assert gate.request() is True  # the next tag starts a new worker
    gate.abort()
    assert gate.request() is True  # a failed worker does not block later refits


async def test_a_tag_at_the_end_of_a_refit_gets_its_own_refit(review_db, monkeypatch):
    """The tag commits after a refit read the tags but before the worker went idle."""
    reached, release = threading.Event(), threading.Event()
    finish = RefitGate.finish

    def slow_finish(gate, generation):
        if not reached.is_set():  # hold the first worker in the window
            reached.set()
            release.wait(10)
        return finish(gate, generation)

    monkeypatch.setattr(RefitGate, "finish", slow_finish)
    app = make_app(review_db, order="regression")
    async with app.run_test(size=SIZE) as pilot:
        assert await asyncio.to_thread(reached.wait, 10)
        await pilot.pause()
        await pilot.press("r")
        gate = review_screen(app).triage.refit_gate
        for _ in range(100):  # the tag is written by the session's writer thread
            if gate.begin() == 2:  # committed, and its refit requested
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError("the tag never asked for a refit")
        release.set()
        await settle(pilot)
        assert _model(review_db) == (1, 1)
        assert "1 of 45 reviewed, 1 regression" in screen_text(app)
