"""The blind spots of the eval suite in the review app (B): the traffic no eval case
covers, and selecting one narrows the queue to its pairs. Real static embedder."""

from __future__ import annotations

import json

from .fixtures import make_app
from .helpers import eventually, review_screen, screen_text, settle

SIZE = (120, 40)


async def test_blind_spots_list_uncovered_traffic_and_filter_the_queue(review_db, tmp_path):
    # A suite of the numbered questions only: the support questions are uncovered.
    suite = tmp_path / "suite.jsonl"
    suite.write_text(
        "".join(json.dumps({"input": f"Question number {i}?"}) + "\n" for i in range(0, 40, 3)),
        encoding="utf-8",
    )
    app = make_app(review_db)
    app.context.evals = [str(suite)]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await eventually(pilot, lambda: "Blind spots" in screen_text(app), 120)
        await pilot.press("enter")
        await settle(pilot)
        await eventually(pilot, lambda: "blind spot" in screen_text(app))
        screen = review_screen(app)
        keys = {screen.pair_list.row_at(i).key for i in range(screen.total)}
        assert keys and not any(k.startswith("extra-") for k in keys)
        await pilot.press("escape")
        await settle(pilot)
        await eventually(pilot, lambda: review_screen(app).total == 45)


async def test_without_a_suite_it_says_how_to_give_one(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert any("review --evals FILE" in n for n in notes)
