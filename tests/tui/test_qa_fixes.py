"""Bugs a QA pass found in the review app, each pinned by the key presses that showed it."""

from __future__ import annotations

import contextlib

import pytest

from swapview import reviews
from swapview.store import open_db

from .fixtures import make_app, make_db
from .helpers import decision, eventually, line_with, screen_text, settle

SIZE = (120, 40)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def fake_suspend(app, monkeypatch) -> list[str]:
    """A suspend that works (run_test has none), recording that it ran and resumed."""
    calls: list[str] = []

    @contextlib.contextmanager
    def suspend():
        calls.append("suspended")
        yield
        calls.append("resumed")

    monkeypatch.setattr(app, "suspend", suspend)
    return calls


async def test_missing_editor_is_reported_before_suspending(review_db, monkeypatch):
    monkeypatch.setenv("EDITOR", "/nonexistent/editor --wait")
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        calls = fake_suspend(app, monkeypatch)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert calls == []  # never handed the terminal over
        assert any("cannot run /nonexistent/editor" in n for n in notes(app))
        assert type(app.screen).__name__ == "NoteEditor"
        await pilot.press(*"inline instead", "ctrl+s")
        await settle(pilot)
        assert decision(review_db, "order-status")[2] == "inline instead"


async def test_editor_that_fails_to_start_still_resumes(review_db, monkeypatch, tmp_path):
    bad = tmp_path / "bad-editor"
    bad.write_bytes(b"\x00\x01 not a program")
    bad.chmod(0o755)  # found on PATH, but exec fails with an OSError
    monkeypatch.setenv("VISUAL", str(bad))
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        calls = fake_suspend(app, monkeypatch)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert calls == ["suspended", "resumed"]
        assert any(f"cannot run {bad}" in n for n in notes(app))
        assert type(app.screen).__name__ == "NoteEditor"


async def test_external_editor_writes_the_note(review_db, monkeypatch, tmp_path):
    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nprintf "from the editor" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(script))
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        fake_suspend(app, monkeypatch)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert decision(review_db, "order-status")[2] == "from the editor"
        assert "✎ from the editor" in screen_text(app)


def rename_keys(path, keys: dict[str, str]) -> None:
    db = open_db(path, migrate=False)
    for old, new in keys.items():
        db.execute("UPDATE pairs SET key = ? WHERE key = ?", [new, old])
    db.conn.commit()
    db.close()


def add_signals(path, key: str, names: list[str]) -> None:
    db = open_db(path, migrate=False)
    pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
    for name in names:
        db.execute("INSERT INTO signals (pair_id, name) VALUES (?, ?)", [pid, name])
    db.conn.commit()
    db.close()


async def test_keys_that_differ_at_the_end_stay_distinct(review_db):
    rename_keys(
        review_db,
        {
            "order-status": "alpaca_eval-639",
            "refund": "alpaca_eval-62",
            "password": "alpaca_eval-628",
            "hostile": "conversation-2024-06-alpha-0001",
            "shipping": "conversation-2024-06-alpha-0002",
        },
    )
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for key in ("alpaca_eval-639", "alpaca_eval-62 ", "alpaca_eval-628"):
            assert key in text
        assert "…4-06-alpha-0001 " in text and "…4-06-alpha-0002 " in text
        head = line_with(app, "quirks")
        row = line_with(app, "alpaca_eval-639")
        # Titles line up with the columns: the scores start under "sem".
        assert row.index("0.900") == head.index("sem")


async def test_quirks_get_room_on_a_wide_terminal(review_db):
    add_signals(review_db, "order-status", ["refusal_appeared", "truncated", "much_shorter"])
    app = make_app(review_db)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        assert "keys,short,refusal,trunc " in line_with(app, "order-status")
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "keys,shor…" in line_with(app, "order-status")


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


def tag_key(path, key: str, reviewer: str = "ana", tag: str = "regression") -> None:
    db = open_db(path, migrate=False)
    pid = db.execute("SELECT id FROM pairs WHERE key = ?", [key]).fetchone()[0]
    reviews.record(db, pid, reviewer, tag=tag)
    db.close()


@pytest.fixture
def big_db(tmp_path):
    path = tmp_path / "big.db"
    make_db(path, n_extra=295)
    return path


