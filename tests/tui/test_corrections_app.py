"""Corrected answers in the review app: written from the new output, shown, undoable,
attributed, never over another reviewer's, and exported as the ideal."""

from __future__ import annotations

import json

from swapview import reviews
from swapview.export import Selection, export
from swapview.store import open_db

from .fixtures import BASE, make_app
from .helpers import screen_text, settle

SIZE = (120, 40)
NEW_OUTPUT = BASE[0][3]  # the first pair's (order-status) new output


def corrected(path, key: str = "order-status") -> tuple[str | None, str | None]:
    db = open_db(path, migrate=False)
    row = db.execute(
        "SELECT d.corrected_output, d.reviewer FROM decisions d JOIN pairs p"
        " ON p.id = d.pair_id WHERE p.key = ?",
        [key],
    ).fetchone()
    db.close()
    return (row[0], row[1]) if row else (None, None)


def actions(path, key: str = "order-status") -> list[tuple[str, str]]:
    db = open_db(path, migrate=False)
    rows = db.execute(
        "SELECT r.action, r.reviewer FROM reviews r JOIN pairs p ON p.id = r.pair_id"
        " WHERE p.key = ? ORDER BY r.id",
        [key],
    ).fetchall()
    db.close()
    return [tuple(r) for r in rows]


async def test_correct_key_edits_the_new_output_and_undo_takes_it_back(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "corrected answer" not in screen_text(app)
        await pilot.press("C")
        await settle(pilot)
        assert type(app.screen).__name__ == "NoteEditor"
        assert app.screen.query_one("TextArea").text == NEW_OUTPUT  # opens on the new output
        await pilot.press(*" Fixed.", "ctrl+s")
        await settle(pilot)
        assert corrected(review_db) == (NEW_OUTPUT + " Fixed.", "ana")
        assert actions(review_db) == [("correct", "ana")]
        assert '✓ corrected answer by ana: {"answer": "Your order' in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert corrected(review_db)[0] is None
        assert "corrected answer" not in screen_text(app)
        await pilot.press("U")
        await settle(pilot)
        assert corrected(review_db)[0] == NEW_OUTPUT + " Fixed."
        assert "✓ corrected answer by ana" in screen_text(app)


async def test_saving_the_new_output_untouched_writes_nothing(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert actions(review_db) == []


async def test_correction_in_editor_and_exported_as_the_ideal(review_db, fake_editor, tmp_path):
    # The editor gets the new output; the reviewer rewrites its second half.
    fake_editor.script("sed -i 's/ and arrives.*/, arriving in 2 days./' \"$1\"")
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        fake_editor.attach(app)
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        want = '{"answer": "Your order shipped Monday, arriving in 2 days.'
        assert corrected(review_db)[0] == want
        await pilot.press("r")  # tag it: only decided pairs are exported
        await settle(pilot)
    out = tmp_path / "evals.jsonl"
    db = open_db(review_db, migrate=False)
    export(db, Selection(comparison="support"), "openai-evals", str(out))
    db.close()
    (case,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert case["ideal"] == want  # neither model's output: the reviewer's


async def test_correction_never_saved_over_another_reviewers(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        db = open_db(review_db, migrate=False)
        pid = db.execute("SELECT id FROM pairs WHERE key = 'order-status'").fetchone()[0]
        reviews.record(db, pid, "bo", corrected_output="bo's answer")
        db.close()
        await pilot.press(*" mine", "ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "NoteEditor"
        assert "bo changed this corrected answer" in screen_text(app)
        assert corrected(review_db) == ("bo's answer", "bo")
        await pilot.press("ctrl+s")  # a second save is deliberate
        await settle(pilot)
        assert corrected(review_db) == (NEW_OUTPUT + " mine", "ana")


def test_correction_keeps_its_author_when_another_reviewer_tags(review_db):
    from swapview.detail import pair_detail

    db = open_db(review_db, migrate=False)
    pid = db.execute("SELECT id FROM pairs WHERE key = 'refund'").fetchone()[0]
    reviews.record(db, pid, "bo", corrected_output="first try")
    reviews.record(db, pid, "ana", corrected_output="the fix")
    reviews.record(db, pid, "cy", tag="regression")
    d = pair_detail(db.conn, pid)
    assert (d.corrected, d.corrected_by, d.reviewer) == ("the fix", "ana", "cy")
    reviews.record(db, pid, "cy", corrected_output=None)
    assert pair_detail(db.conn, pid).corrected_by is None
    db.close()
