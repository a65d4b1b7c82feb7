"""Triage in the review app: tag a cluster in one step (one undo), more like this, the
score column, and the estimate of what is left with its random-sample queue."""

from __future__ import annotations

import re

import pytest

from swapview.store import LoadReport, PairRecord, PairWriter, open_db, write_transaction
from swapview.triage.sampling import estimate_remaining
from swapview.tui.triage_controller import estimate_text

from .fixtures import make_app, make_db
from .helpers import line_with, review_screen, screen_text, settle

SIZE = (120, 40)
REFUSAL = "I'm sorry, but I can't help with that request. Please contact support."


@pytest.fixture
def cluster_db(tmp_path):
    """The review fixture plus 14 pairs whose new answer is the same refusal (with the
    'refund' pair, a cluster of 15) and a few ordinary ones."""
    path = tmp_path / "triage-ui.db"
    make_db(path, n_extra=12)
    db = open_db(path)
    recs = [
        PairRecord(
            f"policy-{i:02d}",
            f"Can you explain policy {i}?",
            f"Policy {i} covers returns of item group {i} within {i + 10} days.",
            REFUSAL,
            {},
        )
        for i in range(14)
    ]
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write(recs)
    db.close()
    return path


def _members(path) -> list[tuple[str, str | None, str | None]]:
    """(key, tag, reviewer) of every pair in the refund pair's cluster."""
    db = open_db(path, migrate=False)
    rows = db.execute(
        "SELECT p.key, d.tag, d.reviewer FROM triage_cluster_members m"
        " JOIN pairs p ON p.id = m.pair_id LEFT JOIN decisions d ON d.pair_id = p.id"
        " WHERE m.cluster_id = (SELECT m2.cluster_id FROM triage_cluster_members m2"
        " JOIN pairs p2 ON p2.id = m2.pair_id WHERE p2.key = 'refund') ORDER BY p.key"
    ).fetchall()
    db.close()
    return rows


def _review_actions(path) -> list[str]:
    db = open_db(path, migrate=False)
    rows = [r[0] for r in db.execute("SELECT action FROM reviews ORDER BY id")]
    db.close()
    return rows


