"""The prompt panel puts the question being answered first: the last user turn of a chat."""

from __future__ import annotations

import pytest

from swapview.store import LoadReport, PairRecord, PairWriter, open_db, write_transaction
from swapview.tui.panels import focus_turn, others_summary

from .fixtures import make_app, make_db
from .helpers import line_with, screen_lines, screen_text, settle

SYSTEM = (
    "You are Acme's support assistant. Reply with exactly one JSON object and nothing "
    "else. Answer only from the help centre, in the customer's language. " * 3
)
QUESTION = (
    "Hi team, what happens to our invoices and uploaded files after we cancel the "
    "annual plan halfway through the year? Cheers"
)
CHAT = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": '{"answer": "Hi! How can I help?"}'},
    {"role": "user", "content": QUESTION},
]


@pytest.fixture
def chat_db(tmp_path):
    """The test database plus a few-shot chat pair at the top of the queue."""
    path = tmp_path / "review.db"
    make_db(path, n_extra=3)
    db = open_db(path)
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write(
            [PairRecord("chat", CHAT, '{"answer": "Kept 30 days."}', '{"answer": "Deleted."}', {})]
        )
        pid = db.execute("SELECT id FROM pairs WHERE key = 'chat'").fetchone()[0]
        db.execute(
            "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
            " semantic_distance, lexical_distance, length_change, signal_count, scored)"
            " VALUES (?, 'h', 'v1', 'test', 0.99, 0.5, 0.0, 0, 't')",
            [pid],
        )
    db.close()
    return path


def _prompt_rows(app) -> list[str]:
    """The screen lines between the note line and the column titles."""
    lines = screen_lines(app)
    start = next(i for i, ln in enumerate(lines) if "✎" in ln) + 1
    end = next(i for i, ln in enumerate(lines) if "+ new: gpt-new" in ln)
    return [ln.strip() for ln in lines[start:end] if ln.strip(" ▁")]


async def test_last_question_first_then_all_turns_then_one_line(chat_db):
    app = make_app(chat_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = _prompt_rows(app)
        assert rows[0].startswith("user: Hi team, what happens to our invoices")
        assert "Cheers" in " ".join(rows[:2])  # the whole question, wrapped
        assert rows[-1] == "+ system, 2 earlier turns (p to expand)"
        assert not any("support assistant" in r or r == "user: hi" for r in rows)

        await pilot.press("p")  # every turn, in order
        await settle(pilot)
        rows = _prompt_rows(app)
        starts = [
            next(i for i, r in enumerate(rows) if r.startswith(p))
            for p in ("system: You are Acme", "user: hi", "assistant: {", "user: Hi team")
        ]
        assert starts == sorted(starts)

        await pilot.press("p")  # one line
        await settle(pilot)
        assert _prompt_rows(app) == [line_with(app, "▸ user:").strip()]
        assert "▸ user: Hi team, what happens" in line_with(app, "▸ user:")


async def test_one_line_keeps_the_summary_in_view_at_80x24(chat_db):
    app = make_app(chat_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        row = line_with(app, "▸ user:")  # a short terminal starts with the one-line prompt
        assert "▸ user: Hi team, what happens" in row
        assert row.rstrip().endswith("…  + system, 2 earlier turns")


async def test_a_text_prompt_has_no_summary(chat_db):
    app = make_app(chat_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert _prompt_rows(app) == ["user: Where is my order #1234?"]


def test_focus_and_summary_of_unusual_chats():
    assert focus_turn([("system", "s"), ("user", "q"), ("assistant", "prefill")]) == 1
    assert (
        others_summary([("system", "s"), ("user", "q"), ("assistant", "a")], 1)
        == "+ system, 1 later turn"
    )
    assert focus_turn([("system", "only")]) == 0
    assert others_summary([("system", "only")], 0) == ""
    assert (
        others_summary([("user", "a"), ("assistant", "b"), ("user", "c")], 2) == "+ 2 earlier turns"
    )


async def test_all_turns_leave_the_diff_room_at_80x24(chat_db):
    app = make_app(chat_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p", "p")  # one line -> last question -> all turns
        await settle(pilot)
        prompt = app.screen.query_one("PromptView")
        assert prompt.mode == "full" and prompt.outer_size.height == 4
        assert app.screen.query_one("DiffView").size.height >= 5
        assert '"Kept 30 days."' in "\n".join(screen_lines(app))  # the diff is on screen
        await pilot.press("P")  # the panel scrolls instead of growing
        await settle(pilot)
        assert prompt.scroll_y > 0
    app = make_app(chat_db)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("p")  # tall screen: last question -> all turns, a taller panel
        await settle(pilot)
        assert app.screen.query_one("PromptView").outer_size.height == 12


@pytest.mark.parametrize(
    "prompt", ["hello\n", "two lines\nend\n\n", [{"role": "user", "content": "trailing\n"}]]
)
async def test_prompts_ending_in_a_newline_show_in_every_mode(tmp_path, prompt):
    path = tmp_path / "review.db"
    make_db(path, n_extra=1)
    db = open_db(path)
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write([PairRecord("nl", prompt, "x y", "x z", {})])
        pid = db.execute("SELECT id FROM pairs WHERE key = 'nl'").fetchone()[0]
        db.execute(
            "INSERT INTO scores (pair_id, content_hash, scorer_version, embedding_model,"
            " semantic_distance, lexical_distance, length_change, signal_count, scored)"
            " VALUES (?, 'h', 'v1', 'test', 0.99, 0.5, 0.0, 0, 't')",
            [pid],
        )
    db.close()
    app = make_app(path)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        for _ in range(3):  # last question, all turns, one line: none may crash
            assert app.return_code is None
            assert (
                "trailing" in screen_text(app)
                or "hello" in screen_text(app)
                or "two lines" in screen_text(app)
            )
            await pilot.press("p")
            await settle(pilot)
