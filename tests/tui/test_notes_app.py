"""Notes in the review app: inline, in $EDITOR, and never over another reviewer's note."""

from __future__ import annotations

from .fixtures import make_app
from .helpers import (
    decision,
    screen_text,
    settle,
)

SIZE = (120, 40)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_missing_editor_is_reported_before_suspending(review_db, fake_editor):
    fake_editor.missing("/nonexistent/editor --wait")
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        calls = fake_editor.attach(app)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert calls == []  # never handed the terminal over
        assert any("cannot run /nonexistent/editor" in n for n in notes(app))
        assert type(app.screen).__name__ == "NoteEditor"
        await pilot.press(*"inline instead", "ctrl+s")
        await settle(pilot)
        assert decision(review_db, "order-status")[2] == "inline instead"


async def test_editor_that_fails_to_start_still_resumes(review_db, fake_editor, tmp_path):
    bad = tmp_path / "bad-editor"
    bad.write_bytes(b"\x00\x01 not a program")
    fake_editor.program(bad)  # found, but exec fails with an OSError
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        calls = fake_editor.attach(app)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert calls == ["suspended", "resumed"]
        assert any(f"cannot run {bad}" in n for n in notes(app))
        assert type(app.screen).__name__ == "NoteEditor"


async def test_external_editor_writes_the_note(review_db, fake_editor):
    fake_editor.script('printf "from the editor" > "$1"')
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        fake_editor.attach(app)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert decision(review_db, "order-status")[2] == "from the editor"
        assert "✎ from the editor" in screen_text(app)


async def test_saving_a_note_never_silently_overwrites_another_reviewers(review_db):
    ana, bob = make_app(review_db, "ana"), make_app(review_db, "bob")
    async with ana.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await settle(pa)
        await settle(pb)
        await pb.press("a")  # bob opens the editor on order-status
        await settle(pb)
        await pa.press("a")
        await settle(pa)
        await pa.press(*"ana was here", "ctrl+s")
        await settle(pa)
        assert decision(review_db, "order-status")[2] == "ana was here"
        await pb.press(*"bob thinks", "ctrl+s")
        await settle(pb)
        # Not saved: bob is warned, still in the editor, with his text.
        assert decision(review_db, "order-status")[2] == "ana was here"
        assert type(bob.screen).__name__ == "NoteEditor"
        text = screen_text(bob)
        assert "not saved: ana changed this note since you opened it" in text
        assert '"ana was here"' in text and "ctrl+s again to save" in text
        await pb.press("ctrl+s")  # bob chooses to save anyway
        await settle(pb)
        assert decision(review_db, "order-status")[1:] == ("bob", "bob thinks")
        assert type(bob.screen).__name__ == "ReviewScreen"


async def test_escape_after_the_warning_keeps_the_other_note(review_db):
    ana, bob = make_app(review_db, "ana"), make_app(review_db, "bob")
    async with ana.run_test(size=SIZE) as pa, bob.run_test(size=SIZE) as pb:
        await settle(pa)
        await settle(pb)
        await pb.press("a")
        await settle(pb)
        await pa.press("a")
        await settle(pa)
        await pa.press(*"keep me", "ctrl+s")
        await settle(pa)
        await pb.press(*"lose me", "ctrl+s")
        await settle(pb)
        await pb.press("escape")
        await settle(pb)
        assert decision(review_db, "order-status")[1:] == ("ana", "keep me")