async def test_resume_far_down_shows_the_cursor_row(big_db):
    tag_key(big_db, "extra-240")  # row 246 of 300 in semantic order; resume goes one past
    app = make_app(big_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "247/300" in screen_text(app)
        await eventually(pilot, lambda: "▶" in screen_text(app))
        assert "extra-241" in line_with(app, "▶")


async def test_clear_filters_keeps_the_cursor_row_in_view(big_db):
    app = make_app(big_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await pilot.press(*"extra-240", "enter")
        await settle(pilot)
        assert "extra-240" in line_with(app, "▶")
        await pilot.press("/", *"extra-240", "enter")  # a short queue: the list shrinks
        await settle(pilot)
        assert "extra-240" in line_with(app, "▶")
        await pilot.press("F")
        await settle(pilot)
        assert "246/300" in screen_text(app)
        await eventually(pilot, lambda: "▶" in screen_text(app))
        assert "extra-240" in line_with(app, "▶")


MORE_SIGNALS = [
    "truncated",
    "much_shorter",
    "much_longer",
    "empty_output",
    "markdown_changed",
    "json_broke",
    "json_fixed",
    "refusal_gone",
    "json_types_changed",
]


async def test_filter_dialog_scrolls_to_the_option_at_80x24(review_db):
    add_signals(review_db, "extra-001", MORE_SIGNALS)  # 20 options: more than fit
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f", "up")  # up from the first wraps to the last option
        await settle(pilot)
        text = screen_text(app)
        assert "enter to choose · escape cancel" in text
        last = app.screen.query_one("OptionList")
        assert last.highlighted == last.option_count - 1
        assert "comparison support (gpt-old → gpt-new)" in text
        await pilot.press("home")
        await settle(pilot)
        assert "all pairs (clear filters)" in screen_text(app)
        assert "enter to choose · escape cancel" in screen_text(app)


async def test_narrow_status_keeps_filter_and_reviewer(review_db):
    app = make_app(review_db, untagged=True, signal="refusal_appeared")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        status = screen_text(app).splitlines()[0].rstrip()
        assert "signal=refusal_appeared │ ana" in status, status


async def test_wrap_and_whitespace_toggles_say_so(review_db):
    app = make_app(review_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("w", "W")
        await settle(pilot)
        assert notes(app)[-2:] == [
            "wrap off (h/l scroll sideways)",
            "whitespace and reflow ignored",
        ]
        await pilot.press("w", "W")
        await settle(pilot)
        assert notes(app)[-2:] == ["wrap on", "whitespace shown"]


async def test_search_words_in_any_order_and_ids_exactly(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("/", *"canada ship", "enter")
        await settle(pilot)
        assert "1/1" in screen_text(app) and "shipping" in line_with(app, "▶")
        await pilot.press("/", "ctrl+u", *"extra-012", "enter")  # not extra-013 or 002
        await settle(pilot)
        assert "1/1" in screen_text(app) and "extra-012" in line_with(app, "▶")
        await pilot.press("/", "ctrl+u", *"refnud", "enter")  # a typo in a longer word
        await settle(pilot)
        assert "1/1" in screen_text(app) and "refund" in line_with(app, "▶")


async def test_jump_to_key_ignores_case_when_nothing_else_matches(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(":", *"EXTRA-007", "enter")
        await settle(pilot)
        assert "extra-007" in line_with(app, "▶")
        await pilot.press(":", *"Shipp", "enter")
        await settle(pilot)
        assert "shipping" in line_with(app, "▶")


async def test_an_empty_queue_shows_no_pair(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", *"a note to forget", "ctrl+s")
        await settle(pilot)
        assert "a note to forget" in screen_text(app)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*["down"] * _option_index(app.screen, "meta"), "enter")
        await settle(pilot)
        await pilot.press(*"lang=xx", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "0/0" in text and "No pairs in this queue." in text
        for stale in ("a note to forget", "Where is my order", "no note", "(no prompt)"):
            assert stale not in text


async def test_undo_in_untagged_queue_brings_the_pair_back(review_db):
    app = make_app(review_db, untagged=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("R")  # the tagged pair leaves the untagged queue
        await settle(pilot)
        assert "1/44" in screen_text(app) and "refund" in line_with(app, "▶")
        await pilot.press("u")
        await settle(pilot)
        assert decision(review_db, "order-status")[0] is None
        assert "1/45" in screen_text(app)
        assert "order-status" in line_with(app, "▶")


def _option_index(screen, option_id: str) -> int:
    ids = [
        screen.query_one("OptionList").get_option_at_index(i).id
        for i in range(screen.query_one("OptionList").option_count)
    ]
    return ids.index(option_id)
