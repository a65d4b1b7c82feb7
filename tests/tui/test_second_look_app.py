"""A blind second look (#14): while a pair another reviewer decided is shown for a second
look, nothing on screen tells their tag, note or corrected answer; the second reviewer's
tag is stored as their own label (the first decision stands), the first tag is told only
after it, and the report's agreement counts the pair."""

from __future__ import annotations

from click.testing import CliRunner

from swapview import reviews
from swapview.cli.app import main
from swapview.config import Config
from swapview.queue import QueueSpec
from swapview.store import open_db
from swapview.triage.agreement import double_labels, second_look
from swapview.tui import ReviewContext, SwapviewApp
from swapview.tui.modals import ConfirmOverwrite

from .helpers import decision, review_screen, screen_lines, screen_text, settle

SIZE = (120, 40)
SHARE = 0.3
ANA_NOTE = "ana thinks the eta went missing"
ANA_FIX = "ana's own fixed answer"


def _ana_decides_everything(path) -> list[int]:
    """ana tags every pair regression, with a note and a corrected answer; returns the
    pairs offered to bo for a second look."""
    db = open_db(path, migrate=False)
    ids = [pid for (pid,) in db.execute("SELECT id FROM pairs ORDER BY id")]
    for pid in ids:
        reviews.record(db, pid, "ana", tag="regression", note=ANA_NOTE)
        reviews.record(db, pid, "ana", corrected_output=ANA_FIX)
    offered = second_look(db, 1, "bo", share=SHARE)
    db.close()
    assert 3 <= len(offered) < len(ids)
    return offered


def _bo(path) -> SwapviewApp:
    ctx = ReviewContext(
        db_path=str(path),
        reviewer="bo",
        spec=QueueSpec(comparison_id=1),
        config=Config(second_look_share=SHARE),
        resume=False,
    )
    return _heard(SwapviewApp(ctx, theme="textual-dark"))


def _row_badge(app, key: str):
    """The tag badge segment drawn on the queue row of ``key``: (text, style)."""
    strips = app.screen._compositor.render_strips()
    for strip in strips:
        if key in strip.text and strip.text.lstrip("▶ ").startswith(("REG", "·", "NEU", "…")):
            segments = [s for s in strip if s.text.strip()]
            badge = segments[1] if segments[0].text.strip() == "▶" else segments[0]
            return badge.text, badge.style
    raise AssertionError(f"no queue row for {key!r}:\n{screen_text(app)}")


def _said(app) -> list[str]:
    """Every notification the app showed, expired ones too (a loaded machine can take
    longer to settle than a short notification stays up)."""
    return app.said


def _heard(app: SwapviewApp) -> SwapviewApp:
    app.said = []
    shown = app.notify

    def notify(message: str, **kwargs) -> None:
        app.said.append(str(message))
        shown(message, **kwargs)

    app.notify = notify
    return app


def _key(path, pid: int) -> str:
    db = open_db(path, migrate=False)
    (key,) = db.execute("SELECT key FROM pairs WHERE id = ?", [pid]).fetchone()
    db.close()
    return key


async def test_the_first_decision_is_not_drawn_until_the_second_reviewer_tags(review_db):
    offered = _ana_decides_everything(review_db)
    first = _key(review_db, offered[0])
    app = _bo(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # In the plain queue bo sees ana's decision, in its colour.
        text, ana_style = _row_badge(app, "order-status")
        assert text.strip() == "REG"
        await pilot.press("A")
        await settle(pilot)
        screen = review_screen(app)
        assert screen.spec.label == "second look" and screen.pair_list.cursor_row.key == first
        drawn = screen_text(app)
        for gives_away in ("by ana", "REG", "regression", ANA_NOTE, ANA_FIX, "corrected answer"):
            assert gives_away not in drawn, f"{gives_away!r} drawn on a blind second look"
        text, style = _row_badge(app, first)
        assert text.strip() == "·" and style.color != ana_style.color
        assert f"second look: 0 of {len(offered)} tagged" in drawn
        assert "notes after your tag: a second look is blind" in drawn
        await pilot.press("a")  # a note would show (and replace) ana's: not on a blind pair
        await settle(pilot)
        assert type(app.screen).__name__ != "NoteEditor"
        await pilot.press("x")  # nor a cleared tag, which would tell ana's without a label
        await settle(pilot)
        assert not any("ana said" in n for n in _said(app))

        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmOverwrite)  # not an overwrite
        assert "ana said regression; you said neutral" in _said(app)
        assert _row_badge(app, first)[0].strip() == "REG"  # seen now: the decision shows
        # The next pair is still blind.
        assert screen.pair_list.cursor_row.key == _key(review_db, offered[1])
        assert "by ana" not in screen_text(app)
        assert f"second look: 1 of {len(offered)} tagged" in screen_text(app)
        await pilot.press("k")  # back on the seen pair: its decision and note are shown
        await settle(pilot)
        assert any("by ana" in line for line in screen_lines(app))
        assert ANA_NOTE in screen_text(app)

    # Both tags are stored: ana's decision stands, bo's look is his own row.
    assert decision(review_db, first) == ("regression", "ana", ANA_NOTE)
    db = open_db(review_db, migrate=False)
    looks = db.execute(
        "SELECT reviewer, tag FROM reviews WHERE pair_id = ? AND action = 'second_look'",
        [offered[0]],
    ).fetchall()
    assert looks == [("bo", "neutral")]
    assert double_labels(db, 1) == [("regression", "neutral")]
    db.close()
    result = CliRunner().invoke(main, ["--db", str(review_db), "report"])
    assert "1 pairs were tagged by two reviewers, who agreed on 0" in result.output


async def test_undo_takes_the_second_look_back_and_leaves_the_first_decision(review_db):
    offered = _ana_decides_everything(review_db)
    first = _key(review_db, offered[0])
    app = _bo(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("i", "u")
        await settle(pilot)
        assert "undone: your second look, now none" in _said(app)
        db = open_db(review_db, migrate=False)
        assert double_labels(db, 1) == []  # taken back: no longer counted
        db.close()
        await pilot.press("U")
        await settle(pilot)
        assert "redone: your second look, now improvement" in _said(app)
    assert decision(review_db, first)[:2] == ("regression", "ana")
    db = open_db(review_db, migrate=False)
    assert double_labels(db, 1) == [("regression", "improvement")]
    db.close()


async def test_the_second_look_queue_is_the_offered_pairs_whatever_the_filters(review_db):
    """Every offered pair is tagged (by someone else): "untagged only" must not hide them."""
    offered = _ana_decides_everything(review_db)
    app = _bo(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")  # untagged only: ana tagged everything, so nothing is left
        await settle(pilot)
        screen = review_screen(app)
        assert screen.spec.untagged and screen.pair_list.cursor_row is None
        await pilot.press("A")
        await settle(pilot)
        assert screen.spec.label == "second look" and not screen.spec.untagged
        assert screen.pair_list.cursor_row.key == _key(review_db, offered[0])
        assert f"second look: 0 of {len(offered)} tagged" in screen_text(app)
        await pilot.press("escape")  # back to the filtered queue it came from
        await settle(pilot)
        assert screen.spec.untagged and screen.spec.label is None
