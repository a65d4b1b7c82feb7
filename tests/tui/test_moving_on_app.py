"""Moving on after a tag in orders that follow tags (#14): the learned order re-sorts as
tags arrive, yet a key only tags the pair on screen, each tag moves on to the order's
first undecided pair, and a re-sort never moves the row under the cursor."""

from __future__ import annotations

import asyncio
import random
import threading

import pytest

from swapview.ingest import load_files
from swapview.queue import QueueRow
from swapview.queue.window import load_queue
from swapview.scoring.runner import score_comparison
from swapview.store import open_db
from swapview.triage.ranking import Ranker
from swapview.tui import reads
from swapview.tui.moving_on import Found, MovingOn, first_loaded_undecided
from tests.conftest import SAMPLE_DATA

from .fixtures import make_app
from .helpers import eventually, review_screen, settle

SIZE = (120, 40)


def _reviews_per_pair(path) -> dict[int, int]:
    db = open_db(path, migrate=False)
    rows = dict(db.execute("SELECT pair_id, count(*) FROM reviews GROUP BY pair_id"))
    db.close()
    return rows


def _refitted_tags(path) -> int | None:
    db = open_db(path, migrate=False)
    row = db.execute("SELECT n_tags FROM triage_models").fetchone()
    db.close()
    return row[0] if row else None


def _row(pid: int, tag: str | None = None) -> QueueRow:
    return QueueRow(pid, f"k{pid}", "", None, None, None, (), tag, None, False, False, (0, (), pid))


@pytest.mark.parametrize(
    ("loaded", "total", "skip", "found"),
    [
        ([(0, _row(1, "neutral")), (1, _row(2)), (2, _row(3))], 3, set(), Found(1, True)),
        ([(0, _row(1, "neutral")), (1, _row(2)), (2, _row(3))], 3, {2}, Found(2, True)),
        ([(0, _row(1, "neutral")), (1, _row(2, "skip"))], 2, set(), Found(None, True)),
        ([(0, _row(1, "neutral")), (1, _row(2, "skip"))], 5, set(), Found(None, False)),
        ([(100, _row(1)), (101, _row(2))], 300, set(), Found(100, False)),  # rows 0-99 unread
    ],
)
def test_first_loaded_undecided(loaded, total, skip, found):
    assert first_loaded_undecided(loaded, total, skip) == found


def test_passed_over_pairs_belong_to_one_queue():
    from swapview.queue import QueueSpec

    moving, learned = MovingOn(), QueueSpec(order="regression")
    moving.passed(learned, 7)
    assert moving.skipped(learned) == {7}
    assert moving.skipped(learned.with_(order="sample")) == set()


@pytest.fixture
def sample_db(tmp_path, static_embedder):
    """The README's first minutes: the sample data loaded and scored (the real model)."""
    path = tmp_path / "demo.db"
    db = open_db(path)
    report = load_files(db, [SAMPLE_DATA / "support_assistant.jsonl"])
    score_comparison(db, report.comparison, static_embedder)
    db.close()
    return path


async def test_learned_order_tags_each_pair_once_and_moves_to_the_first_undecided(sample_db):
    """24 tag keys on the sample data in the learned order (as #14 tried): 24 distinct
    pairs, each undecided when its key was pressed, and the cursor never drifts below
    undecided pairs the re-sorted order put first."""
    app = make_app(sample_db, resume=False, order="regression")
    keys = random.Random(14).choices("rnni", k=24)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = review_screen(app)
        plist = screen.pair_list
        pressed_on = []
        for key in keys:
            row = plist.cursor_row
            pressed_on.append((row.pair_id, row.tag))
            await pilot.press(key)
            await settle(pilot, 2)  # the refit lands: the row under the cursor stays
            assert plist.cursor_row.pair_id == screen.detail.pair_id
        assert [tag for _, tag in pressed_on] == [None] * 24
        assert len({pid for pid, _ in pressed_on}) == 24
        assert set(_reviews_per_pair(sample_db).values()) == {1}
        # Everything above the cursor is decided: no undecided pair waits at the top.
        above = [plist.row_at(i) for i in range(plist.cursor)]
        assert all(r is not None and r.tag is not None for r in above)
        assert plist.cursor_row.tag is None


async def test_a_refit_never_moves_the_row_under_the_cursor(review_db):
    app = make_app(review_db, resume=False, order="regression")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = review_screen(app)
        await pilot.press("n")
        await settle(pilot)  # the refit landed
        here, at = screen.pair_list.cursor_row, screen.pair_list.cursor
        await pilot.press("j")  # passes over one pair on purpose
        await pilot.press("k")
        await settle(pilot)
        assert (screen.pair_list.cursor_row, screen.pair_list.cursor) == (here, at)
        await pilot.press("r")  # tags the pair on screen, then the re-sorted first undecided
        await settle(pilot)
        row = screen.pair_list.cursor_row
        assert row.tag is None and row.pair_id != here.pair_id
        db = open_db(review_db, migrate=False)
        first = db.execute(
            "SELECT t.pair_id FROM triage_scores t LEFT JOIN decisions d USING (pair_id)"
            " WHERE d.tag IS NULL ORDER BY t.score DESC, t.pair_id DESC LIMIT 2"
        ).fetchall()
        db.close()
        # The first undecided of the new order, or the second when the first was passed over.
        assert row.pair_id in {pid for (pid,) in first}


async def test_keys_pressed_while_the_queue_reloads_tag_only_the_pair_on_screen(
    review_db, monkeypatch
):
    """A reload lands after the next key was pressed, before that key's refit: it must
    not put the cursor back on the pair that key tagged (#14: a regression became
    neutral). Reads and refits are held to make the timing certain."""
    loads, loads_go = threading.Event(), threading.Event()
    refits, refits_go = threading.Event(), threading.Event()

    def slow_load(*args, **kwargs):
        if loads.is_set():
            loads_go.wait(10)
        return load_queue(*args, **kwargs)

    refit = Ranker.refit

    def slow_refit(ranker):
        if refits.is_set():
            refits_go.wait(10)
        return refit(ranker)

    monkeypatch.setattr(reads, "load_queue", slow_load)
    monkeypatch.setattr(Ranker, "refit", slow_refit)
    app = make_app(review_db, resume=False, order="regression")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = review_screen(app)
        loads.set()
        await pilot.press("r")
        await asyncio.to_thread(screen.session.wait_idle, 10)
        await eventually(pilot, lambda: _refitted_tags(review_db) == 1)
        await pilot.pause(0.3)  # the refit's result is applied (a reload, if any, waits)
        refits.set()
        await pilot.press("n")  # tags the pair on screen; its refit waits
        await asyncio.to_thread(screen.session.wait_idle, 10)
        loads.clear()
        loads_go.set()
        await pilot.pause(0.5)  # the held reload lands
        assert screen.pair_list.cursor_row.tag is None
        refits.clear()
        refits_go.set()
        await settle(pilot)
        assert screen.pair_list.cursor_row.tag is None
        await pilot.press("i")
        await settle(pilot)
    per_pair = _reviews_per_pair(review_db)
    assert len(per_pair) == 3 and set(per_pair.values()) == {1}