async def test_tag_a_cluster_confirm_undo_redo(cluster_db):
    app = make_app(cluster_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = review_screen(app)
        await pilot.press("j")  # semantic order: order-status, then refund
        assert screen.pair_list.cursor_row.key == "refund"
        await pilot.press("c")  # no clusters yet: grouped in a worker, then asked
        await settle(pilot)
        members = _members(cluster_db)
        assert len(members) == 15
        assert "Tag 15 pairs in this cluster as regression?" in screen_text(app)
        assert "They share: new refusal 'i m sorry but i can'" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert all(tag == "regression" and who == "ana" for _, tag, who in _members(cluster_db))
        assert _review_actions(cluster_db) == ["tag"] * 15
        assert "16 of 31 reviewed" not in screen_text(app)
        assert "15 of 31 reviewed, 15 regressions" in screen_text(app)
        # The queue shows the cluster size once clusters exist.
        assert "≋" in line_with(app, "tag key")
        assert "≋15" in line_with(app, "refund")

        await pilot.press("u")  # one undo restores the whole cluster
        await settle(pilot)
        assert all(tag is None for _, tag, _ in _members(cluster_db))
        assert _review_actions(cluster_db) == ["tag"] * 15 + ["undo"] * 15
        assert "0 of 31 reviewed" in screen_text(app)
        await pilot.press("U")  # and one redo puts it back
        await settle(pilot)
        assert all(tag == "regression" for _, tag, _ in _members(cluster_db))
        assert not screen.session.can_redo


async def test_cluster_confirmation_picks_a_tag_or_cancels(cluster_db):
    app = make_app(cluster_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "n")  # tag refund neutral: the cluster asks for neutral
        await settle(pilot)
        await pilot.press("k", "c")
        await settle(pilot)
        assert "Tag 14 pairs in this cluster as neutral?" in screen_text(app)
        assert "1 already reviewed keep their tags." in screen_text(app)
        await pilot.press("i")
        assert "Tag 14 pairs in this cluster as improvement?" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        tags = {key: tag for key, tag, _ in _members(cluster_db)}
        assert tags.pop("refund") == "neutral"
        assert set(tags.values()) == {None}


async def test_more_like_this_and_back(cluster_db):
    app = make_app(cluster_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = review_screen(app)
        await pilot.press("j", "m")
        await settle(pilot)
        # The refund pair and its alike ones: the 14 refusals first, then the nearest.
        assert screen.spec.label == "like refund"
        assert screen.pair_list.cursor_row.key == "refund"
        assert 15 <= screen.total <= 51
        assert "filter: like refund" in screen_text(app)
        policies = {r.key for r in map(screen.pair_list.row_at, range(screen.total)) if r}
        assert {f"policy-{i:02d}" for i in range(14)} <= policies
        await pilot.press("j", "j")
        await pilot.press("escape")
        await settle(pilot)
        assert screen.spec.label is None and screen.total == 31
        assert screen.pair_list.cursor_row.key == "refund"
        # Clearing the filters leaves "more like this" the same way.
        await pilot.press("m")
        await settle(pilot)
        assert screen.spec.label == "like refund"
        await pilot.press("F")
        await settle(pilot)
        assert screen.spec.ids is None and screen.pair_list.cursor_row.key == "refund"


def _estimate(path) -> str:
    db = open_db(path, migrate=False)
    est = estimate_remaining(db, 1, assign=False)
    db.close()
    return estimate_text(est)


async def test_score_column_estimate_and_band_sample(cluster_db):
    app = make_app(cluster_db, order="regression")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = review_screen(app)
        head = line_with(app, "tag key")
        assert "like" in head and "why" in head and "sem" not in head
        top = screen.pair_list.cursor_row
        assert top.likely is not None
        row = line_with(app, top.key)
        chance = round(100 / (1 + 2.718281828459045**-top.likely))
        assert f"{chance}%" in row
        assert top.likely_reason and top.likely_reason[:10] in row
        # The estimate: bounds only, until a random sample is tagged.
        status = line_with(app, "reviewed")
        assert re.search(r"\? left \(0-31\)", status), status

        # The command palette names the band to sample; S switches to it.
        titles = [c.title for c in screen.system_commands()]
        named = [t for t in titles if t.startswith("Sample band ")]
        assert len(named) == 1 and "Sample for the estimate" not in titles
        await pilot.press("S")  # the band whose sample narrows it most, in sample order
        await settle(pilot)
        assert screen.spec.order == "sample"
        band = int(named[0].split()[-1])
        assert f"filter: band {band} sample" in line_with(app, "reviewed")
        db = open_db(cluster_db, migrate=False)
        in_band = [
            r[0]
            for r in db.execute(
                "SELECT pair_id FROM triage_bands WHERE band = ? ORDER BY sample_key", [band]
            )
        ]
        db.close()
        assert screen.total == len(in_band)  # none reviewed yet: the whole band, in order
        assert [screen.pair_list.row_at(i).pair_id for i in range(screen.total)] == in_band
        for _ in range(len(in_band)):
            await pilot.press("n")
        await settle(pilot)
        # Tagging the whole band's sample narrows the bounds; the point estimate waits for
        # a sample in every band (another band's rate says nothing about this one).
        expected = _estimate(cluster_db)
        assert expected.startswith("? left (0-") and expected != "? left (0-31)"
        assert expected in line_with(app, "reviewed")
        await pilot.press("escape")  # back to the learned order
        await settle(pilot)
        assert screen.spec.order == "regression" and screen.spec.ids is None


async def test_keys_are_declared_and_in_help(cluster_db):
    app = make_app(cluster_db)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = screen_text(app)
        for key, what in [
            ("c", "Tag this cluster"),
            ("m", "More like this"),
            ("S", "Sample for the estimate"),
        ]:
            assert re.search(rf"\b{key}\s+{what}", text), what
