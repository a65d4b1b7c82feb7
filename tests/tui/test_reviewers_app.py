"""Reviewers sharing one database (#14): who decided is on the pair line, tagging over
someone else's decision asks first, and the pair under a reviewer's cursor is claimed:
the others' "next" skips it, and their pair line says "ana is on this"."""

from __future__ import annotations

import time

from swapview import reviews
from swapview.store import open_db
from swapview.tui.modals import ConfirmOverwrite

from .fixtures import make_app
from .helpers import decision, eventually, line_with, review_screen, settle, tag_key

SIZE = (120, 40)


async def test_tagging_over_another_reviewers_decision_asks_first(review_db):
    tag_key(review_db, "order-status", reviewer="ana", tag="regression")
    app = make_app(review_db, reviewer="bo", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "order-status by ana" in line_with(app, "order-status by")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmOverwrite)
        assert "tagged regression by ana" in line_with(app, "Tag it neutral instead?")
        await pilot.press("escape")  # keeps theirs
        await settle(pilot)
        assert decision(review_db, "order-status")[:2] == ("regression", "ana")
        assert review_screen(app).pair_list.cursor_row.key == "order-status"
        await pilot.press("n", "enter")
        await settle(pilot)
        assert decision(review_db, "order-status")[:2] == ("neutral", "bo")
        assert review_screen(app).pair_list.cursor_row.key == "refund"  # moved on
        await pilot.press("k", "i")  # bo's own decision: no question
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmOverwrite)
        assert decision(review_db, "order-status")[:2] == ("improvement", "bo")


async def test_the_pair_under_a_reviewers_cursor_is_skipped_by_the_others(review_db):
    ana = make_app(review_db, reviewer="ana", resume=False)
    bo = make_app(review_db, reviewer="bo", resume=False)
    async with ana.run_test(size=SIZE) as pa, bo.run_test(size=SIZE) as pb:
        await settle(pa)
        await settle(pb)
        await pa.press("j")  # ana reads "refund"
        bo_screen = review_screen(bo)
        await eventually(pb, lambda: "refund" in _claimed_keys(review_db, "ana"))
        refund = bo_screen.pair_list.row_at(1).pair_id
        await eventually(pb, lambda: bo_screen.claims.others.get(refund) == "ana", timeout=8)
        assert bo_screen.pair_list.cursor_row.key == "order-status"
        await pb.press("r")  # bo's next skips the pair ana is on
        await settle(pb)
        assert bo_screen.pair_list.cursor_row.key == "password"
        await pb.press("k")  # bo looks at it anyway: it says who is on it
        await settle(pb)
        assert "refund" in line_with(bo, "ana is on this")
        assert decision(review_db, "refund") is None
    # Quitting frees the claims.
    assert _claimed_keys(review_db, "ana") == set()


def test_claims_expire_and_move_with_the_reviewer(tmp_path):
    from .fixtures import make_db

    path = tmp_path / "claims.db"
    ids = make_db(path, n_extra=0)
    db = open_db(path, migrate=False)
    reviews.claim(db, "ana", ids["refund"])
    reviews.claim(db, "ana", ids["password"])  # one claim per reviewer: it moved
    reviews.claim(db, "cy", ids["hostile"], seconds=-1)  # expired
    assert reviews.claims_of_others(db.conn, "bo") == {ids["password"]: "ana"}
    assert reviews.claims_of_others(db.conn, "ana") == {}
    db.close()


def _claimed_keys(path, reviewer: str) -> set[str]:
    db = open_db(path, migrate=False)
    rows = db.execute(
        "SELECT p.key FROM review_claims c JOIN pairs p ON p.id = c.pair_id"
        " WHERE c.reviewer = ? AND c.until > ?",
        [reviewer, time.time()],
    ).fetchall()
    db.close()
    return {k for (k,) in rows}


async def test_a_second_look_queues_others_tags_for_agreement(review_db):
    from click.testing import CliRunner

    from swapview.cli.app import main
    from swapview.config import Config
    from swapview.queue import QueueSpec
    from swapview.triage.agreement import second_look
    from swapview.tui import ReviewContext, SwapviewApp

    db = open_db(review_db, migrate=False)
    keys = [k for (k,) in db.execute("SELECT key FROM pairs ORDER BY id")]
    db.close()
    for key in keys:
        tag_key(review_db, key, reviewer="ana", tag="regression")
    ctx = ReviewContext(
        db_path=str(review_db),
        reviewer="bo",
        spec=QueueSpec(comparison_id=1),
        config=Config(second_look_share=0.3),
        resume=False,
    )
    db = open_db(review_db, migrate=False)
    offered = second_look(db, 1, "bo", share=0.3)
    db.close()
    assert 3 <= len(offered) < len(keys)
    app = SwapviewApp(ctx, theme="textual-dark")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        screen = review_screen(app)
        assert screen.spec.label == "second look" and screen.total == len(offered)
        for _ in offered:
            await pilot.press("n")  # a second opinion: no question asked
            await settle(pilot, 1)
        assert not isinstance(app.screen, ConfirmOverwrite)
        await pilot.press("A")
        await settle(pilot)
        said = [str(n.message) for n in app._notifications]
        assert "no pair waits for your second look" in said
    result = CliRunner().invoke(main, ["--db", str(review_db), "report"])
    assert f"{len(offered)} pairs were tagged by two reviewers, who agreed on 0" in result.output
